"""libposynda is safe to open: crafted .npy files, command lines and model files get exit 2 and one error line
(never a crash, a hang or a large allocation), the model-file refusals read exactly as the Python runtime's,
infinite keypoints and bad confidences are refused, a failed write leaves nothing behind, --timing reports
what the benchmark reads, and the shared library carries its ABI version (SONAME libposynda.so.1).

Every case runs the tool under a 512 MiB address-space limit (RLIMIT_AS) and a timeout: a reader that
allocated what a header declares, or looped, fails here."""

import json
import os
import resource
import shutil
import signal
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.libposynda import BUILD, LIB

pytestmark = pytest.mark.slow  # C builds and tools (outside the quick subset)

pytest.importorskip("onnxruntime")

MEMORY_BOUND = 512 << 20  # bytes of address space for every run of the tool here
TIMEOUT_S = 60
HEADER = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }"


def npy_bytes(header: str, data: bytes = b"", version: int = 1, header_len: int | None = None) -> bytes:
    """A .npy file written by hand: magic, version, header length (or a lie about it), header, data."""
    h = header.encode("latin1")
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    n = len(h) if header_len is None else header_len
    length = struct.pack("<H", n) if version == 1 else struct.pack("<I", n)
    return b"\x93NUMPY" + bytes([version, 0]) + length + h + data


