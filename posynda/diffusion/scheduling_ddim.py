"""DDIM scheduler over 3D poses with x0-prediction (Song et al. 2021; D3DP's sampler).

Interface in the style of diffusers' schedulers: ``set_timesteps``, ``add_noise``, ``step``.
Notation: ``x_t`` noisy pose, ``x0`` the denoiser's prediction of the clean pose
(``pred_original_sample`` in diffusers), ``alpha_bar`` the cumulative schedule (paper Eq. 7).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from posynda.diffusion.schedule import cosine_alphas_cumprod
from posynda.errors import InputError
from posynda.limits import MAX_CLIP_SAMPLE, MAX_TRAIN_TIMESTEPS, in_range


@dataclass(frozen=True)
class SchedulerConfig:
    """Diffusion hyper-parameters (stored in checkpoints and exported models).

    Attributes:
        num_train_timesteps: T of the forward process (1000 in the paper).
        cosine_s: offset s of the cosine schedule.
        eta: DDIM stochasticity (0 deterministic, 1 = DDPM-like; D3DP uses 1).
        clip_sample: clamp of noisy and predicted poses, in model units (D3DP: 1.1 x scale 1).
    """

    num_train_timesteps: int = 1000
    cosine_s: float = 0.008
    eta: float = 1.0
    clip_sample: float = 1.1

    def __post_init__(self):
        """Refuse what no schedule can be (the C library checks the same bounds, posynda.limits)."""
        steps = self.num_train_timesteps
        checks = (
            ("num_train_timesteps", isinstance(steps, int) and not isinstance(steps, bool)
             and in_range(steps, 2, MAX_TRAIN_TIMESTEPS), f"an integer in [2, {MAX_TRAIN_TIMESTEPS}]"),
            ("cosine_s", in_range(self.cosine_s, 1e-9, 1.0), "in (0, 1]"),
            ("eta", in_range(self.eta, 0.0, 1.0), "in [0, 1]"),
            ("clip_sample", in_range(self.clip_sample, 1e-6, MAX_CLIP_SAMPLE), f"in (0, {MAX_CLIP_SAMPLE:g}]"),
        )  # fmt: skip
        for name, ok, expected in checks:
            if not ok:
                raise InputError(f"scheduler {name} must be {expected}, got {getattr(self, name)!r}")

    def to_dict(self) -> dict:
        return asdict(self)


class DDIMScheduler:
    """DDIM sampling of x0-predicting denoisers.

    >>> sched = DDIMScheduler(SchedulerConfig())
    >>> sched.set_timesteps(5)  # pairs (999, 799), (799, 599), ..., (199, -1)
    """

    def __init__(self, config: SchedulerConfig | None = None):
        self.config = config or SchedulerConfig()
        self.alphas_cumprod = cosine_alphas_cumprod(self.config.num_train_timesteps, self.config.cosine_s)
        self.timesteps: list[tuple[int, int]] = []

    def set_timesteps(self, num_inference_steps: int) -> list[tuple[int, int]]:
        """K sampling steps: ``times = int(linspace(-1, T-1, K+1))`` reversed into ``(t, t_next)`` pairs."""
        if num_inference_steps < 1:
            raise ValueError("num_inference_steps must be >= 1")
        t = self.config.num_train_timesteps
        times = torch.linspace(-1, t - 1, num_inference_steps + 1).long().tolist()[::-1]
        self.timesteps = list(zip(times[:-1], times[1:]))
        return self.timesteps

    def __len__(self) -> int:
        return len(self.timesteps)

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Forward process ``x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps`` (paper Eq. 7), clamped.

        ``x0``, ``noise`` ``[B, ...]``; ``t [B]`` integer timesteps.
        """
        ac = self.alphas_cumprod.to(x0.device)[t].reshape((-1,) + (1,) * (x0.ndim - 1))
        # sqrt(1 - alpha_bar) in float64: near t = 0 the subtraction cancels catastrophically in fp32.
        x_t = ac.sqrt().to(x0.dtype) * x0 + (1 - ac).sqrt().to(x0.dtype) * noise
        return x_t.clamp(-self.config.clip_sample, self.config.clip_sample)

    def step(
        self, x0: torch.Tensor, t: int, t_next: int, x_t: torch.Tensor, noise: torch.Tensor | None = None
    ) -> torch.Tensor:
        """One DDIM update from ``x_t`` at step ``t`` to ``t_next`` given the prediction ``x0``.

        ``eps = (x_t / sqrt(alpha_bar_t) - x0) / sqrt(1/alpha_bar_t - 1)`` (implied noise);
        ``sigma = eta sqrt((1 - a_t/a_next)(1 - a_next)/(1 - a_t))``;
        ``x_next = sqrt(a_next) x0 + sqrt(1 - a_next - sigma^2) eps + sigma z`` (DDIM Eq. 12).
        With ``t_next < 0`` the clean prediction ``x0`` is returned. ``noise`` is ``z`` (drawn
        from the global RNG when None and eta > 0).
        """
        if t_next < 0:
            return x0
        a_t = float(self.alphas_cumprod[t])
        a_next = float(self.alphas_cumprod[t_next])
        eps = (x_t * (1 / a_t) ** 0.5 - x0) / (1 / a_t - 1) ** 0.5
        sigma = self.config.eta * ((1 - a_t / a_next) * (1 - a_next) / (1 - a_t)) ** 0.5
        c = max(1 - a_next - sigma**2, 0.0) ** 0.5
        x_next = x0 * a_next**0.5 + c * eps
        if sigma > 0:
            x_next = x_next + sigma * (torch.randn_like(x0) if noise is None else noise)
        return x_next
