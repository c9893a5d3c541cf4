"""--device resolution: auto follows PyTorch's view of the GPU; an impossible request is a one-line error."""

import pytest
import torch

from posynda.devices import resolve_device
from posynda.errors import InputError

HAS_CUDA = torch.cuda.is_available()


@pytest.mark.parametrize(
    "requested,expected",
    [
        ("cpu", "cpu"),
        ("auto", "cuda" if HAS_CUDA else "cpu"),
        pytest.param("cuda", "cuda", marks=pytest.mark.skipif(not HAS_CUDA, reason="needs an NVIDIA GPU")),
    ],
)
def test_resolves(requested, expected):
    assert resolve_device(requested) == expected


@pytest.mark.parametrize(
    "requested,needle",
    [
        ("tpu", "--device must be one of"),
        pytest.param("cuda", "no CUDA device", marks=pytest.mark.skipif(HAS_CUDA, reason="this machine has a GPU")),
    ],
)
def test_refuses(requested, needle):
    with pytest.raises(InputError, match=needle):
        resolve_device(requested)
