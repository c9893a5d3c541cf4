"""Every converter: round trip through clip files, bad files name the file and the key, convert_file."""

import numpy as np
import pytest

from posynda.data import convert, load_clips, save_clips
from posynda.errors import InputError
from tests.helpers.convert import body_3dhp, h36m_world, pw_rows, write_3dhp_test, write_3dpw


def _h36m(tmp_path):
    positions = {"S11": {"Eating": h36m_world(7, 0)}}
    np.savez(tmp_path / "h.npz", positions_3d=positions)
    return convert.convert_h36m(tmp_path / "h.npz")


def _3dhp(tmp_path):
    return convert.convert_3dhp(write_3dhp_test(tmp_path)[0])


def _3dpw(tmp_path):
    rng = np.random.default_rng(0)
    return convert.convert_3dpw(write_3dpw(tmp_path / "w.npz", pw_rows("d_00", [(0, 0), (1, 0)], rng, hide=(1, 0))))


@pytest.mark.parametrize("build", [_h36m, _3dhp, _3dpw], ids=["h36m", "3dhp", "3dpw"])
def test_round_trip_through_clip_files(tmp_path, build):
    clips = build(tmp_path)
    back = load_clips(save_clips(tmp_path / "out.npz", clips))
    for field in (
        "keypoints_2d",
        "seq_index",
        "camera",
        "image_size",
        "confidence",
        "joints_3d",
        "fps",
        "seq_name",
        "valid",
    ):
        a, b = getattr(clips, field), getattr(back, field)
        assert (a is None) == (b is None), field
        if a is not None:
            np.testing.assert_array_equal(a, b, err_msg=field)


# ------------------------------------------------------------------------------- bad inputs
def _save(tmp_path, name, **arrays):
    np.savez(tmp_path / name, **arrays)
    return tmp_path / name


def _truncated(tmp_path, name, **arrays):
    good = _save(tmp_path, "good_" + name, **arrays)
    (tmp_path / name).write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return tmp_path / name


def _h36m_2d(tmp_path, name, **arrays):
    _save(tmp_path, "ok3d.npz", positions_3d={"S1": {"Walking": h36m_world(4, 0)}})
    return convert.convert_h36m(tmp_path / "ok3d.npz", _save(tmp_path, name, **arrays))


GOOD_TS1 = {"data_2d": np.ones((4, 17, 2)), "data_3d": body_3dhp(4, 0), "valid": np.ones(4)}
GOOD_PW = dict(imgname=np.array(["imageFiles/a/image_00001.jpg"]), part=np.ones((1, 24, 3)))
BAD = [
    # (id, call(tmp_path), file name, needle)
    (
        "h36m-missing-key",
        lambda t: convert.convert_h36m(_save(t, "a.npz", other=np.zeros(3))),
        "a.npz",
        "'positions_3d'",
    ),
    ("h36m-not-dict", lambda t: convert.convert_h36m(_save(t, "b.npz", positions_3d=np.zeros(3))), "b.npz", "dict"),
    (
        "h36m-joints",
        lambda t: convert.convert_h36m(_save(t, "c.npz", positions_3d={"S1": {"W": np.zeros((5, 17, 3))}})),
        "c.npz",
        "positions_3d[S1][W]' has shape [5, 17, 3], expected [N, 32, 3]",
    ),
    ("h36m-2d-missing-key", lambda t: _h36m_2d(t, "d.npz", keypoints=np.zeros(2)), "d.npz", "'positions_2d'"),
    (
        "h36m-2d-joints",
        lambda t: _h36m_2d(t, "e.npz", positions_2d={"S1": {"Walking": [np.zeros((4, 16, 2))] * 4}}),
        "e.npz",
        "positions_2d[S1][Walking][0]' has shape [4, 16, 2], expected [N, 17, 2]",
    ),
    (
        "h36m-2d-short",
        lambda t: _h36m_2d(t, "f.npz", positions_2d={"S1": {"Walking": [np.zeros((3, 17, 2))] * 4}}),
        "f.npz",
        "3 frames, fewer than the 4",
    ),
    ("h36m-2d-no-action", lambda t: _h36m_2d(t, "g.npz", positions_2d={"S1": {}}), "g.npz", "[S1][Walking]"),
    (
        "h36m-truncated",
        lambda t: convert.convert_h36m(_truncated(t, "h.npz", positions_3d={"S1": {"W": np.zeros((300, 32, 3))}})),
        "h.npz",
        "not a readable",
    ),
    ("3dhp-missing-key", lambda t: convert.convert_3dhp(_save(t, "i.npz", stuff=np.zeros(2))), "i.npz", "'data'"),
    (
        "3dhp-test-joints",
        lambda t: convert.convert_3dhp(_save(t, "j.npz", data={"TS1": {**GOOD_TS1, "data_2d": np.ones((4, 16, 2))}})),
        "j.npz",
        "data[TS1][data_2d]' has shape [4, 16, 2]",
    ),
    (
        "3dhp-test-valid",
        lambda t: convert.convert_3dhp(_save(t, "k.npz", data={"TS1": {**GOOD_TS1, "valid": np.ones(3)}})),
        "k.npz",
        "data[TS1][valid]",
    ),
    ("3dhp-test-name", lambda t: convert.convert_3dhp(_save(t, "l.npz", data={"TS9": GOOD_TS1})), "l.npz", "TS9"),
    (
        "3dhp-train-joints",
        lambda t: convert.convert_3dhp(
            _save(
                t,
                "m.npz",
                data={"S1 Seq1": [{"0": {"data_2d": np.ones((4, 17, 2)), "data_3d": np.ones((4, 14, 3))}}, 25]},
            )
        ),
        "m.npz",
        "data[S1 Seq1][0][data_3d]' has shape [4, 14, 3]",
    ),
    (
        "3dhp-train-missing",
        lambda t: convert.convert_3dhp(
            _save(t, "n.npz", data={"S1 Seq1": [{"0": {"data_2d": np.ones((4, 17, 2))}}, 25]})
        ),
        "n.npz",
        "no 'data_3d'",
    ),
    (
        "3dhp-truncated",
        lambda t: convert.convert_3dhp(_truncated(t, "o.npz", data={"TS1": GOOD_TS1})),
        "o.npz",
        "not a readable",
    ),
    (
        "3dpw-missing-key",
        lambda t: convert.convert_3dpw(_save(t, "p.npz", part=np.ones((1, 24, 3)))),
        "p.npz",
        "'imgname'",
    ),
    (
        "3dpw-part-joints",
        lambda t: convert.convert_3dpw(_save(t, "q.npz", **{**GOOD_PW, "part": np.ones((1, 17, 3))})),
        "q.npz",
        "'part' has shape [1, 17, 3]",
    ),
    (
        "3dpw-S-joints",
        lambda t: convert.convert_3dpw(_save(t, "r.npz", **GOOD_PW, S=np.ones((1, 17, 4)))),
        "r.npz",
        "'S' has shape [1, 17, 4]",
    ),
    (
        "3dpw-truncated",
        lambda t: convert.convert_3dpw(_truncated(t, "s.npz", **GOOD_PW, S=np.ones((1, 24, 4)))),
        "s.npz",
        "not a readable",
    ),
    ("npy-not-npz", lambda t: convert.convert_3dpw(_npy(t, "u.npz")), "u.npz", "not an .npz"),
    ("missing-file", lambda t: convert.convert_h36m(t / "absent.npz"), "absent.npz", "no such dataset npz file"),
]


