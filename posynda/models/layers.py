"""Building blocks shared by the denoisers: timestep embedding, attention, MLP, stochastic depth, batch norm."""

from __future__ import annotations

import math

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn


class SinusoidalTimestepEmbedding(nn.Module):
    """Timestep ``t [B]`` (integer diffusion steps) -> ``[B, dim]`` (D3DP's sinusoidal embedding).

    Half sine, half cosine, frequencies ``freqs [dim/2] = exp(-i ln(10000) / (dim/2 - 1))``.

    ``freqs`` is a constant, not state: a plain tensor attribute that follows the module's device and dtype
    (``.to``, ``.half()``: :meth:`_apply`) like a buffer, but is none, so that a module's ``buffers()`` -- what
    an EMA teacher averages (``torch.optim.swa_utils.AveragedModel``, where ``d * x + (1 - d) * x`` need not
    round back to ``x``) and DDP broadcasts -- hold its state only. It was never saved (a non-persistent buffer
    before): files do not change.
    """

    def __init__(self, dim: int):
        super().__init__()
        half = dim // 2
        self.freqs = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(10000.0) / (half - 1)))

    def _apply(self, fn, recurse: bool = True):
        self.freqs = fn(self.freqs)
        return super()._apply(fn, recurse)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        # Cast to the frequencies' dtype (not .float()): an fp16 export must not mix dtypes.
        angles = t.to(self.freqs.dtype)[:, None] * self.freqs[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)


class TimeMLP(nn.Module):
    """D3DP's time embedding: sinusoidal(dim) -> Linear(dim, 2 dim) -> GELU -> Linear(2 dim, dim)."""

    def __init__(self, dim: int, out_dim: int | None = None):
        super().__init__()
        self.sinusoidal = SinusoidalTimestepEmbedding(dim)
        self.net = nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, out_dim or dim))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        emb = self.sinusoidal(t).to(self.net[0].weight.dtype)
        return self.net(emb)


class DropPath(nn.Module):
    """Stochastic depth: drop a residual branch per sample with probability ``p`` while training."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep


class _SumOverProcesses(torch.autograd.Function):
    """``all_reduce(SUM)`` of a tensor as an autograd op: the gradient is summed over the processes too (each
    process's loss depends on every process's contribution)."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        total = tensor.clone()
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        total = grad.clone()
        dist.all_reduce(total)
        return total


class BatchNorm1d(nn.BatchNorm1d):
    """``nn.BatchNorm1d`` whose training statistics span the global batch when several processes train.

    Alone, or in eval mode, it is ``nn.BatchNorm1d`` (the same code path: the same numbers). Under data
    parallelism each process holds a slice of the step's global batch; plain batch norm would normalise
    each slice by its own mean and variance and keep rank 0's running statistics, so the weights would
    depend on the number of processes. Here the per-channel count, sum and sum of squares are summed over
    the processes (an all-reduce that the backward pass goes through as well, :class:`_SumOverProcesses`),
    which gives every process the normalisation and running statistics of one process on the whole
    batch, up to the order of floating-point sums. (PyTorch's ``SyncBatchNorm`` does this on GPUs only.)
    The state-dict keys are those of ``nn.BatchNorm1d``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        channels = x.shape[1]
        dims = [0] + list(range(2, x.dim()))
        count = x.new_full((1,), x.numel() / channels)
        totals = _SumOverProcesses.apply(torch.cat([x.sum(dims), (x * x).sum(dims), count]))
        n = totals[-1]
        mean = totals[:channels] / n
        var = (totals[channels : 2 * channels] / n - mean * mean).clamp_min(0.0)  # biased, as batch norm normalises
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked += 1
                factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
                self.running_mean.mul_(1 - factor).add_(mean.detach(), alpha=factor)
                self.running_var.mul_(1 - factor).add_(var.detach() * n / (n - 1), alpha=factor)  # unbiased
        shape = (1, channels) + (1,) * (x.dim() - 2)
        y = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        return y * self.weight.view(shape) + self.bias.view(shape) if self.affine else y


class Attention(nn.Module):
    """Multi-head self-attention with a fused ``qkv`` projection and an output ``proj``.

    The two Linear layers are the LoRA targets of PoSynDA (paper Eq. 10). ``x [B, N, C] -> [B, N, C]``;
    ``causal``: token i attends to tokens 0..i only.
    """

    def __init__(self, dim: int, heads: int, causal: bool = False):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} not divisible by heads {heads}")
        self.heads = heads
        self.causal = causal
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_causal=self.causal)  # scale = head_dim**-0.5
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    """Linear(dim, hidden) -> GELU -> Linear(hidden, dim)."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """Pre-norm transformer block (timm style): ``x += DropPath(Attn(LN(x))); x += DropPath(MLP(LN(x)))``
    (``causal``: the attention's token i sees tokens 0..i only)."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float, drop_path: float, causal: bool = False):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads, causal)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))
