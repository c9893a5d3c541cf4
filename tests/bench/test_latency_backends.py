"""The latency backends table: one setup per backend; those this machine cannot run say why."""

import pytest
import torch

from posynda.bench.latency_backends import LATENCY_BACKENDS, SETUPS, Prepared, Skip


@pytest.fixture(scope="module")
def prepared():
    pytest.importorskip("onnxruntime")
    prep = Prepared("tiny", batches=(1,), threads=None)
    yield prep
    prep.close()


def test_the_table_names_every_backend():
    assert LATENCY_BACKENDS == tuple(SETUPS) and "torch-eager" in SETUPS and "tensorrt-fp16" in SETUPS


def test_prepared_model_has_its_checkpoint_and_export(prepared):
    assert prepared.checkpoint.is_file() and prepared.onnx.is_file() and prepared.params == 221_187
    assert prepared.meta["window_frames"] == "27"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("name", ["onnxruntime-cuda", "tensorrt-fp32", "tensorrt-fp16"])
def test_gpu_backends_skip_with_a_reason_without_a_gpu(prepared, name):
    with pytest.raises(Skip) as why:
        SETUPS[name](prepared)
    assert str(why.value)


@pytest.mark.parametrize("name", ["torch-eager", "onnxruntime-cpu", "onnxruntime-cpu-default-options"])
def test_cpu_backends_give_a_timed_call_of_the_right_shape(prepared, name):
    from posynda.models import example_inputs

    call = SETUPS[name](prepared)(2, example_inputs(2, 27, 17))
    out = call()
    out = out[0] if isinstance(out, list) else out
    assert tuple(out.shape) == (2, 27, 17, 3) and name in prepared.info