def _npy(tmp_path, name):
    with open(tmp_path / name, "wb") as handle:
        np.save(handle, np.zeros(3))
    return tmp_path / name


@pytest.mark.parametrize("call,file_name,needle", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_inputs_name_the_file_and_the_key(tmp_path, call, file_name, needle):
    with pytest.raises(InputError) as err:
        call(tmp_path)
    message = str(err.value)
    assert file_name in message and needle in message, message
    assert "\n" not in message


def test_convert_file_dispatches_by_layout(tmp_path):
    np.savez(tmp_path / "h.npz", positions_3d={"S11": {"Eating": h36m_world(7, 0)}})
    rng = np.random.default_rng(0)
    files = {
        "h36m": (tmp_path / "h.npz", convert.convert_h36m),
        "3dhp": (write_3dhp_test(tmp_path)[0], convert.convert_3dhp),
        "3dpw": (write_3dpw(tmp_path / "w.npz", pw_rows("d_00", [(0, 0), (1, 0)], rng)), convert.convert_3dpw),
    }
    assert set(files) == set(convert.SOURCES)
    for source, (path, converter) in files.items():
        np.testing.assert_array_equal(convert.convert_file(source, path).joints_3d, converter(path).joints_3d)
    with_subjects = convert.convert_file("h36m", tmp_path / "h.npz", subjects="S11")
    assert with_subjects.num_sequences == 4


@pytest.mark.parametrize(
    "source, option, value, needle",
    [("3dpw", "subjects", "S11", "subjects applies to h36m only, not 3dpw"),
     ("h36m", "split", "test", "split applies to 3dhp only, not h36m"),
     ("3dhp", "intrinsics", (1, 1, 1, 1), "intrinsics applies to 3dpw only, not 3dhp"),
     ("h36m", "focus", 3, "focus applies to no layout only")],
)  # fmt: skip
def test_an_option_of_another_layout_is_refused(tmp_path, source, option, value, needle):
    with pytest.raises(InputError, match=needle) as info:
        convert.convert_file(source, tmp_path / "x.npz", **{option: value})
    assert info.value.parameter == option


def test_every_layout_is_one_row_of_the_table():
    assert convert.SOURCES == tuple(convert.CONVERTERS)
    for row in convert.CONVERTERS.values():
        assert callable(row.convert) and row.input
