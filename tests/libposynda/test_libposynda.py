"""libposynda against the Python runtime: the same file, seed and settings give the same poses (fp32,
every aggregation, whole sequence and stream), every exported precision runs, the C contract program
passes plain and under AddressSanitizer + UBSan, the aarch64 build agrees under qemu, and an installed
package is found by find_package."""

import dataclasses
import os
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from posynda.cli import main
from posynda.data import ClipSet, concatenate, load_clips, save_clips
from posynda.data.prepare import fill_missing_keypoints
from posynda.defaults import default_clips_path
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.root_depth import ROOT_WINDOW_S
from tests.helpers.libposynda import BUILD, LIB, built, qemu_available, run_tool

pytestmark = pytest.mark.slow  # C builds and tools (outside the quick subset)

pytest.importorskip("onnxruntime")

PARITY_MM = 0.01  # the acceptance bound: C vs Python, fp32


@pytest.fixture(scope="module")
def sequence():
    """150 frames of an embedded wild/test sequence: real gaps (about 1 % of joints NaN) and confidences."""
    clips = load_clips(default_clips_path("wild", "test")).without_3d().select_sequences([1])
    frames = slice(0, 150)
    return ClipSet.single_sequence(
        clips.keypoints_2d[frames],
        clips.camera[0],
        tuple(int(v) for v in clips.image_size[0]),
        clips.confidence[frames],
    )


def _settings_args(s: SamplingSettings):
    args = ["-H", s.hypotheses, "-K", s.steps, "--aggregate", s.aggregate, "--seed", s.seed]
    return args + ([] if s.flip else ["--no-flip"]) + ([] if s.stride is None else ["--stride", s.stride])


