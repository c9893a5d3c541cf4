"""Reading what users give: bounded JSON, npz headers checked against their data, and pickled layouts read by an
unpickler that builds data only -- a payload file must not run (its marker file never appears)."""

import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from posynda import reading
from posynda.errors import InputError
from tests.helpers.pickles import RunsCode


def payload_npz(path, marker, member="metadata", other=None):
    """An npz whose ``member`` is an object array pickling :class:`RunsCode`; ``other`` adds more members."""
    box = np.empty((), dtype=object)
    box[()] = {"layout_name": "coco", "hook": RunsCode(marker)}
    np.savez(path, **{member: box, **(other or {})})
    return path


@pytest.mark.parametrize(
    "payload",
    [
        (os.system, ("touch {marker}",)),
        (eval, ("open('{marker}', 'w')",)),
        (__import__("subprocess").call, (["touch", "{marker}"],)),
    ],
    ids=["os.system", "eval", "subprocess.call"],
)
def test_a_pickled_call_is_refused_before_it_runs(tmp_path, payload):
    marker = tmp_path / "marker"
    function, args = payload
    args = tuple(a.format(marker=marker) if isinstance(a, str) else [x.format(marker=marker) for x in a] for a in args)

    class Call:
        def __reduce__(self):
            return (function, args)

    box = np.empty((), dtype=object)
    box[()] = {"positions": Call()}
    np.savez(tmp_path / "p.npz", positions_2d=box)
    with pytest.raises(InputError, match="is not data.*refused, nothing was run"):
        reading.npz_with_pickled_data(tmp_path / "p.npz", ("positions_2d",))
    assert not marker.exists()


def test_data_comes_back_as_it_was_pickled(tmp_path):
    meta = {"w": np.int64(1920), "names": ("a", "b"), "ok": True, "score": 0.5, "none": None, "set": {1}}
    data = {"S1": {"Walking 1": [np.arange(12, dtype=np.float32).reshape(2, 3, 2)]}, "meta": meta}
    box = np.empty((), dtype=object)
    box[()] = data
    np.savez(tmp_path / "d.npz", data=box, plain=np.ones((2, 2), np.float64))
    out = reading.npz_with_pickled_data(tmp_path / "d.npz", ("data",), ("plain", "absent"))
    assert set(out) == {"data", "plain"}
    got = out["data"].item()
    np.testing.assert_array_equal(got["S1"]["Walking 1"][0], data["S1"]["Walking 1"][0])
    assert got["meta"] == data["meta"]
    np.testing.assert_array_equal(out["plain"], np.ones((2, 2)))


def test_a_bare_pickle_is_never_read(tmp_path):
    marker = tmp_path / "marker"
    (tmp_path / "p.npz").write_bytes(pickle.dumps(RunsCode(marker)))
    with pytest.raises(InputError, match="not an .npz archive"):
        reading.npz_with_pickled_data(tmp_path / "p.npz", ("positions_2d",))
    assert not marker.exists()


def test_a_pickled_array_of_absurd_size_is_refused(tmp_path):
    """``_reconstruct`` with a shape of 2^40 elements: refused before numpy allocates it."""
    pickled = (b"\x80\x03cnumpy._core.multiarray\n_reconstruct\nq\x00cnumpy\nndarray\nq\x01"
               b"\x8a\x06\x00\x00\x00\x00\x00\x01\x85q\x02C\x01bq\x03\x87q\x04Rq\x05.")  # fmt: skip
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "|O", "fortran_order": False, "shape": ()})
    with zipfile.ZipFile(tmp_path / "big.npz", "w") as archive:
        archive.writestr("data.npy", buffer.getvalue() + pickled)
    with pytest.raises(InputError, match="an array of shape"):
        reading.npz_with_pickled_data(tmp_path / "big.npz", ("data",))


def test_npz_arrays_never_unpickles(tmp_path):
    payload_npz(tmp_path / "p.npz", tmp_path / "marker")
    with pytest.raises(InputError, match="holds Python objects"):
        reading.npz_arrays(tmp_path / "p.npz")
    assert not (tmp_path / "marker").exists()


@pytest.mark.parametrize(
    "text, needle",
    [("[" * 50_000 + "]" * 50_000, "nested too deeply"), ("[" + "7" * 100_000 + "]", "4300 digits"),
     ("{", "not a readable"), ('"\\ud800"', None)],
    ids=["deep", "long-number", "truncated", "lone-surrogate"],
)  # fmt: skip
def test_json_problems_are_one_line(tmp_path, text, needle):
    path = tmp_path / "x.json"
    path.write_text(text)
    if needle is None:
        assert reading.read_json(path) == json.loads(text)
        return
    with pytest.raises(InputError, match=needle) as info:
        reading.read_json(path)
    assert "\n" not in str(info.value)


def test_a_json_file_over_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[" + "0," * 1000 + "0]")
    with pytest.raises(InputError, match="more than a JSON file may hold"):
        reading.read_json(path, limit=100)


def test_an_npz_header_must_match_its_data(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2, 3), np.float32))
    raw = buffer.getvalue().replace(b"(2, 3)", b"(9, 9)")
    with zipfile.ZipFile(tmp_path / "x.npz", "w") as archive:
        archive.writestr("a.npy", raw)
    with pytest.raises(InputError, match=r"declares shape \(9, 9\)"):
        reading.check_npz(tmp_path / "x.npz")


def test_an_npz_over_the_total_limit_is_refused(tmp_path):
    np.savez(tmp_path / "x.npz", a=np.zeros(1000, np.float64))
    with pytest.raises(InputError, match="more than a"):
        reading.check_npz(tmp_path / "x.npz", limit=4000)
