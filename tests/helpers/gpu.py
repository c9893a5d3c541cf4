"""The ``gpu`` marker: ``@pytest.mark.gpu`` is the one spelling for "needs an NVIDIA GPU (CUDA)"; tests/conftest.py's
collection hook skips marked tests, with one reason, where PyTorch sees no CUDA device."""

import pytest

GPU_REASON = "needs an NVIDIA GPU (CUDA): torch.cuda.is_available() is False"


def skip_without_cuda(items, cuda: bool) -> list:
    """Mark every ``gpu`` item of ``items`` to skip with :data:`GPU_REASON` unless ``cuda``; returns those marked.

    The skip goes before the item's other skip conditions (a test that also needs TensorRT, say), so a machine
    without CUDA reports the GPU as the reason."""
    if cuda:
        return []
    marked = [item for item in items if item.get_closest_marker("gpu") is not None]
    for item in marked:
        item.add_marker(pytest.mark.skipif(True, reason=GPU_REASON), append=False)
    return marked
