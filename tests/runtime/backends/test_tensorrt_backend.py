"""The TensorRT backend refuses an engine built for another machine before TensorRT touches the plan."""

import sys

import pytest

from posynda.errors import InputError
from posynda.runtime.backends import load_backend
from posynda.runtime.backends import tensorrt_sidecar as trt_env
from posynda.runtime.backends.tensorrt_backend import EngineRunner
from tests.helpers.tensorrt import TRT_ENV


class Poison:
    """Stands in for the tensorrt module: any use means the plan was about to be deserialised."""

    def __getattr__(self, name):
        raise AssertionError(f"tensorrt.{name} used before the sidecar check refused the engine")


@pytest.mark.parametrize("change", [{"gpu_sm": "7.5"}, {"tensorrt_version": "11.0.0"}, {"cuda_version": "11.8"}])
def test_loader_refuses_before_deserialising(fake_engine, monkeypatch, change):
    monkeypatch.setitem(sys.modules, "tensorrt", Poison())
    monkeypatch.setattr(trt_env, "current_environment", lambda: {**TRT_ENV, **change})
    with pytest.raises(InputError, match=trt_env.REBUILD_HINT):
        load_backend(fake_engine)
    with pytest.raises(InputError, match=trt_env.REBUILD_HINT):
        EngineRunner(fake_engine, env={**TRT_ENV, **change})
