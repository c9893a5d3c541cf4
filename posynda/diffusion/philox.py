"""The sampler's portable noise: Philox4x32-10 counters -> Box-Muller normals, per window.

One specification, implemented here (numpy) and in the C library (``libposynda/src/philox.hpp``),
so that a seed gives the same poses in Python, ONNX Runtime, TensorRT, C and C++, whatever the
batching or the language. The noise of window ``w`` (counted from 0 within its sequence) of
sequence ``s`` (counted from 0 within the lift) is ``[K+1, H, T, J, 3]`` float32 (index 0 = ``x_T``,
index k = the ``z`` of DDIM step k); its element ``n`` (C order) is:

1. **Counter and key.** ``key = (seed mod 2^32, floor(seed / 2^32) mod 2^32)``; block
   ``b = floor(n / 4)``, lane ``n mod 4``; ``counter = (b mod 2^32, floor(b / 2^32), w, s)``.
2. **Philox4x32-10** (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
   10 rounds of ``(c0, c1, c2, c3) <- (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1, lo(M0 c0))``
   with ``M0 = 0xD2511F53``, ``M1 = 0xCD9E8D57`` (32x32 -> 64-bit products), the key bumped by
   ``(0x9E3779B9, 0xBB67AE85)`` (mod 2^32) after each round; the output is 4 words ``x0..x3``.
   Known answer (Random123's kat_vectors): counter 0, key 0 -> ``6627e8d5 e169c58d bc57ac4c 9b00dbd8``.
3. **Uniforms** ``u_i = (x_i + 0.5) / 2^32`` in float64, in (0, 1).
4. **Box-Muller** in float64: ``r = sqrt(-2 ln u0)``, ``a = 2 pi u1``: lanes 0, 1 are ``r cos a``,
   ``r sin a``; lanes 2, 3 the same from ``(u2, u3)``; each rounded to float32.

Rounding: float64 ``log``/``cos``/``sin`` of different maths libraries may differ in the last
bit; the float32 result then differs only when that bit straddles a float32 rounding boundary
(about one value in 2^29).
"""

from __future__ import annotations

import numpy as np
import torch

PHILOX_M = (0xD2511F53, 0xCD9E8D57)
PHILOX_W = (0x9E3779B9, 0xBB67AE85)
PHILOX_ROUNDS = 10
NOISE_SPEC = (
    "philox4x32-10 per window: key (seed lo, seed hi), counter (n/4 lo, n/4 hi, window in sequence, sequence), "
    "u = (x + 0.5) / 2^32, Box-Muller (r cos, r sin) per lane pair, float32; n = C-order index in [K+1, H, T, J, 3]"
)
_MASK32 = np.uint64(0xFFFFFFFF)


def philox4x32(counters: np.ndarray, key: tuple[int, int], rounds: int = PHILOX_ROUNDS) -> np.ndarray:
    """Philox4x32 of ``counters [N, 4]`` (uint32 words) under ``key (k0, k1)`` -> ``[N, 4]`` uint32."""
    c = [np.asarray(counters[:, i], dtype=np.uint64) for i in range(4)]
    k0, k1 = np.uint64(key[0] & 0xFFFFFFFF), np.uint64(key[1] & 0xFFFFFFFF)
    m0, m1 = np.uint64(PHILOX_M[0]), np.uint64(PHILOX_M[1])
    w0, w1 = np.uint64(PHILOX_W[0]), np.uint64(PHILOX_W[1])
    shift = np.uint64(32)
    for _ in range(rounds):
        p0, p1 = m0 * c[0], m1 * c[2]  # exact: 32 x 32 -> 64 bits
        c = [(p1 >> shift) ^ c[1] ^ k0, p1 & _MASK32, (p0 >> shift) ^ c[3] ^ k1, p0 & _MASK32]
        k0, k1 = (k0 + w0) & _MASK32, (k1 + w1) & _MASK32
    return np.stack(c, axis=1).astype(np.uint32)


def _key(seed: int) -> tuple[int, int]:
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed must be in [0, 2^64), got {seed}")
    return seed & 0xFFFFFFFF, seed >> 32


def philox_normal(seed: int, sequence: int, window: int, count: int) -> np.ndarray:
    """The first ``count`` normals of the stream of ``window`` of ``sequence`` under ``seed``: ``[count]`` float32."""
    for name, value in (("sequence", sequence), ("window", window)):
        if not 0 <= int(value) < 2**32:
            raise ValueError(f"{name} index must be in [0, 2^32), got {value}")
    blocks = np.arange((count + 3) // 4, dtype=np.uint64)
    counters = np.zeros((len(blocks), 4), dtype=np.uint64)
    counters[:, 0] = blocks & _MASK32
    counters[:, 1] = blocks >> np.uint64(32)
    counters[:, 2] = int(window)
    counters[:, 3] = int(sequence)
    x = philox4x32(counters, _key(seed)).astype(np.float64)
    u = (x + 0.5) / 2.0**32
    r = np.sqrt(-2.0 * np.log(u[:, 0::2]))  # [blocks, 2]: pairs (u0, u1), (u2, u3)
    angle = 2.0 * np.pi * u[:, 1::2]
    normals = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=-1)  # [blocks, pair, (cos, sin)]
    return normals.reshape(-1)[:count].astype(np.float32)


def window_noise(seed: int, windows, steps: int, hypotheses: int, frames: int, joints: int) -> torch.Tensor:
    """The sampler's noise for a batch of windows: ``[K+1, B, H, T, J, 3]`` float32 (CPU).

    ``windows``: B pairs ``(sequence, window in sequence)``; each window's ``[K+1, H, T, J, 3]``
    comes from its own Philox stream, so a window's noise depends neither on the batch it is sampled
    in nor on the other sequences of the lift (a stream of one sequence draws what the whole lift draws).
    """
    shape = (steps + 1, hypotheses, frames, joints, 3)
    count = int(np.prod(shape))
    per_window = [philox_normal(seed, int(s), int(w), count).reshape(shape) for s, w in windows]
    if not per_window:
        return torch.zeros((steps + 1, 0, hypotheses, frames, joints, 3))
    return torch.from_numpy(np.stack(per_window, axis=1))
