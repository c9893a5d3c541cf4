"""VideoPose3D's dilated temporal convolutions as a diffusion denoiser (Pavllo et al. CVPR 2019).

The original model maps a receptive field of T frames to one pose; as a D3DP-style denoiser it
must return every frame of the window, so the convolutions are "same"-padded (replicate padding)
and the network is seq2seq. Input per frame: the J x 5 channels (normalised 2D + noisy 3D), plus the root position and
log-scale with ``input_norm="root"``; the
timestep embedding is added after the expand convolution. A ``causal`` config pads every temporal
convolution on the past side only (VideoPose3D's ``--causal``), so frame t's output sees frames
t - R + 1 .. t (R: the receptive field) and none after it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from posynda.models.config import DenoiserConfig
from posynda.models.layers import BatchNorm1d, TimeMLP
from posynda.models.normalization import input_channels, normalize_input


class _TemporalConv(nn.Module):
    """Replicate-padded dilated Conv1d that keeps the sequence length: ``[B, C, T] -> [B, C', T]``; centred, or
    ``causal`` (all the padding before the first frame: output t sees inputs up to t)."""

    def __init__(self, cin: int, cout: int, width: int, dilation: int, causal: bool = False):
        super().__init__()
        span = (width - 1) * dilation
        self.pad = (span, 0) if causal else (span // 2, span - span // 2)
        self.conv = nn.Conv1d(cin, cout, width, dilation=dilation, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, self.pad, mode="replicate"))


class _ResidualBlock(nn.Module):
    """conv(width, dilation) -> BN -> ReLU -> dropout -> conv1x1 -> BN -> ReLU -> dropout, plus residual."""

    def __init__(self, channels: int, width: int, dilation: int, dropout: float, causal: bool = False):
        super().__init__()
        self.conv = _TemporalConv(channels, channels, width, dilation, causal)
        self.bn1 = BatchNorm1d(channels, momentum=0.1)
        self.pointwise = nn.Conv1d(channels, channels, 1, bias=False)
        self.bn2 = BatchNorm1d(channels, momentum=0.1)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.drop(F.relu(self.bn1(self.conv(x))))
        y = self.drop(F.relu(self.bn2(self.pointwise(y))))
        return x + y


class VideoPoseDenoiser(nn.Module):
    """``(keypoints_2d [B,T,J,2], noisy_3d [B,T,J,3], t [B]) -> x0 [B,T,J,3]`` (root-relative metres)."""

    def __init__(self, config: DenoiserConfig):
        super().__init__()
        self.config = config
        ch, widths = config.dim, config.filter_widths
        joint_ch, global_ch = input_channels(config.input_norm)
        self.expand = _TemporalConv(config.joints * (joint_ch + 3) + global_ch, ch, widths[0], 1, config.causal)
        self.expand_bn = BatchNorm1d(ch, momentum=0.1)
        self.time_mlp = TimeMLP(config.time_dim or min(ch, 256), ch)
        self.drop = nn.Dropout(config.dropout)
        blocks, dilation = [], widths[0]
        for width in widths[1:]:
            blocks.append(_ResidualBlock(ch, width, dilation, config.dropout, config.causal))
            dilation *= width
        self.blocks = nn.ModuleList(blocks)
        self.shrink = nn.Conv1d(ch, config.joints * 3, 1)
        # Cross-dataset embedding of an adapted, merged model (paper Eq. 11); absent otherwise.
        self.output_offset = nn.Parameter(torch.zeros(config.joints, 3)) if config.output_offset else None

    def forward(self, keypoints_2d: torch.Tensor, noisy_3d: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        b, f, j, _ = keypoints_2d.shape
        kp, frame_globals = normalize_input(keypoints_2d, self.config.input_norm)
        x = torch.cat([kp, noisy_3d], dim=-1).reshape(b, f, -1)
        if frame_globals is not None:
            x = torch.cat([x, frame_globals], dim=-1)
        x = x.transpose(1, 2)
        x = F.relu(self.expand_bn(self.expand(x)))
        x = self.drop(x + self.time_mlp(t)[:, :, None])
        for block in self.blocks:
            x = block(x)
        x0 = self.shrink(x).transpose(1, 2).reshape(b, f, j, 3)
        return x0 + self.output_offset if self.output_offset is not None else x0
