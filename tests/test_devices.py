"""--device resolution: auto follows PyTorch's view of the GPU (or $POSYNDA_DEVICE); an impossible request is a
one-line error; precision needs what it needs; autocast and the CUDA settings."""

import pytest
import torch

from posynda.devices import DEVICE_ENV, autocast, check_precision, configure_device, resolve_device
from posynda.errors import InputError

HAS_CUDA = torch.cuda.is_available()
CPU_ONLY = pytest.mark.skipif(HAS_CUDA, reason="this machine has a GPU")


@pytest.mark.parametrize(
    "requested,env,expected",
    [
        ("cpu", None, "cpu"),
        ("auto", None, "cuda" if HAS_CUDA else "cpu"),
        ("auto", "cpu", "cpu"),
        pytest.param("cuda", None, "cuda", marks=pytest.mark.gpu),
        pytest.param("auto", "cuda", "cuda", marks=pytest.mark.gpu),
    ],
)
def test_resolves(monkeypatch, requested, env, expected):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    if env:
        monkeypatch.setenv(DEVICE_ENV, env)
    assert resolve_device(requested) == expected


@pytest.mark.parametrize(
    "requested,env,needle",
    [
        ("tpu", None, "^device must be one of"),
        ("auto", "tpu", "POSYNDA_DEVICE must be one of"),
        pytest.param(
            "cuda", None, "no CUDA device", marks=pytest.mark.skipif(HAS_CUDA, reason="this machine has a GPU")
        ),
    ],
)
def test_refuses(monkeypatch, requested, env, needle):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    if env:
        monkeypatch.setenv(DEVICE_ENV, env)
    with pytest.raises(InputError, match=needle):
        resolve_device(requested)


@pytest.mark.parametrize(
    "precision,device,needle",
    [("fp16", "cpu", "^precision fp16 needs a CUDA device"), ("fp64", "cpu", "^precision must be one of")],
)
def test_precisions_the_device_cannot_train_at_are_refused(precision, device, needle):
    with pytest.raises(InputError, match=needle):
        check_precision(precision, device)


def test_bf16_autocast_runs_matmuls_in_bf16_and_fp32_is_untouched():
    a = torch.randn(4, 4)
    with autocast("cpu", "bf16"):
        assert (a @ a).dtype == torch.bfloat16
    with autocast("cpu", "fp32"):
        assert (a @ a).dtype == torch.float32
    assert check_precision("bf16", "cpu") == "bf16"


def test_configure_device_leaves_the_cpu_alone():
    before = torch.get_float32_matmul_precision()
    configure_device("cpu")
    assert torch.get_float32_matmul_precision() == before


@pytest.mark.gpu
def test_configure_device_turns_tf32_on_for_cuda():
    configure_device("cuda")
    assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32