def _c_lift(binary, model, seq: ClipSet, tmp, settings, *extra):
    np.save(tmp / "conf.npy", seq.confidence.astype(np.float32))
    result, rel, absolute = run_tool(
        binary, model, seq.keypoints_2d, tmp, "--confidence", tmp / "conf.npy", *_settings_args(settings), *extra,
        size=tuple(seq.image_size[0]), intrinsics=seq.camera[0],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return rel, absolute


CASES = [
    SamplingSettings(hypotheses=3, steps=2, aggregate="mean", seed=5),
    SamplingSettings(hypotheses=3, steps=3, aggregate="joint", seed=5),
    SamplingSettings(hypotheses=2, steps=2, aggregate="frame", flip=False, stride=10, seed=9),
]


# the roots' depth: (--root-window seconds, --fps) given to both sides; None: each side's default (0.5 s, 50 fps)
ROOT_WINDOWS = [(None, None), ("0", None), ("2", "30"), ("0.25", "24")]


@pytest.mark.parametrize(
    "settings, roots",
    [*((s, ROOT_WINDOWS[0]) for s in CASES), *((CASES[1], r) for r in ROOT_WINDOWS[1:])],
    ids=lambda v: f"{v.aggregate}-H{v.hypotheses}-K{v.steps}" if isinstance(v, SamplingSettings) else f"roots{v}",
)  # fmt: skip
def test_c_lift_equals_posynda_lift_on_the_same_file(posynda_lift_bin, shipped_export, sequence, tmp_path, settings,
                                                     roots):  # fmt: skip
    """`posynda lift --input clip.npz` and libposynda on that clip's keypoints: <= 0.01 mm (measured: 0) -- the
    roots' running median over the same seconds and frame rate included (posynda_settings.root_window_s)."""
    model = shipped_export / "denoiser.onnx"
    save_clips(tmp_path / "clip.npz", sequence)
    window, fps = roots
    extra = [*(["--root-window", window] if window else []), *(["--fps", fps] if fps else [])]
    args = ["lift", "--model", model, "--input", tmp_path / "clip.npz", "--out", tmp_path / "py.npz", "--quiet"]
    cli = CliRunner().invoke(main, [str(a) for a in args + _settings_args(settings) + extra])
    assert cli.exit_code == 0, cli.output
    python_abs = load_clips(tmp_path / "py.npz").joints_3d
    rel, absolute = _c_lift(posynda_lift_bin, model, sequence, tmp_path, settings, *extra)
    assert np.abs(absolute - python_abs).max() <= PARITY_MM
    python_rel = python_abs - python_abs[:, :1]
    assert np.abs(rel - python_rel).max() <= PARITY_MM
    assert np.all(rel[:, 0] == 0)


def test_c_stream_equals_the_whole_sequence_lift(posynda_lift_bin, shipped_export, sequence, tmp_path):
    """Complete detections: the stream (L = T - 1) equals the whole-sequence lift, in C and in Python."""
    ones = np.ones(sequence.keypoints_2d.shape[:2], np.float32)
    complete = dataclasses.replace(sequence, keypoints_2d=fill_missing_keypoints(sequence), confidence=ones)
    model = shipped_export / "denoiser.onnx"
    for settings in CASES:
        whole, _ = _c_lift(posynda_lift_bin, model, complete, tmp_path, settings)
        streamed, _ = _c_lift(posynda_lift_bin, model, complete, tmp_path, settings, "--stream")
        assert np.abs(streamed - whole).max() <= 1e-3, settings
    python = Lifter(model).lift_as_stream(complete, CASES[1])
    assert (
        np.abs(python.root_relative_mm - _c_lift(posynda_lift_bin, model, complete, tmp_path, CASES[1])[0]).max()
        <= 1e-3
    )


def test_c_draws_a_later_sequence_of_a_file_with_that_sequences_noise(posynda_lift_bin, shipped_export, sequence,
                                                                       tmp_path):  # fmt: skip
    """Sequence 1 of a two-sequence file: `posynda lift --input` and libposynda given that sequence's keypoints with
    --sequence 1 (posynda_settings.sequence) agree to 0.01 mm, and its stream agrees with Python's stream of that
    file; without --sequence (sequence 0's noise) the poses differ."""
    ones = np.ones(sequence.keypoints_2d.shape[:2], np.float32)
    complete = dataclasses.replace(sequence, keypoints_2d=fill_missing_keypoints(sequence), confidence=ones)
    two = concatenate([complete.select_sequences([0]), complete])
    model, settings = shipped_export / "denoiser.onnx", CASES[1]
    save_clips(tmp_path / "two.npz", two)
    args = ["lift", "--model", model, "--input", tmp_path / "two.npz", "--out", tmp_path / "py.npz", "--quiet"]
    cli = CliRunner().invoke(main, [str(a) for a in args + _settings_args(settings)])
    assert cli.exit_code == 0, cli.output
    python_abs = load_clips(tmp_path / "py.npz").joints_3d[two.seq_index == 1]
    _, absolute = _c_lift(posynda_lift_bin, model, complete, tmp_path, settings, "--sequence", "1")
    assert np.abs(absolute - python_abs).max() <= PARITY_MM
    _, first_noise = _c_lift(posynda_lift_bin, model, complete, tmp_path, settings)
    assert np.abs(first_noise - python_abs).max() > 1.0  # the noise matters: sequence 0's gives other poses
    streamed = Lifter(model).lift_as_stream(two, settings).root_relative_mm[two.seq_index == 1]
    c_streamed, _ = _c_lift(posynda_lift_bin, model, complete, tmp_path, settings, "--stream", "--sequence", "1")
    assert np.abs(c_streamed - streamed).max() <= 1e-3


# BlazePose-33 landmark -> the H36M joint it is made from in blazepose_frames (face on the head and nose, hands on
# the wrists, feet on the ankles): any 33 points serve, the conversion is what is compared
BLAZEPOSE_FROM_H36M = (9, 10, 10, 10, 10, 10, 10, 10, 10, 9, 9, 11, 14, 12, 15, 13, 16, 13, 16, 13, 16, 13, 16, 4, 1, 5,
                       2, 6, 3, 6, 3, 6, 3)  # fmt: skip


def blazepose_frames(keypoints_17: np.ndarray, confidence_17: np.ndarray):
    """``[N, 33, 2]`` BlazePose-order pixels and ``[N, 33]`` scores made from H36M-17 ones (offsets of a few
    pixels per landmark, so that averaged landmarks differ from their sources)."""
    offsets = np.random.default_rng(0).normal(0, 3, (33, 2)).astype(np.float32)
    index = list(BLAZEPOSE_FROM_H36M)
    return np.ascontiguousarray(keypoints_17[:, index] + offsets), np.ascontiguousarray(confidence_17[:, index])


def test_c_takes_blazepose_landmarks_as_python_converts_them(posynda_lift_bin, shipped_export, sequence, tmp_path):
    """--order blazepose33: libposynda converts MediaPipe's 33 landmarks by the metadata's rule as Python's
    convert_joints does (whole lift and stream), so a C app running BlazePose feeds its landmarks directly."""
    from posynda.skeleton import convert_joints

    model = shipped_export / "denoiser.onnx"
    keypoints, confidence = blazepose_frames(sequence.keypoints_2d, sequence.confidence)
    h36m, h36m_conf = convert_joints(keypoints, "blazepose33", confidence)
    settings = CASES[1]
    expected = Lifter(model).lift_keypoints(h36m.astype(np.float32), tuple(sequence.image_size[0]),
                                            sequence.camera[0], h36m_conf.astype(np.float32), settings)  # fmt: skip
    stream = Lifter(model).stream(sequence.camera[0], settings=settings, joint_order="blazepose33")
    poses = [stream.push(k, c) for k, c in zip(keypoints, confidence)]
    streamed = np.stack([p.root_relative_mm for p in [p for p in poses if p is not None] + stream.finish()])
    np.save(tmp_path / "conf33.npy", confidence.astype(np.float32))
    for extra, python in (((), expected.root_relative_mm), (("--stream",), streamed)):
        result, rel, _ = run_tool(posynda_lift_bin, model, keypoints, tmp_path, "--order", "blazepose33",
                                  "--confidence", tmp_path / "conf33.npy", *_settings_args(settings), *extra,
                                  size=tuple(sequence.image_size[0]), intrinsics=sequence.camera[0])  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert np.abs(rel - python).max() <= PARITY_MM, extra
    result, rel, _ = run_tool(posynda_lift_bin, model, keypoints[:, :17], tmp_path, "--order", "blazepose33")
    assert result.returncode == 2 and "keypoints must have 33 joints, got 17" in result.stderr and rel is None


def test_c_causal_lift_and_stream_equal_python(posynda_lift_bin, causal_export, sequence, tmp_path):
    """The shipped causal model: libposynda's whole-sequence lift equals Python's (one window per frame), and its
    stream (L = 0) equals its whole lift on complete detections. Both lifts take the roots' running median over
    `posynda lift`'s 0.5 s (posynda_settings_init's default)."""
    import dataclasses

    model = causal_export / "denoiser.onnx"
    settings = CASES[1]
    expected = Lifter(model).lift(sequence, settings, root_window_s=ROOT_WINDOW_S)
    rel, absolute = _c_lift(posynda_lift_bin, model, sequence, tmp_path, settings)
    assert np.abs(rel - expected.root_relative_mm).max() <= PARITY_MM
    assert np.abs(absolute - expected.absolute_mm).max() <= PARITY_MM
    ones = np.ones(sequence.keypoints_2d.shape[:2], np.float32)
    complete = dataclasses.replace(sequence, keypoints_2d=fill_missing_keypoints(sequence), confidence=ones)
    whole, _ = _c_lift(posynda_lift_bin, model, complete, tmp_path, settings)
    streamed, _ = _c_lift(posynda_lift_bin, model, complete, tmp_path, settings, "--stream")
    assert np.abs(streamed - whole).max() <= 1e-3
    assert np.abs(streamed - Lifter(model).lift_as_stream(complete, settings).root_relative_mm).max() <= PARITY_MM


@pytest.mark.parametrize("graph", ["sampler.onnx", "int8", "fp16"])
def test_c_library_runs_every_exported_precision(posynda_lift_bin, shipped_export, sequence, tmp_path, graph):
    """The whole-sampler graph, the int8 QDQ graph and the fp16 graph run in C as in the Python runtime."""
    if graph == "int8":
        pytest.importorskip("onnxruntime.quantization")
        from posynda.checkpoint import load_checkpoint
        from posynda.defaults import shipped_checkpoint
        from posynda.export.quantize import calibration_feeds, quantize_denoiser

        train = load_clips(default_clips_path("wild", "train")).without_3d().select_sequences([0, 8, 16])
        model = tmp_path / "denoiser_int8.onnx"
        quantize_denoiser(
            shipped_export / "denoiser.onnx",
            model,
            calibration_feeds(load_checkpoint(shipped_checkpoint()), train),
            tmp_path,
        )
    elif graph == "fp16":
        from posynda.defaults import shipped_checkpoint
        from posynda.export.exporter import ExportOptions, run_export

        run_export(shipped_checkpoint(), tmp_path / "fp16", options=ExportOptions(fp16=True), log=lambda _m: None)
        model = tmp_path / "fp16" / "denoiser_fp16.onnx"
    else:
        model = shipped_export / graph
    settings = SamplingSettings(hypotheses=2, steps=2, aggregate="joint", seed=3)
    lifter = Lifter(model)
    expected = lifter.lift(sequence, settings).root_relative_mm
    rel, _ = _c_lift(posynda_lift_bin, model, sequence, tmp_path, settings)
    assert np.abs(rel - expected).max() <= PARITY_MM


def test_c_tool_rejects_bad_input_with_exit_2(posynda_lift_bin, shipped_export, no_metadata_onnx, tmp_path):
    kp = np.zeros((30, 17, 2), np.float32) + 500
    cases = [
        (shipped_export / "missing.onnx", kp, "no such model file"),
        (no_metadata_onnx, kp, "not a posynda export"),
        (shipped_export / "denoiser.onnx", kp[:, :16], "17 joints"),
        (shipped_export / "denoiser.onnx", np.full((5, 17, 2), np.nan, np.float32), "no finite keypoint"),
    ]
    for model, keypoints, message in cases:
        result, rel, _ = run_tool(posynda_lift_bin, model, keypoints, tmp_path)
        assert result.returncode == 2 and message in result.stderr and rel is None, (message, result.stderr)
        assert result.stderr.count("\n") == 1  # one line
    result, _, _ = run_tool(posynda_lift_bin, shipped_export / "denoiser.onnx", kp, tmp_path, size=(0, 1080))
    assert result.returncode == 2 and "image size must be positive" in result.stderr
    for sequence in ("-1", "4294967296", "one"):
        result, _, _ = run_tool(posynda_lift_bin, shipped_export / "denoiser.onnx", kp, tmp_path, "--sequence",
                                sequence)  # fmt: skip
        assert result.returncode == 2 and "--sequence must be an integer in [0, 4294967295]" in result.stderr


@pytest.mark.parametrize("variant", ["native", "asan"])
def test_c_contract_program_passes(variant, shipped_export, no_metadata_onnx, causal_export, detector_dir):
    """posynda_test (bad input of every kind, null pointers, stream = whole, state errors, a causal model, the
    detector's and the pipeline's refusals); the asan build runs it under AddressSanitizer + UBSan (leaks
    included): any finding fails the run."""
    binary = built(BUILD / variant / "posynda_test", f"posynda_test ({variant})", "POSYNDA_REQUIRE_CPP")
    env = {
        **os.environ,
        "ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1",
        "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
    }
    result = subprocess.run(
        [
            str(binary),
            str(shipped_export / "denoiser.onnx"),
            str(no_metadata_onnx),
            str(causal_export / "denoiser.onnx"),
            str(detector_dir),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout and "ERROR: AddressSanitizer" not in result.stderr
    assert "runtime error" not in result.stderr


def test_aarch64_build_agrees_under_qemu(posynda_lift_bin, shipped_export, no_metadata_onnx, sequence, tmp_path):
    """The aarch64 cross-build (Debian g++-aarch64-linux-gnu + the aarch64 onnxruntime wheel's library) under
    qemu-user: the contract program passes and the lift equals the x86 build to <= 0.01 mm."""
    binary = built(BUILD / "aarch64-build" / "posynda_lift", "the aarch64 build", "POSYNDA_REQUIRE_AARCH64")
    if not qemu_available():
        pytest.skip("qemu-user not installed (libposynda/cross/setup.sh)")
    runner = [str(LIB / "cross" / "run.sh")]
    contract = subprocess.run(
        [*runner, str(BUILD / "aarch64-build" / "posynda_test"), str(shipped_export / "denoiser.onnx"),
         str(no_metadata_onnx)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert contract.returncode == 0 and " 0 failed" in contract.stdout, contract.stdout + contract.stderr
    settings = SamplingSettings(hypotheses=2, steps=2, aggregate="joint", seed=1)
    args = [*_settings_args(settings)]
    x86, _ = _c_lift(posynda_lift_bin, shipped_export / "denoiser.onnx", sequence, tmp_path, settings)
    result, arm, _ = run_tool(
        binary, shipped_export / "denoiser.onnx", sequence.keypoints_2d, tmp_path, *args,
        size=tuple(sequence.image_size[0]), intrinsics=sequence.camera[0], runner=runner,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    python = Lifter(shipped_export / "denoiser.onnx").lift(
        ClipSet.single_sequence(sequence.keypoints_2d, sequence.camera[0], tuple(sequence.image_size[0])), settings
    )
    assert np.abs(arm - python.root_relative_mm).max() <= PARITY_MM
    assert x86.shape == arm.shape


def test_installed_package_builds_the_example_app(shipped_export, sequence, tmp_path):
    """find_package(posynda) on the install prefix builds examples/ (shared and static); the example
    streams a keypoint text file and prints the poses the library lifts."""
    prefix = BUILD / "install"
    built(prefix / "include" / "posynda" / "posynda.h", "the installed package", "POSYNDA_REQUIRE_CPP")
    examples = LIB.parent / "examples"
    configure = subprocess.run(
        ["cmake", "-S", str(examples), "-B", str(tmp_path / "build"), f"-DCMAKE_PREFIX_PATH={prefix}"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert configure.returncode == 0, configure.stdout + configure.stderr
    build = subprocess.run(["cmake", "--build", str(tmp_path / "build"), "-j", "2"], capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    kp = fill_missing_keypoints(sequence)[:60]
    np.savetxt(tmp_path / "frames.txt", kp.reshape(len(kp), 34))
    expected = Lifter(shipped_export / "denoiser.onnx").lift_keypoints(kp, (2048, 2048)).absolute_mm
    for name in ("stream_keypoints", "stream_keypoints_static"):
        run = subprocess.run(
            [str(tmp_path / "build" / name), str(shipped_export / "denoiser.onnx"), str(tmp_path / "frames.txt"),
             "2048", "2048"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        rows = np.loadtxt(run.stdout.splitlines(), delimiter=",")
        assert rows.shape == (60, 1 + 17 * 3) and np.array_equal(rows[:, 0], np.arange(60))
        assert np.abs(rows[:, 1:].reshape(60, 17, 3) - expected).max() <= 0.01  # printed with 3 decimals
