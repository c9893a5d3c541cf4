"""TensorRT engines: the profile and the sidecar written for them, and (on an NVIDIA GPU) a full round trip."""

import json

import numpy as np
import pytest

from posynda.defaults import shipped_checkpoint
from posynda.export.tensorrt_build import profile_shapes, write_sidecar
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.backends.tensorrt_sidecar import SIDECAR_FORMAT, sidecar_path, unavailable_reason
from tests.helpers.cli import run
from tests.helpers.clips import make_clips
from tests.helpers.tensorrt import TRT_ENV as ENV

HAVE_TRT = unavailable_reason() is None


def test_sidecar_records_the_build(tmp_path):
    (tmp_path / "denoiser.onnx").write_bytes(b"onnx bytes")
    engine = tmp_path / "denoiser.engine"
    engine.write_bytes(b"plan")
    meta = {"window_frames": "27"}
    written = write_sidecar(engine, tmp_path / "denoiser.onnx", ENV, precision="fp16", batch=(1, 4, 8), frames=27,
                            joints=17, metadata=meta, fp16_via="fp16 ONNX graph with fp32 I/O")  # fmt: skip
    assert json.loads(sidecar_path(engine).read_text()) == written
    assert written["format"] == SIDECAR_FORMAT and written["precision"] == "fp16" and written["metadata"] == meta
    assert {k: written[k] for k in ENV} == ENV and written["outputs"] == {"x0": ["batch", 27, 17, 3]}


def test_profile_covers_every_input():
    shapes = profile_shapes((1, 4, 8), frames=27, joints=17)
    assert shapes == {
        "keypoints_2d": {"min": [1, 27, 17, 2], "opt": [4, 27, 17, 2], "max": [8, 27, 17, 2]},
        "noisy_3d": {"min": [1, 27, 17, 3], "opt": [4, 27, 17, 3], "max": [8, 27, 17, 3]},
        "t": {"min": [1], "opt": [4], "max": [8]},
    }


@pytest.mark.gpu
@pytest.mark.skipif(not HAVE_TRT, reason=f"needs TensorRT and an NVIDIA GPU: {unavailable_reason()}")
@pytest.mark.parametrize("fp16, tolerance_mm", [(False, 0.1), (True, 5.0)], ids=["fp32", "fp16"])
def test_engine_round_trip_on_gpu(tmp_path, fp16, tolerance_mm):
    args = ["export", "--trt", "--batch", "1:8:32", "--out", str(tmp_path)] + (["--fp16"] if fp16 else [])
    result = run(args)
    assert result.exit_code == 0, result.output
    sidecar = json.loads((tmp_path / "denoiser.engine.json").read_text())
    assert sidecar["precision"] == ("fp16" if fp16 else "fp32") and (tmp_path / "timing.cache").is_file()
    clips = make_clips((40, 12), seed=5).without_3d()
    settings = SamplingSettings(hypotheses=2, steps=2)
    engine = Lifter(tmp_path / "denoiser.engine").lift(clips, settings)
    reference = Lifter(shipped_checkpoint(), device="cpu").lift(clips, settings)
    assert engine.backend.startswith("tensorrt")
    assert np.abs(engine.root_relative_mm - reference.root_relative_mm).max() <= tolerance_mm
