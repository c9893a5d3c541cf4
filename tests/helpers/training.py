"""A toy run for the training loop's tests: a small network with batch norm and dropout, its trainee, its step,
every tensor it carries, and the one-process world it trains in."""

import functools

import numpy as np
import torch
from torch import nn

from posynda.training import Trainee, joined_world


class Toy(nn.Module):
    """``x [B, 4] -> [B, 3]``: Linear, BatchNorm (running statistics), dropout (in-model randomness), Linear."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.3), nn.Linear(8, 3))

    def forward(self, x):
        return self.net(x)


def toy_rate(step: int, total: int = 12) -> float:
    """A warm-up then a decay: a learning rate that changes every step."""
    return 0.05 * min(1.0, (step + 1) / 3) * 0.9 ** (step / total)


def toy_trainee(seed: int = 0, ema_decay: float | None = 0.9, rate=toy_rate) -> Trainee:
    torch.manual_seed(seed)
    return Trainee(Toy(), functools.partial(torch.optim.AdamW, weight_decay=0.1), rate, ema_decay)


def toy_step(training, step: int) -> dict[str, torch.Tensor]:
    """Step ``step``'s batch from ``(0, step)``: a regression on a fixed random linear map."""
    rng = np.random.default_rng([0, step])
    x = torch.from_numpy(rng.normal(size=(16, 4)).astype(np.float32))
    y = x @ torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.0, 1.0], [-1.0, 1.0, 0.0], [2.0, 0.5, -0.5]])
    loss = (training.forward(x) - y).pow(2).mean()
    training.optimise(loss)
    return {"loss": loss.detach(), "half": loss.detach() / 2}


def all_tensors(training) -> dict[str, torch.Tensor]:
    """Every tensor a run carries: the model's state, the optimizer's moments, the teacher's average."""
    tensors = {f"model.{k}": v for k, v in training.model.state_dict().items()}
    for i, state in training.optimizer.state_dict()["state"].items():
        tensors |= {f"optimizer.{i}.{k}": torch.as_tensor(v) for k, v in state.items()}
    if training.teacher is not None:
        tensors |= {f"ema.{k}": v for k, v in training.teacher.state_dict().items()}
    return tensors


def world():
    """The one-process world on the CPU in fp32."""
    with joined_world("cpu", "fp32") as alone:
        return alone
