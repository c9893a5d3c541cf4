"""The torch backend: a checkpoint on the CPU (or the GPU), described by its runtime metadata."""

import pytest
import torch

from posynda.errors import InputError
from posynda.runtime.backends import load_backend
from posynda.runtime.metadata import runtime_metadata
from tests.helpers.models import MICRO, micro_checkpoint


def test_checkpoint_runs_as_its_model(micro_file):
    backend = load_backend(micro_file, device="cpu")
    assert backend.describe() == "torch (cpu)" and (backend.frames, backend.joints) == (MICRO.frames, 17)
    assert backend.metadata == runtime_metadata(backend.checkpoint)
    inputs = torch.randn(2, 9, 17, 2), torch.randn(2, 9, 17, 3), torch.tensor([1, 2])
    with torch.no_grad():
        torch.testing.assert_close(backend(*inputs), micro_checkpoint().model(*inputs))


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_refused(micro_file):
    with pytest.raises(InputError, match="no CUDA device"):
        load_backend(micro_file, device="cuda")