def bounded():
    """preexec_fn: the address-space bound of every case."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BOUND, MEMORY_BOUND))


def tool(binary, *args, preexec=bounded):
    result = subprocess.run(
        [str(binary), *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT_S, preexec_fn=preexec
    )
    assert result.returncode in (0, 1, 2), (result.returncode, result.stderr)  # never a signal (crash)
    return result


def one_line(result) -> str:
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr.rstrip("\n")


@pytest.fixture(scope="module")
def good_kp(tmp_path_factory):
    path = tmp_path_factory.mktemp("kp") / "kp.npy"
    rng = np.random.default_rng(0)
    np.save(path, (500 + 50 * rng.standard_normal((30, 17, 2))).astype(np.float32))
    return path


def base_args(model, keypoints, out):
    return ["--model", model, "--keypoints", keypoints, "--size", 1000, 1000, "--out", out, "--threads", 1]


# ---- the .npy reader ------------------------------------------------------------------------------------

SEGV_ROWS = (2**64 + 16) // 17  # rows * 17 * 2 wraps int64 to 32 elements: the tool crashed (139) on it
NPY_CASES = {
    # name: (file bytes, the error after "posynda_lift: <path>: ")
    "empty": (b"", "not a .npy file (0 bytes)"),
    "bad magic": (b"\x93NUMPX\x01\x00" + b"\0" * 64, "not a .npy file (no \\x93NUMPY magic)"),
    "version 9": (b"\x93NUMPY\x09\x00" + b"\0" * 64, "unsupported .npy format version 9.0"),
    "27-byte header of 4 GB": (
        b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFF0) + b"{'descr': '<f4'",
        "a .npy header of 4294967280 bytes is longer than 65536",
    ),
    "header longer than the file": (
        npy_bytes(HEADER % "(3, 17, 2)", header_len=60000),
        "truncated .npy file (a header of 60000 bytes in a file of 128)",
    ),
    "float64": (
        npy_bytes(HEADER.replace("<f4", "<f8") % "(1, 17, 2)", b"\0" * 272),
        "expected a little-endian float32 array ('<f4'), got '<f8'",
    ),
    "fortran order": (
        npy_bytes(HEADER.replace("False", "True") % "(1, 17, 2)", b"\0" * 136),
        "expected a C-order array (fortran_order True)",
    ),
    "shape wraps int64 (was a crash, 139)": (
        npy_bytes(HEADER % f"({SEGV_ROWS}, 17, 2)", b"\0" * 4000),
        f"the shape [{SEGV_ROWS}, 17, 2] is too large (its size overflows)",
    ),
    "shape overflows int64 (was an abort, 134)": (
        npy_bytes(HEADER % "(542551296285575048, 17, 2)", b"\0" * 128),
        "the shape [542551296285575048, 17, 2] is too large (its size overflows)",
    ),
    "dimension beyond int64": (
        npy_bytes(HEADER % "(99999999999999999999, 17, 2)"),
        "malformed .npy header (a dimension larger than int64 at byte 69)",
    ),
    "huge array in a tiny file": (
        npy_bytes(HEADER % "(100000000, 17, 2)", b"\0" * 64),
        "truncated data: the shape [100000000, 17, 2] needs 13600000000 bytes, the file has 64 after its header",
    ),
    "negative dimension": (
        npy_bytes(HEADER % "(-1, 17, 2)"),
        "malformed .npy header (expected a non-negative integer dimension at byte 51)",
    ),
    "unknown key": (
        npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 17, 2), 'x': 1, }"),
        "malformed .npy header (unexpected or repeated key 'x' at byte 66)",
    ),
    "repeated key": (
        npy_bytes("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1, 17, 2), }"),
        "malformed .npy header (unexpected or repeated key 'descr' at byte 25)",
    ),
    "missing shape": (
        npy_bytes("{'descr': '<f4', 'fortran_order': False, }"),
        "malformed .npy header (needs descr, fortran_order and shape)",
    ),
}


@pytest.mark.parametrize("name", list(NPY_CASES))
def test_npy_reader_refuses_crafted_files(posynda_lift_bin, shipped_export, tmp_path, name):
    data, error = NPY_CASES[name]
    path = tmp_path / "kp.npy"
    path.write_bytes(data)
    result = tool(posynda_lift_bin, *base_args(shipped_export / "denoiser.onnx", path, tmp_path / "out.npy"))
    assert result.returncode == 2
    assert one_line(result) == f"posynda_lift: {path}: {error}"
    assert not (tmp_path / "out.npy").exists()


SHAPE_CASES = [
    ("(3, 16, 2)", 3 * 16 * 2, "keypoints must have 17 joints, got 16 (shape [3, 16, 2])"),
    ("(1000000000000000, 0, 2)", 0, "keypoints must have 17 joints, got 0 (shape [1000000000000000, 0, 2])"),
    ("(3, 17)", 3 * 17, "keypoints must be [N, J, 2] float32, got [3, 17]"),
    ("(0, 17, 2)", 0, "sequence frames must be in [1, 100000000], got 0"),
]


@pytest.mark.parametrize("shape, count, error", SHAPE_CASES)
def test_keypoint_shapes_are_checked_before_outputs_are_sized(posynda_lift_bin, shipped_export, tmp_path, shape,
                                                              count, error):  # fmt: skip
    """A file of zero-joint frames can declare 10^15 frames in a few bytes: refused before any output exists."""
    path = tmp_path / "kp.npy"
    path.write_bytes(npy_bytes(HEADER % shape, b"\0" * (4 * count)))
    result = tool(posynda_lift_bin, *base_args(shipped_export / "denoiser.onnx", path, tmp_path / "out.npy"))
    assert result.returncode == 2 and one_line(result) == f"posynda_lift: {error}"


def test_committed_fuzz_corpus_never_crashes_the_tool(posynda_lift_bin, shipped_export, tmp_path):
    """Every seed and regression input of the .npy fuzz corpus: exit 0 or 2 and at most one line, within bounds."""
    corpus = sorted((LIB / "fuzz" / "corpus" / "npy").iterdir())
    assert len(corpus) >= 5
    for path in corpus:
        result = tool(posynda_lift_bin, *base_args(shipped_export / "denoiser.onnx", path, tmp_path / "out.npy"))
        assert result.returncode in (0, 2) and result.stderr.count("\n") <= 1, (path.name, result.stderr)


# ---- the command line ---------------------------------------------------------------------------------

INT_RANGE = "[-2147483648, 2147483647]"
ARG_CASES = [
    # (arguments replacing or added to the defaults, the line after "posynda_lift: ")
    (["--size", "99999999999", "1080"], f"--size must be an integer in {INT_RANGE}, got '99999999999'"),
    (["--size", "1920", "abc"], f"--size must be an integer in {INT_RANGE}, got 'abc'"),
    (["--size", "1920.5", "1080"], f"--size must be an integer in {INT_RANGE}, got '1920.5'"),
    (["--size", "40000", "1080"], "image size must be positive and at most 32768 pixels per side, got 40000 x 1080"),
    (["--size", "0", "1080"], "image size must be positive and at most 32768 pixels per side, got 0 x 1080"),
    (["-H", "4294967297"], f"-H must be an integer in {INT_RANGE}, got '4294967297'"),  # wrapped to 1 before
    (["-H", "101"], "hypotheses must be in [1, 100], got 101"),
    (["-K", "1001"], "steps must be in [1, 1000], got 1001"),
    (["--batch", "4097"], "batch_size must be in [1, 4096], got 4097"),
    (["--stride", "2049"], "stride must be in [0, 2048] (0 = the window length), got 2049"),
    (["--stride", "-1"], "stride must be in [0, 2048] (0 = the window length), got -1"),
    (["--seed", "-1"], "--seed must be an integer in [0, 2^64), got '-1'"),
    (["--seed", "18446744073709551616"], "--seed must be an integer in [0, 2^64), got '18446744073709551616'"),
    (["--threads", "5000"], "threads must be in [0, 1024] (0 = ONNX Runtime's default), got 5000"),
    (["--threads", "2x"], f"--threads must be an integer in {INT_RANGE}, got '2x'"),
    (["--repeat", "0"], "--repeat must be an integer in [1, 1000000], got '0'"),
    (
        ["--intrinsics", "abc", "1000", "500", "500", "0", "0", "0", "0", "0"],
        "--intrinsics needs finite numbers, got 'abc'",
    ),  # was a silent 0
    (
        ["--intrinsics", "1e39", "1000", "500", "500", "0", "0", "0", "0", "0"],
        "--intrinsics needs finite numbers, got '1e39'",
    ),
    (
        ["--intrinsics", "nan", "1000", "500", "500", "0", "0", "0", "0", "0"],
        "--intrinsics needs finite numbers, got 'nan'",
    ),
    (["--seed"], "--seed needs a value"),
    (["--bogus"], "unknown argument --bogus"),
]


@pytest.mark.parametrize("extra, error", ARG_CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_arguments_are_checked_whole(posynda_lift_bin, shipped_export, good_kp, tmp_path, extra, error):
    result = tool(posynda_lift_bin, *base_args(shipped_export / "denoiser.onnx", good_kp, tmp_path / "o.npy"), *extra)
    assert result.returncode == 2
    line = one_line(result)
    assert line in (f"posynda_lift: {error}", f"posynda_lift: {error} (posynda_lift --help for usage)"), line


def test_intrinsics_refusal_reads_as_pythons(posynda_lift_bin, shipped_export, good_kp, tmp_path):
    from posynda.camera import check_intrinsics
    from posynda.errors import InputError

    k = [0.5, 1000.0, 500.0, 500.0, 0.1, 0.0, 0.0, 0.0, 0.0]  # fx below MIN_FOCAL_PX
    with pytest.raises(InputError) as python:
        check_intrinsics(k)
    args = base_args(shipped_export / "denoiser.onnx", good_kp, tmp_path / "o.npy")
    result = tool(posynda_lift_bin, *args, "--intrinsics", *map(repr, k))
    assert result.returncode == 2 and one_line(result) == f"posynda_lift: {python.value}"


# ---- non-finite keypoints and confidences --------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["lift", "stream"])
def test_infinite_keypoints_and_bad_confidence_are_refused(posynda_lift_bin, shipped_export, tmp_path, stream):
    from posynda.errors import InputError
    from posynda.runtime.stream import check_frame

    kp = np.full((40, 17, 2), 500, np.float32) + np.arange(17, dtype=np.float32)[:, None]
    conf = np.full((40, 17), 0.9, np.float32)
    cases = []  # (keypoints, confidence or None, the frame Python's check_frame refuses)
    for value in (np.inf, -np.inf):
        bad = kp.copy()
        bad[33, 4, 1] = value
        cases.append((bad, None, 33))
    for value in (np.nan, np.inf, -0.25, 1.5):
        bad = conf.copy()
        bad[7, 2] = value
        cases.append((kp, bad, 7))
    for keypoints, confidence, frame in cases:
        with pytest.raises(InputError) as python:
            check_frame(keypoints[frame], None if confidence is None else confidence[frame])
        np.save(tmp_path / "kp.npy", keypoints)
        args = base_args(shipped_export / "denoiser.onnx", tmp_path / "kp.npy", tmp_path / "o.npy")
        if confidence is not None:
            np.save(tmp_path / "conf.npy", confidence)
            args += ["--confidence", tmp_path / "conf.npy"]
        result = tool(posynda_lift_bin, *args, *(["--stream"] if stream else []))
        assert result.returncode == 2 and one_line(result) == f"posynda_lift: {python.value}"
        assert not (tmp_path / "o.npy").exists()


# ---- model files: the C refusal is Python's, word for word --------------------------------------------------


def crafted(source: Path, folder: Path, name: str, **changes) -> Path:
    """``source`` with metadata_props changed (value None: the key removed)."""
    import onnx

    proto = onnx.load(str(source))
    props = {p.key: p.value for p in proto.metadata_props}
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    del proto.metadata_props[:]
    for key, value in props.items():
        proto.metadata_props.add(key=key, value=value)
    path = folder / f"{name}.onnx"
    onnx.save(proto, str(path))
    return path


def scheduler(**changes) -> str:
    config = {"clip_sample": 1.1, "cosine_s": 0.008, "eta": 1.0, "num_train_timesteps": 1000}
    config.update(changes)
    return json.dumps({k: v for k, v in config.items() if v is not ...})


METADATA_CASES = {
    # name: metadata changes; both runtimes refuse with the same line (or both accept)
    "window 100000000": {"window_frames": "100000000"},
    "window 0": {"window_frames": "0"},
    "window abc": {"window_frames": "abc"},
    "window -5": {"window_frames": "-5"},
    "window 27.0": {"window_frames": "27.0"},
    "window 13 digits": {"window_frames": "0000000000027"},
    "window ' +27 ' (accepted)": {"window_frames": " +27 "},
    "timesteps 1": {"scheduler": scheduler(num_train_timesteps=1)},
    "timesteps 10^6": {"scheduler": scheduler(num_train_timesteps=1000000)},
    "timesteps 2^32 + 2": {"scheduler": scheduler(num_train_timesteps=2**32 + 2)},  # narrowed to 2 before
    "timesteps 1000.0": {"scheduler": scheduler(num_train_timesteps=1000.0)},
    "timesteps true": {"scheduler": scheduler(num_train_timesteps=True)},
    "cosine_s 0": {"scheduler": scheduler(cosine_s=0)},
    "cosine_s 'x'": {"scheduler": scheduler(cosine_s="x")},
    "cosine_s null": {"scheduler": scheduler(cosine_s=None)},
    "eta 2": {"scheduler": scheduler(eta=2)},
    "eta -1e-300": {"scheduler": scheduler(eta=-1e-300)},
    "clip 1e-07": {"scheduler": scheduler(clip_sample=1e-07)},
    "clip 1000.5": {"scheduler": scheduler(clip_sample=1000.5)},
    "clip [1]": {"scheduler": scheduler(clip_sample=[1, "a"])},
    "scheduler extra key": {"scheduler": json.dumps({"eta": 1.0, "beta": 2})},
    "scheduler a list": {"scheduler": "[1, 2]"},
    "scheduler defaults (accepted)": {"scheduler": "{}"},
    "joints 16": {"denoiser": json.dumps({"joints": 16})},
    "joints '17'": {"denoiser": json.dumps({"joints": "17"})},
    "joints missing": {"denoiser": json.dumps({"dim": 128})},
    "denoiser a list": {"denoiser": "[17]"},
    "causal maybe": {"causal": "maybe"},
    "causal missing (accepted: centred)": {"causal": None},
}


@pytest.mark.parametrize("name", list(METADATA_CASES))
def test_model_metadata_refusals_read_as_pythons(posynda_lift_bin, shipped_export, good_kp, tmp_path, name):
    from posynda.errors import InputError
    from posynda.runtime import Lifter

    model = crafted(shipped_export / "denoiser.onnx", tmp_path, "crafted", **METADATA_CASES[name])
    result = tool(posynda_lift_bin, *base_args(model, good_kp, tmp_path / "o.npy"))
    try:
        Lifter(model)
    except InputError as exc:
        assert result.returncode == 2 and one_line(result) == f"posynda_lift: {exc}"
    else:
        assert "accepted" in name and result.returncode == 0, result.stderr


def test_unreadable_metadata_json_is_refused_like_python(posynda_lift_bin, shipped_export, good_kp, tmp_path):
    from posynda.errors import InputError
    from posynda.runtime import Lifter

    for key in ("scheduler", "denoiser"):
        for text in ("{", "[" * 5000 + "]" * 5000):
            model = crafted(shipped_export / "denoiser.onnx", tmp_path, "json", **{key: text})
            with pytest.raises(InputError) as python:
                Lifter(model)
            result = tool(posynda_lift_bin, *base_args(model, good_kp, tmp_path / "o.npy"))
            prefix = f"{model}: not a posynda export (metadata '{key}': not a readable JSON value ("
            assert str(python.value).startswith(prefix)
            assert result.returncode == 2 and one_line(result).startswith(f"posynda_lift: {prefix}")


SAMPLER_CASES = {
    "steps 5000": {"sampler_steps": "5000"},
    "steps abc": {"sampler_steps": "abc"},
    "hypotheses 0": {"sampler_hypotheses": "0"},
    "flip yes": {"sampler_flip": "yes"},
    "flip missing": {"sampler_flip": None},
    "steps missing": {"sampler_steps": None},
}


@pytest.mark.parametrize("name", list(SAMPLER_CASES))
def test_sampler_metadata_refusals_read_as_pythons(posynda_lift_bin, shipped_export, good_kp, tmp_path, name):
    from posynda.errors import InputError
    from posynda.runtime import Lifter

    model = crafted(shipped_export / "sampler.onnx", tmp_path, "sampler", **SAMPLER_CASES[name])
    with pytest.raises(InputError) as python:
        Lifter(model)
    result = tool(posynda_lift_bin, *base_args(model, good_kp, tmp_path / "o.npy"))
    assert result.returncode == 2 and one_line(result) == f"posynda_lift: {python.value}"


C_ONLY_CASES = {  # what only the C library reads from the metadata (Python uses its own constants)
    "canonical_focal 0": ({"canonical_focal": "0"}, "'canonical_focal' must be a number in [1, 1e+07], got '0'"),
    "canonical_focal nan": ({"canonical_focal": "nan"}, "must be a number in [1, 1e+07], got 'nan'"),
    "canonical_focal 2e7": ({"canonical_focal": "2e7"}, "must be a number in [1, 1e+07], got '2e7'"),
    "root_joint 17": ({"root_joint": "17"}, "metadata 'root_joint' must be in [0, 16], got 17"),
    "flip of 16": ({"flip_permutation": json.dumps(list(range(16)))}, "metadata 'flip_permutation' must be a list"),
    "flip 2^32": ({"flip_permutation": json.dumps([2**32] * 17)}, "metadata 'flip_permutation' must be a list"),
    "parents a cycle": ({"parents": json.dumps([-1] + list(range(2, 18)))}, "metadata 'parents'"),
    "joint_orders": ({"joint_orders": json.dumps({"coco": [[[99], [1.0]]] * 17})}, "malformed rule"),
    "blazepose33 source 33": (
        {"joint_orders": json.dumps({"coco": [[[0], [1.0]]] * 17, "blazepose33": [[[33], [1.0]]] * 17})},
        "malformed rule for blazepose33 (sources in [0, 32]",
    ),  # fmt: skip
    "no window_frames": ({"window_frames": None}, "metadata_props has no 'window_frames'"),
}


@pytest.mark.parametrize("name", list(C_ONLY_CASES))
def test_c_only_metadata_is_bounded(posynda_lift_bin, shipped_export, good_kp, tmp_path, name):
    changes, error = C_ONLY_CASES[name]
    model = crafted(shipped_export / "denoiser.onnx", tmp_path, "c-only", **changes)
    result = tool(posynda_lift_bin, *base_args(model, good_kp, tmp_path / "o.npy"))
    line = one_line(result)
    assert result.returncode == 2 and error in line
    assert line.startswith(f"posynda_lift: {model}: not a posynda export (")


def test_an_export_without_the_blazepose_rule_lifts_but_refuses_blazepose_landmarks(posynda_lift_bin, shipped_export,
                                                                                     good_kp, tmp_path):  # fmt: skip
    """Exports from before the BlazePose-33 rule carry COCO's only: they still open and lift; BlazePose input is
    refused by name (POSYNDA_ERROR_MODEL, exit 2) instead of read with no rule."""
    from posynda.skeleton import JOINT_ORDERS

    coco = [[list(sources), list(weights)] for sources, weights in JOINT_ORDERS["coco"][1]]
    model = crafted(shipped_export / "denoiser.onnx", tmp_path, "old", joint_orders=json.dumps({"coco": coco}))
    assert tool(posynda_lift_bin, *base_args(model, good_kp, tmp_path / "o.npy")).returncode == 0
    landmarks = tmp_path / "kp33.npy"
    np.save(landmarks, np.full((30, 33, 2), 500.0, np.float32))
    result = tool(posynda_lift_bin, *base_args(model, landmarks, tmp_path / "o33.npy"), "--order", "blazepose33")
    assert result.returncode == 2 and "this model's metadata has no BlazePose-33 rule" in one_line(result)


def test_steps_are_bounded_by_the_models_schedule(posynda_lift_bin, shipped_export, good_kp, tmp_path):
    model = crafted(shipped_export / "denoiser.onnx", tmp_path, "short", scheduler=scheduler(num_train_timesteps=10))
    args = base_args(model, good_kp, tmp_path / "o.npy")
    assert tool(posynda_lift_bin, *args, "-K", "10").returncode == 0
    result = tool(posynda_lift_bin, *args, "-K", "11")
    assert one_line(result) == "posynda_lift: steps must be at most the model's num_train_timesteps (10), got 11"


# ---- output files ---------------------------------------------------------------------------------------


def small_files():
    """preexec_fn: files of at most 1 KiB, and a write past it fails with EFBIG instead of killing the tool."""
    bounded()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))


def test_a_failed_write_leaves_no_tmp_and_no_partial_output(posynda_lift_bin, shipped_export, good_kp, tmp_path):
    out, absolute = tmp_path / "rel.npy", tmp_path / "abs.npy"
    out.write_bytes(b"the previous result")
    args = [*base_args(shipped_export / "denoiser.onnx", good_kp, out), "--absolute-out", absolute]
    result = tool(posynda_lift_bin, *args, preexec=small_files)  # a "full disk" after 1 KiB of 6 KiB
    assert result.returncode == 1
    assert one_line(result) == f"posynda_lift: {out}: write failed (File too large); nothing written"
    assert out.read_bytes() == b"the previous result" and not absolute.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel.npy"]  # no .tmp left
    # the second file cannot be created: the first is not written either
    args = [*base_args(shipped_export / "denoiser.onnx", good_kp, out), "--absolute-out", tmp_path / "no" / "abs.npy"]
    result = tool(posynda_lift_bin, *args)
    assert result.returncode == 1 and "cannot write (No such file or directory)" in one_line(result)
    assert out.read_bytes() == b"the previous result" and sorted(p.name for p in tmp_path.iterdir()) == ["rel.npy"]
    # and when it works, both files are whole and nothing else is left
    result = tool(posynda_lift_bin, *base_args(shipped_export / "denoiser.onnx", good_kp, out), "--absolute-out",
                  absolute)  # fmt: skip
    assert result.returncode == 0 and np.load(out).shape == np.load(absolute).shape == (30, 17, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abs.npy", "rel.npy"]


# ---- --timing -------------------------------------------------------------------------------------------------


def test_stream_timing_reports_the_mean_push_and_the_window_push_median(posynda_lift_bin, shipped_export, good_kp,
                                                                        tmp_path):  # fmt: skip
    args = base_args(shipped_export / "denoiser.onnx", good_kp, tmp_path / "o.npy")
    timing = json.loads(tool(posynda_lift_bin, *args, "--stream", "--timing").stdout)
    assert timing["frames"] == 30 and timing["stream"] is True
    assert 0 < timing["push_ms_mean"] <= timing["push_ms_max"]
    assert 0 < timing["window_push_ms_median"] <= timing["push_ms_max"]
    whole = json.loads(tool(posynda_lift_bin, *args, "--timing").stdout)
    assert "push_ms_mean" not in whole and whole["stream"] is False
    np.save(tmp_path / "short.npy", np.load(good_kp)[:5])  # fewer frames than T: no push lifts a window
    args = base_args(shipped_export / "denoiser.onnx", tmp_path / "short.npy", tmp_path / "o.npy")
    short = json.loads(tool(posynda_lift_bin, *args, "--stream", "--timing").stdout)
    assert short["window_push_ms_median"] is None and short["push_ms_mean"] > 0


# ---- ABI ------------------------------------------------------------------------------------------------------


def test_shared_library_has_soname_1():
    """libposynda.so.1 (SOVERSION 1, posynda.h "ABI"): the SONAME, the installed link, and what the tool needs."""
    library = BUILD / "native" / "libposynda.so"
    if not library.is_file():
        if os.environ.get("POSYNDA_REQUIRE_CPP"):
            pytest.fail(f"POSYNDA_REQUIRE_CPP is set but {library} is not built")
        pytest.skip("libposynda not built")
    if shutil.which("readelf") is None:
        pytest.skip("readelf (binutils) not installed")
    dynamic = subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True, check=True).stdout
    assert "Library soname: [libposynda.so.1]" in dynamic
    tool_needs = subprocess.run(["readelf", "-d", str(BUILD / "native" / "posynda_lift")], capture_output=True,
                                text=True, check=True).stdout  # fmt: skip
    assert "Shared library: [libposynda.so.1]" in tool_needs
    installed = list((BUILD / "install").glob("lib*/libposynda.so.1"))
    assert installed and installed[0].is_symlink()
