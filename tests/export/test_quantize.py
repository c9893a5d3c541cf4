"""int8 export: calibration feeds are the sampler's real denoiser inputs, the QDQ graph is int8 inside, smaller,
carries the runtime metadata, lifts through the runtime, and its cost against fp32 is measured and gated."""

import json

import numpy as np
import pytest

from posynda.checkpoint import load_checkpoint
from posynda.data import load_clips, save_clips
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.diffusion import DDIMScheduler
from posynda.errors import InputError
from posynda.export import quantize
from posynda.export.exporter import ExportOptions, run_export
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.metadata import DENOISER_INPUTS
from tests.conftest import error_lines, make_clips, run

pytest.importorskip("onnxruntime.quantization")


def _wild_test(sequences):
    return load_clips(default_clips_path("wild", "test")).select_sequences(sequences)


@pytest.fixture(scope="module")
def int8_export(tmp_path_factory):
    """The shipped model exported with --int8, calibrated on part of the embedded wild/train 2D and scored on two
    wild/test sequences (the target domain, as the defaults do, made smaller)."""
    tmp = tmp_path_factory.mktemp("int8")
    train = load_clips(default_clips_path("wild", "train")).without_3d()
    calibrate = save_clips(tmp / "calib.npz", train.select_sequences(list(range(0, train.num_sequences, 8))))
    labelled = save_clips(tmp / "eval.npz", _wild_test([0, 1]))
    options = ExportOptions(int8=True, calibrate=str(calibrate), eval=str(labelled))
    report = run_export(shipped_checkpoint(), tmp / "out", options=options, log=lambda _m: None)
    return tmp / "out", report


def test_calibration_feeds_are_the_denoiser_calls_of_the_sampler():
    model = load_checkpoint(shipped_checkpoint())
    feeds = quantize.calibration_feeds(model, make_clips((300, 300, 300), seed=1).without_3d())
    assert len(feeds) > quantize.PARITY_BATCHES and set(feeds[0]) == set(DENOISER_INPUTS)
    kp, noisy, t = (feeds[0][k] for k in DENOISER_INPUTS)
    assert kp.shape[1:] == (27, 17, 2) and noisy.shape == kp.shape[:3] + (3,) and t.shape == kp.shape[:1]
    assert len({len(f["t"]) for f in feeds}) == 1  # full batches only (histogram calibrators need them)
    assert {int(f["t"][0]) for f in feeds} == {t for t, _ in DDIMScheduler().set_timesteps(5)}  # every step's inputs
    one_step = SamplingSettings(hypotheses=1, steps=1, batch_size=16)
    with pytest.raises(InputError, match="full denoiser batches"):
        quantize.calibration_feeds(model, make_clips((30,), seed=2).without_3d(), one_step)


def test_the_int8_graph_is_int8_inside_smaller_and_carries_the_runtime_metadata(int8_export):
    import onnx

    out, report = int8_export
    proto = onnx.load(str(out / "denoiser_int8.onnx"))
    ops = {n.op_type for n in proto.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    int8_weights = [i for i in proto.graph.initializer if i.data_type == onnx.TensorProto.INT8]
    assert len(int8_weights) >= 8  # every Conv / Gemm weight
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["precision"] == "int8" and meta["graph"] == "denoiser" and "window_frames" in meta
    entry = report["files"]["denoiser_int8.onnx"]
    assert entry["size_mb"] < 0.5 * report["files"]["denoiser.onnx"]["size_mb"]
    assert entry["quantization"]["format"] == "QDQ" and entry["calibration"].endswith("calib.npz")


def test_int8_cost_against_fp32_is_measured_and_gated(int8_export):
    out, report = int8_export
    entry = report["files"]["denoiser_int8.onnx"]
    accuracy, parity = entry["accuracy"], entry["parity"]
    assert accuracy["fp32"] > 0 and accuracy["int8"] > 0 and accuracy["frames"] == _wild_test([0, 1]).num_frames
    assert accuracy["delta_mm"] == pytest.approx(accuracy["int8"] - accuracy["fp32"])
    assert parity["precision"] == "int8" and parity["mpjpe_delta_mm"] > 0  # int8 is not exact ...
    assert parity["passed"] == (accuracy["delta_pct"] <= 100 * quantize.INT8_MAX_MPJPE_INCREASE)
    assert parity["passed"]  # ... but close: measured +6 % on wild/test for the shipped model
    saved = json.loads((out / "export.json").read_text())
    assert saved["files"]["denoiser_int8.onnx"]["accuracy"]["int8"] == accuracy["int8"]


def test_the_runtime_lifts_with_the_int8_graph_close_to_fp32(int8_export):
    out, _ = int8_export
    clips = _wild_test([2]).without_3d()
    fp32 = Lifter(out / "denoiser.onnx", device="cpu").lift(clips).root_relative_mm
    int8 = Lifter(out / "denoiser_int8.onnx", device="cpu").lift(clips).root_relative_mm
    assert np.isfinite(int8).all()
    assert 0 < float(np.linalg.norm(int8 - fp32, axis=-1).mean()) < 0.1 * float(np.linalg.norm(fp32, axis=-1).mean())


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--calibrate", "x.npz"], "--calibrate and --eval belong to --int8"),
        (["--int8", "--calibrate", "{tmp}/missing.json"], "no such keypoint file or folder"),
    ],
    ids=["without-int8", "missing-calibration"],
)
def test_bad_int8_options_exit_2_with_one_line(tmp_path, args, needle):
    result = run(["export", "--out", str(tmp_path / "out"), *[a.format(tmp=tmp_path) for a in args]])
    assert result.exit_code == 2, result.output
    assert needle in result.output and len(error_lines(result)) <= 1
    assert not list((tmp_path / "out").glob("*.onnx")) if (tmp_path / "out").exists() else True
