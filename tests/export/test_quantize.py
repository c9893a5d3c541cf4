"""int8 export: calibration feeds are the sampler's real denoiser inputs, the QDQ graph is int8 inside, smaller,
carries the runtime metadata, lifts through the runtime, and its cost against fp32 is measured and gated; the
calibration is bounded in memory (sub-batches sized by the measured bytes per clip, PRIORITY_BASED order) and
gives the same scales as one whole-batch pass."""

import json

import numpy as np
import pytest
import torch

from posynda.checkpoint import load_checkpoint
from posynda.data import load_clips, save_clips
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.diffusion import DDIMScheduler
from posynda.errors import InputError
from posynda.export import quantize
from posynda.export.exporter import ExportOptions, run_export
from posynda.models import example_inputs
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.metadata import DENOISER_INPUTS
from tests.helpers.cli import error_lines, run
from tests.helpers.clips import make_clips
from tests.helpers.models import MICRO, micro_checkpoint

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


def _feed(clips: int, frames: int = 27, seed: int = 0) -> dict[str, np.ndarray]:
    """One denoiser input dict of ``clips`` random plausible clips (numpy)."""
    return dict(zip(DENOISER_INPUTS, (x.numpy() for x in example_inputs(clips, frames, 17, seed=seed))))


@pytest.mark.parametrize(
    "clips, size, expected",
    [((5, 5), 2, [2, 2, 1, 2, 2, 1]), ((4,), 4, [4]), ((3,), 10, [3]), ((1, 2), 1, [1, 1, 1])],
    ids=["split", "whole", "larger-than-feed", "single-clips"],
)
def test_sub_batches_cut_every_feed_in_order_without_copies(clips, size, expected):
    feeds = [_feed(n, seed=k) for k, n in enumerate(clips)]
    reader = quantize.SubBatchReader(feeds, size)
    parts = list(iter(reader.get_next, None))
    assert [len(p["t"]) for p in parts] == expected and len(reader) == len(expected)
    for name in DENOISER_INPUTS:  # every clip once, in order
        assert np.array_equal(np.concatenate([p[name] for p in parts]), np.concatenate([f[name] for f in feeds]))
    assert all(any(np.shares_memory(p["noisy_3d"], f["noisy_3d"]) for f in feeds) for p in parts)
    reader.set_range(1, 3)  # what CalibStridedMinMax asks for: one range of sub-batches at a time
    assert [len(p["t"]) for p in iter(reader.get_next, None)] == expected[1:3]


@pytest.mark.parametrize(
    "bytes_per_clip, budget, clips",
    [(2_732_000_000, 1 << 30, 1), (169_316, 1 << 30, 6341), (100, 1000, 10), (1001, 1000, 1), (0, 1000, 1000)],
    ids=["paper", "shipped", "exact", "over-budget", "no-tensors"],
)
def test_the_sub_batch_keeps_one_run_within_the_budget(bytes_per_clip, budget, clips):
    assert quantize.calibration_sub_batch(bytes_per_clip, budget) == clips


def test_bytes_per_clip_are_those_of_every_calibrated_tensor(shipped_export):
    import onnx
    import onnxruntime as ort

    path = shipped_export / "denoiser.onnx"
    proto = onnx.load(str(path))
    names = quantize.calibrated_tensors(proto)
    assert "keypoints_2d" not in names and all(not n.startswith("onnx::") for n in names)  # no weights
    outputs = {o.name for o in proto.graph.output}
    proto.graph.output.extend(onnx.helper.make_empty_tensor_value_info(n) for n in names if n not in outputs)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    tensors = session.run(names, _feed(1))  # every calibrated tensor of one clip, all kept
    assert quantize.calibrated_bytes_per_clip(path, _feed(3)) == sum(t.nbytes for t in tensors)


class Doubled(torch.nn.Module):
    """A denoiser-shaped module: ``noisy_3d * 2 + 1`` (two new [1, T, J, 3] tensors), reshaped twice (views)."""

    def forward(self, keypoints_2d, noisy_3d, t):
        return (noisy_3d.reshape(-1, 3) * 2.0 + 1.0).reshape(noisy_3d.shape)


@pytest.mark.parametrize("frames", [9, 27])
def test_torch_bytes_per_clip_count_every_new_tensor_but_views(frames):
    model = Doubled()
    model.register_parameter("w", torch.nn.Parameter(torch.zeros(1)))  # the device is read from a parameter
    assert quantize.torch_bytes_per_clip(model, frames, 17) == 2 * frames * 17 * 3 * 4


def test_calibration_feeds_stop_sampling_at_the_limit():
    checkpoint = micro_checkpoint()
    forwards = []
    checkpoint.model.register_forward_hook(lambda *_: forwards.append(1))
    feeds = quantize.calibration_feeds(checkpoint, make_clips((300, 300), seed=1).without_3d(), limit=6)
    assert len(feeds) == 6 and feeds[0]["keypoints_2d"].shape[1:3] == (MICRO.frames, 17)
    assert len(forwards) == 1 + 5  # the size probe, then five calls answered; the sixth is recorded and ends it


def test_the_calibrator_session_is_priority_ordered_only_inside():
    from onnxruntime.quantization import calibrate

    original = calibrate.CalibraterBase.create_inference_session
    with pytest.raises(RuntimeError, match="inside"), quantize.priority_ordered_calibration() as ordered:
        assert ordered and calibrate.CalibraterBase.create_inference_session is not original
        raise RuntimeError("inside")
    assert calibrate.CalibraterBase.create_inference_session is original


def test_sub_batched_calibration_gives_the_whole_batch_scales(shipped_export, tmp_path):
    import onnx

    fp32 = shipped_export / "denoiser.onnx"
    feeds = [_feed(8, seed=k) for k in range(2 + quantize.PARITY_BATCHES)]
    whole = quantize.quantize_denoiser(fp32, tmp_path / "whole.onnx", feeds, tmp_path)
    per_clip = quantize.calibrated_bytes_per_clip(fp32, feeds[0])
    split = quantize.quantize_denoiser(fp32, tmp_path / "split.onnx", feeds, tmp_path, memory_bytes=3 * per_clip)
    assert (whole["calibration_sub_batch"] >= 8, whole["calibration_runs"]) == (True, 2)
    assert (split["calibration_sub_batch"], split["calibration_runs"], split["calibration_clips"]) == (3, 6, 16)
    assert split["calibration_order"] == "PRIORITY_BASED"

    def scales(path):
        proto = onnx.load(str(path))
        return {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer if i.name.endswith("_scale")}

    a, b = scales(tmp_path / "whole.onnx"), scales(tmp_path / "split.onnx")
    assert a.keys() == b.keys() and len(a) >= 8
    assert all(np.allclose(a[k], b[k], rtol=1e-5, atol=0) for k in a)  # min of mins: equal up to float rounding
