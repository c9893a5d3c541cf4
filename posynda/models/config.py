"""Denoiser configurations and named presets.

A ``DenoiserConfig`` is plain data: it is stored as JSON in every checkpoint's metadata, so a
model can be rebuilt from the file alone. Presets name the configurations posynda ships:

| preset            | arch      | frames | width | depth | params  | use                          |
|-------------------|-----------|--------|-------|-------|---------|------------------------------|
| ``cpu``           | VideoPose | 27     | 128   | 2 blk | 0.24 M  | CPU default (root-normalised 2D input) |
| ``paper``         | MixSTE    | 243    | 512   | 8+8   | 34.84 M | the paper's denoiser (D3DP)  |
| ``small``         | MixSTE    | 81     | 128   | 4+4   | 1.14 M  | CPU training, more capacity  |
| ``tiny``          | MixSTE    | 27     | 64    | 3+3   | 0.22 M  | the smallest MixSTE          |
| ``videopose``     | VideoPose | 243    | 1024  | 4 blk | 17.8 M  | the paper's alternative      |
| ``videopose-tiny``| VideoPose | 27     | 128   | 2 blk | 0.24 M  | fastest on CPU               |

``cpu`` is ``videopose-tiny`` with root-centred, scale-normalised 2D input
(:mod:`posynda.models.normalization`); the other presets keep D3DP's absolute screen input. On the
real-motion benchmark (bench/README.md, "Real motion") that input change alone took the in-domain
MPJPE of ``videopose-tiny`` from 54.5 to 39.3 mm and its cross-domain (validation) MPJPE from
129.7 to 101.6 mm, below the single-frame MLP baseline in both.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from posynda.errors import InputError
from posynda.limits import MAX_JOINTS, MAX_MODEL_DEPTH, MAX_MODEL_WIDTH, MAX_WINDOW_FRAMES, in_range
from posynda.models.normalization import INPUT_NORMS


@dataclass(frozen=True)
class DenoiserConfig:
    """Architecture of a diffusion denoiser ``(keypoints_2d [B,T,J,2], noisy_3d [B,T,J,3], t [B]) -> x0``.

    Attributes:
        arch: "mixste" or "videopose".
        frames: window length T the model is built for.
        joints: J (17, H36M order).
        dim: MixSTE embedding width / VideoPose channels.
        depth: MixSTE: number of spatial (= temporal) blocks; VideoPose: residual blocks.
        heads: attention heads (MixSTE).
        mlp_ratio: MLP hidden width / dim (MixSTE).
        drop_path: max stochastic-depth rate (MixSTE, linearly increasing over depth).
        dropout: dropout rate (VideoPose).
        filter_widths: temporal kernel sizes (VideoPose); the receptive field is their product.
        time_dim: width of the sinusoidal timestep embedding (defaults to dim).
        input_norm: how the model normalises its screen-unit 2D input
            (:mod:`posynda.models.normalization`): ``"screen"`` (absolute, D3DP) or ``"root"``
            (root-centred, scale-normalised, with the root and scale as extra inputs).
        output_offset: the model adds a learned per-joint offset ``[J, 3]`` (m) to its output --
            PoSynDA's cross-dataset embedding (paper Eq. 11) folded into a merged model.
        causal: every frame's output depends on that frame and earlier ones only (MixSTE: masked
            temporal attention; VideoPose: convolutions padded on the past side), so a window that
            ends at the current frame lifts it with zero look-ahead (``posynda pretrain --causal``;
            :func:`posynda.data.windows.causal_windows`).
    """

    arch: str = "mixste"
    frames: int = 27
    joints: int = 17
    dim: int = 64
    depth: int = 3
    heads: int = 4
    mlp_ratio: float = 2.0
    drop_path: float = 0.1
    dropout: float = 0.1
    filter_widths: tuple[int, ...] = field(default=(3, 3, 3))
    time_dim: int | None = None
    input_norm: str = "screen"
    output_offset: bool = False
    causal: bool = False

    def to_json(self) -> str:
        """The config as JSON; ``causal`` only when set (files written before it existed read the same)."""
        fields = dataclasses.asdict(self)
        if not self.causal:
            del fields["causal"]
        return json.dumps(fields, sort_keys=True)

    def check(self) -> None:
        """Refuse sizes no model of this family has (a file can state anything: posynda.limits)."""
        integers = (("frames", self.frames, MAX_WINDOW_FRAMES), ("joints", self.joints, MAX_JOINTS),
                    ("dim", self.dim, MAX_MODEL_WIDTH), ("depth", self.depth, MAX_MODEL_DEPTH),
                    ("heads", self.heads, MAX_MODEL_DEPTH),
                    ("time_dim", self.time_dim or 1, MAX_MODEL_WIDTH))  # fmt: skip
        for name, value, most in integers:
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
                raise InputError(f"denoiser {name} must be an integer in [1, {most}], got {value!r}")
        widths = self.filter_widths
        if not (1 <= len(widths) <= MAX_MODEL_DEPTH and all(isinstance(w, int) and 1 <= w <= MAX_WINDOW_FRAMES
                                                           for w in widths)):  # fmt: skip
            raise InputError(f"denoiser filter_widths must be 1 to {MAX_MODEL_DEPTH} integers, got {widths!r}")
        if not isinstance(self.causal, bool) or not isinstance(self.output_offset, bool):
            raise InputError(
                f"denoiser causal and output_offset must be true or false, got {self.causal!r}, {self.output_offset!r}"
            )
        for name, value, most in (("mlp_ratio", self.mlp_ratio, 64.0), ("drop_path", self.drop_path, 1.0),
                                  ("dropout", self.dropout, 1.0)):  # fmt: skip
            if not in_range(value, 0.0, most):
                raise InputError(f"denoiser {name} must be in [0, {most:g}], got {value!r}")

    @classmethod
    def from_dict(cls, data: dict) -> "DenoiserConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise InputError(f"denoiser config has unknown field(s) {sorted(unknown)}")
        data = dict(data)
        if "filter_widths" in data:
            data["filter_widths"] = tuple(data["filter_widths"])
        cfg = cls(**data)
        cfg.check()  # the arch name is checked against the architectures where they are built (architectures.py)
        if cfg.input_norm not in INPUT_NORMS:
            raise InputError(f"unknown input_norm {cfg.input_norm!r} (expected one of {', '.join(INPUT_NORMS)})")
        return cfg


PRESETS: dict[str, DenoiserConfig] = {
    "cpu": DenoiserConfig(
        arch="videopose", frames=27, dim=128, filter_widths=(3, 3, 3), dropout=0.1, input_norm="root"
    ),
    "paper": DenoiserConfig(arch="mixste", frames=243, dim=512, depth=8, heads=8, mlp_ratio=2.0, drop_path=0.1),
    "small": DenoiserConfig(arch="mixste", frames=81, dim=128, depth=4, heads=4, mlp_ratio=2.0, drop_path=0.1),
    "tiny": DenoiserConfig(arch="mixste", frames=27, dim=64, depth=3, heads=4, mlp_ratio=2.0, drop_path=0.05),
    "videopose": DenoiserConfig(arch="videopose", frames=243, dim=1024, filter_widths=(3, 3, 3, 3, 3), dropout=0.25),
    "videopose-tiny": DenoiserConfig(arch="videopose", frames=27, dim=128, filter_widths=(3, 3, 3), dropout=0.1),
}


def preset_of(config: DenoiserConfig) -> str | None:
    """The name of the preset ``config`` is (its causal variant included), or None (its training recipe is then
    unknown)."""
    plain = dataclasses.replace(config, causal=False)
    return next((name for name, known in PRESETS.items() if known == plain), None)


def preset(name: str) -> DenoiserConfig:
    """The named preset; InputError listing the valid names otherwise."""
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]
