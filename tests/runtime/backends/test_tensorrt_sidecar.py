"""TensorRT sidecars: what an engine was built for is checked against this machine before anything loads."""

import json

import pytest

from posynda.errors import InputError
from posynda.runtime.backends.tensorrt_sidecar import (
    REBUILD_HINT,
    check_sidecar,
    require_tensorrt,
    sidecar_path,
    unavailable_reason,
)
from tests.helpers.tensorrt import TRT_ENV as ENV


def test_matching_sidecar_is_accepted(fake_engine):
    sidecar = check_sidecar(fake_engine, ENV)
    assert sidecar["profile"]["batch"] == {"min": 1, "opt": 4, "max": 8}
    assert sidecar["profile"]["shapes"]["noisy_3d"]["max"] == [8, 27, 17, 3]
    assert sidecar["onnx_sha256"] and sidecar["tensorrt_version"] == ENV["tensorrt_version"]


def _edit_sidecar(**changes):
    def apply(engine):
        data = json.loads(sidecar_path(engine).read_text())
        data.update(changes)
        sidecar_path(engine).write_text(json.dumps(data))

    return apply


MISMATCHES = [
    ("tensorrt-version", {"tensorrt_version": "11.4.0.106"}, None, "TensorRT 11.4.0.106"),
    ("gpu-architecture", {"gpu_sm": "9.0", "gpu_name": "NVIDIA H100"}, None, "SM 9.0"),
    ("cuda-major", {"cuda_version": "13.0"}, None, "CUDA 13.0"),
    ("engine-changed", None, lambda e: e.write_bytes(b"another plan"), "engine file changed"),
    ("onnx-re-exported", None, lambda e: (e.parent / "denoiser.onnx").write_bytes(b"new"), "stale engine"),
    ("no-sidecar", None, lambda e: sidecar_path(e).unlink(), "no sidecar"),
    ("not-a-sidecar", None, lambda e: sidecar_path(e).write_text("{}"), "not a posynda engine sidecar"),
    ("corrupt-sidecar", None, lambda e: sidecar_path(e).write_text("{"), "not a readable engine sidecar"),
]


@pytest.mark.parametrize("name, env_change, file_change, message", MISMATCHES, ids=[m[0] for m in MISMATCHES])
def test_mismatches_are_refused_with_a_rebuild_hint(fake_engine, name, env_change, file_change, message):
    env = {**ENV, **(env_change or {})}
    if file_change:
        file_change(fake_engine)
    with pytest.raises(InputError, match=message) as info:
        check_sidecar(fake_engine, env)
    assert str(info.value).endswith(REBUILD_HINT) and len(str(info.value).splitlines()) == 1


@pytest.mark.parametrize(
    "env, needles",
    [
        ({**ENV, "tensorrt_version": None}, ["TensorRT is not installed"]),
        ({**ENV, "gpu_sm": None}, ["no NVIDIA GPU"]),
        ({"tensorrt_version": None, "gpu_sm": None}, ["TensorRT is not installed", "no NVIDIA GPU"]),
    ],
)
def test_what_is_missing_is_named(env, needles):
    reason = unavailable_reason(env)
    assert all(n in reason for n in needles)
    with pytest.raises(InputError, match="^trt: cannot build a TensorRT engine here") as error:
        require_tensorrt(env)
    assert error.value.parameter == "trt"  # the command line shows --trt
    assert unavailable_reason(ENV) is None and require_tensorrt(ENV) == ENV
