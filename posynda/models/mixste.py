"""MixSTE as a D3DP diffusion denoiser (Zhang et al. CVPR 2022; Shan et al. ICCV 2023).

Alternating spatial (over the J joints of a frame) and temporal (over the T frames of a joint)
transformer blocks; seq2seq, so every frame of the window gets a pose. D3DP's changes: the input
is 5 channels per joint (normalised 2D + noisy 3D; 8 with ``input_norm="root"``, whose root
position and log-scale are given to every joint token) and a timestep MLP is added to the spatial
tokens before the first spatial block. The ``paper`` preset (dim 512, 8 + 8 blocks, 8 heads, MLP
ratio 2, 243 frames) has 34,835,459 parameters, as D3DP's. A ``causal`` config masks the temporal
attention (frame t attends to frames 0..t), so no output depends on a later frame.
"""

from __future__ import annotations

import torch
from torch import nn

from posynda.models.config import DenoiserConfig
from posynda.models.layers import Block, TimeMLP
from posynda.models.normalization import input_channels, normalize_input


class MixSTEDenoiser(nn.Module):
    """``(keypoints_2d [B,T,J,2], noisy_3d [B,T,J,3], t [B]) -> x0 [B,T,J,3]`` (root-relative metres).

    ``T`` may be at most ``config.frames`` (the temporal position embedding is sliced).
    """

    def __init__(self, config: DenoiserConfig):
        super().__init__()
        self.config = config
        dim, depth = config.dim, config.depth
        joint_ch, global_ch = input_channels(config.input_norm)
        self.spatial_embed = nn.Linear(joint_ch + global_ch + 3, dim)
        self.spatial_pos = nn.Parameter(torch.zeros(1, config.joints, dim))
        self.temporal_pos = nn.Parameter(torch.zeros(1, config.frames, dim))
        self.time_mlp = TimeMLP(config.time_dim or dim, dim)
        rates = torch.linspace(0, config.drop_path, depth, device="cpu").tolist()  # cpu: also under a meta device
        self.spatial_blocks = nn.ModuleList(Block(dim, config.heads, config.mlp_ratio, r) for r in rates)
        self.temporal_blocks = nn.ModuleList(
            Block(dim, config.heads, config.mlp_ratio, r, causal=config.causal) for r in rates
        )
        # One LayerNorm each, reused after every spatial / temporal block (as in MixSTE).
        self.spatial_norm = nn.LayerNorm(dim, eps=1e-6)
        self.temporal_norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 3))
        # Cross-dataset embedding of an adapted, merged model (paper Eq. 11); absent otherwise.
        self.output_offset = nn.Parameter(torch.zeros(config.joints, 3)) if config.output_offset else None

    def forward(self, keypoints_2d: torch.Tensor, noisy_3d: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        b, f, j, _ = keypoints_2d.shape
        c = self.config.dim
        kp, frame_globals = normalize_input(keypoints_2d, self.config.input_norm)
        parts = (
            [kp, noisy_3d] if frame_globals is None else [kp, frame_globals[:, :, None].expand(b, f, j, 3), noisy_3d]
        )
        x = torch.cat(parts, dim=-1).reshape(b * f, j, -1)
        x = self.spatial_embed(x) + self.spatial_pos
        time = self.time_mlp(t)  # [B, C]
        x = x + time.repeat_interleave(f, dim=0)[:, None, :]
        for i, (spatial, temporal) in enumerate(zip(self.spatial_blocks, self.temporal_blocks)):
            x = self.spatial_norm(spatial(x))  # [(B F), J, C]
            x = x.reshape(b, f, j, c).transpose(1, 2).reshape(b * j, f, c)
            if i == 0:
                x = x + self.temporal_pos[:, :f]
            x = self.temporal_norm(temporal(x))  # [(B J), F, C]
            x = x.reshape(b, j, f, c).transpose(1, 2).reshape(b * f, j, c)
        x0 = self.head(x).reshape(b, f, j, 3)
        return x0 + self.output_offset if self.output_offset is not None else x0
