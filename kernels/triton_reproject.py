"""Triton kernel of ``reproject_select``: fused root solve, projection, 2D error and selection.

One launch per call. Each program takes ``BLOCK_N`` frames (J padded to a power of two) and loops
over the H hypotheses inside the kernel, so every input element is read once and every output
element written once. Per frame it undistorts the 2D keypoints once; per (frame, hypothesis) it
solves the root translation, projects with the Human3.6M distortion model, writes the per-joint
error and keeps the running best hypothesis per joint ("joint") or per frame ("frame"), or the
running sum ("mean").

Numerics follow :func:`posynda.hypotheses.reference.reproject_select_reference` (which is
:mod:`posynda.camera`): projection and error in fp32; the keypoint undistortion starts from fp64
image-plane coordinates, runs its first iterations in fp32 and its last ones in fp64 (20 in
total, like ``camera.undistort_image_plane``), and the 3x3 normal equations with the relative
ridge term of ``camera.solve_root_translation`` are accumulated and solved in fp64 (closed form).
fp64 is cheap on data-centre GPUs (A100/H100); on consumer GPUs it is the slowest part.

This module imports triton; import it only on the Triton path
(``posynda.kernels.triton_support.reproject_select_triton`` does). The kernel object is built on first
use, per interpreter mode. ``TRITON_INTERPRET=1`` must be set before triton itself is imported:
``triton.jit`` reads it when it decorates, and triton decorates its own library functions (``tl.sum``'s
combine function, ...) at import, so switching the interpreter on later fails inside the kernel ("Cannot
call @triton.jit'd outside of the scope of a kernel"). The CPU tests therefore run the interpreter in a
subprocess.
"""

from __future__ import annotations

import contextlib

import torch
import triton
import triton.language as tl

from posynda.kernels.triton_support import MODE_CODES, triton_needs_cuda

UNDISTORT_ITERATIONS = 20  # camera.undistort_image_plane's default
UNDISTORT_ITERATIONS_FP64 = 4  # the last ones, in fp64 (the fp32 ones get within a few ulp of the fixed point)
RIDGE = 1e-9  # camera.solve_root_translation's default
DEPTH_EPS = 1e-6  # camera.project's default
BLOCK_N_INTERPRETER = 16


def _reproject_select_kernel(
    hyp_ptr,  # [N, H, J, 3] any float dtype
    kp_ptr,  # [N, J, 2] pixels
    cam_ptr,  # [N, 9] (row stride 0 when shared)
    mask_ptr,  # [N, J] (float or uint8); unused unless HAS_MASK
    t_in_ptr,  # [N, H, 3]; unused when SOLVE
    sel_ptr,  # out [N, J, 3] contiguous, hypotheses' dtype
    idx_ptr,  # out int64 [N, J] ("joint") or [N] ("frame") contiguous; unused for "mean"
    err_ptr,  # out fp32 [N, H, J] contiguous
    t_out_ptr,  # out fp32 [N, H, 3] contiguous
    N,
    H: tl.constexpr,  # compile-time: one build per hypothesis count (see the loop below)
    J,
    n_bucket,  # autotune key only: log2 bucket of N
    s_hn,
    s_hh,
    s_hj,
    s_hc,
    s_kn,
    s_kj,
    s_kc,
    s_cn,
    s_cc,
    s_mn,
    s_mj,
    s_tn,
    s_th,
    s_tc,
    ridge,
    depth_eps,
    MODE: tl.constexpr,  # 0 joint, 1 frame, 2 mean
    SOLVE: tl.constexpr,
    HAS_MASK: tl.constexpr,
    ITERS32: tl.constexpr,
    ITERS64: tl.constexpr,
    BLOCK_J: tl.constexpr,
    BLOCK_N: tl.constexpr,
):
    pid = tl.program_id(0)
    offs_n = pid * BLOCK_N + tl.arange(0, BLOCK_N)
    offs_j = tl.arange(0, BLOCK_J)
    n_ok = offs_n < N
    j_ok = offs_j < J
    nj_ok = n_ok[:, None] & j_ok[None, :]
    n64 = offs_n.to(tl.int64)
    jj = offs_j[None, :]

    # ---- per frame: keypoints, weights, intrinsics -------------------------------------------
    kp_base = kp_ptr + n64[:, None] * s_kn + jj * s_kj
    kx = tl.load(kp_base, mask=nj_ok, other=float("nan")).to(tl.float32)
    ky = tl.load(kp_base + s_kc, mask=nj_ok, other=float("nan")).to(tl.float32)
    kp_fin = (kx == kx) & (ky == ky) & (tl.abs(kx) < float("inf")) & (tl.abs(ky) < float("inf"))
    kx = tl.where(kp_fin, kx, 0.0)  # nan_to_num; missing joints never reach the outputs
    ky = tl.where(kp_fin, ky, 0.0)
    w_err = kp_fin.to(tl.float32)  # the reference's weight: isfinite(kp) * mask
    if HAS_MASK:
        m = tl.load(mask_ptr + n64[:, None] * s_mn + jj * s_mj, mask=nj_ok, other=0).to(tl.float32)
        w_err = w_err * m
    err_valid = w_err > 0
    err_den = tl.sum(w_err, axis=1)
    err_den = tl.where(err_den < 1e-12, 1e-12, err_den)  # clamp_min, NaN passes through

    cam = cam_ptr + n64 * s_cn
    fx = tl.load(cam, mask=n_ok, other=1.0).to(tl.float32)
    fy = tl.load(cam + s_cc, mask=n_ok, other=1.0).to(tl.float32)
    cx = tl.load(cam + 2 * s_cc, mask=n_ok, other=0.0).to(tl.float32)
    cy = tl.load(cam + 3 * s_cc, mask=n_ok, other=0.0).to(tl.float32)
    k1 = tl.load(cam + 4 * s_cc, mask=n_ok, other=0.0).to(tl.float32)
    k2 = tl.load(cam + 5 * s_cc, mask=n_ok, other=0.0).to(tl.float32)
    k3 = tl.load(cam + 6 * s_cc, mask=n_ok, other=0.0).to(tl.float32)
    p1 = tl.load(cam + 7 * s_cc, mask=n_ok, other=0.0).to(tl.float32)
    p2 = tl.load(cam + 8 * s_cc, mask=n_ok, other=0.0).to(tl.float32)
    fx_, fy_, cx_, cy_ = fx[:, None], fy[:, None], cx[:, None], cy[:, None]
    k1_, k2_, k3_, p1_, p2_ = k1[:, None], k2[:, None], k3[:, None], p1[:, None], p2[:, None]

    if SOLVE:
        # solve weights: nan_to_num(weight).clamp_min(0), and 0 where the 2D is missing
        w_solve = tl.where(w_err > 0, w_err, 0.0)
        # undistorted image-plane coordinates (camera.undistort_image_plane), fp64 at both ends
        dx64 = (kx.to(tl.float64) - cx_.to(tl.float64)) / fx_.to(tl.float64)
        dy64 = (ky.to(tl.float64) - cy_.to(tl.float64)) / fy_.to(tl.float64)
        u64 = dx64
        v64 = dy64
        distortion = tl.abs(k1) + tl.abs(k2) + tl.abs(k3) + tl.abs(p1) + tl.abs(p2)
        if tl.max(distortion, axis=0) > 0:  # decided per tile on the device: no host round trip
            dx = dx64.to(tl.float32)
            dy = dy64.to(tl.float32)
            u = dx
            v = dy
            for _ in range(ITERS32):
                r2 = u * u + v * v
                scale = 1.0 + k1_ * r2 + k2_ * (r2 * r2) + k3_ * (r2 * r2 * r2) + (p1_ * u + p2_ * v)
                u_next = (dx - p1_ * r2) / scale
                v = (dy - p2_ * r2) / scale
                u = u_next
            u64 = u.to(tl.float64)
            v64 = v.to(tl.float64)
            k1d, k2d, k3d = k1_.to(tl.float64), k2_.to(tl.float64), k3_.to(tl.float64)
            p1d, p2d = p1_.to(tl.float64), p2_.to(tl.float64)
            for _ in range(ITERS64):
                r2d = u64 * u64 + v64 * v64
                scale_d = 1.0 + k1d * r2d + k2d * (r2d * r2d) + k3d * (r2d * r2d * r2d) + (p1d * u64 + p2d * v64)
                u_next_d = (dx64 - p1d * r2d) / scale_d
                v64 = (dy64 - p2d * r2d) / scale_d
                u64 = u_next_d
        uv2 = u64 * u64 + v64 * v64

    # ---- loop over hypotheses ---------------------------------------------------------------
    best_e = tl.full([BLOCK_N, BLOCK_J], float("inf"), tl.float32)
    best_f = tl.full([BLOCK_N], float("inf"), tl.float32)
    best_ij = tl.zeros([BLOCK_N, BLOCK_J], tl.int32)
    best_if = tl.zeros([BLOCK_N], tl.int32)
    sx = tl.zeros([BLOCK_N, BLOCK_J], tl.float32)
    sy = tl.zeros([BLOCK_N, BLOCK_J], tl.float32)
    sz = tl.zeros([BLOCK_N, BLOCK_J], tl.float32)
    hyp_base = hyp_ptr + n64[:, None] * s_hn + jj * s_hj
    err_base = err_ptr + n64[:, None] * H * J + jj
    t_out = t_out_ptr + n64 * H * 3
    # H is constexpr: triton 3.6's interpreter int()s a runtime loop bound's 1-element array, which
    # numpy >= 2.4 refuses (triton 3.9 squeezes it first)
    for h in range(0, H):
        hp = hyp_base + h * s_hh
        x = tl.load(hp, mask=nj_ok, other=0.0).to(tl.float32)
        y = tl.load(hp + s_hc, mask=nj_ok, other=0.0).to(tl.float32)
        z = tl.load(hp + 2 * s_hc, mask=nj_ok, other=0.0).to(tl.float32)
        if SOLVE:
            # camera.solve_root_translation: weighted 3x3 normal equations, relative ridge, fp64
            fin = (x == x) & (y == y) & (z == z)
            fin = fin & (tl.abs(x) < float("inf")) & (tl.abs(y) < float("inf")) & (tl.abs(z) < float("inf"))
            ok = kp_fin & fin
            w = tl.where(ok, w_solve, 0.0).to(tl.float64)
            xd = tl.where(ok, x, 0.0).to(tl.float64)
            yd = tl.where(ok, y, 0.0).to(tl.float64)
            zd = tl.where(ok, z, 0.0).to(tl.float64)
            bx = u64 * zd - xd
            by = v64 * zd - yd
            s = tl.sum(w, axis=1)
            su = tl.sum(w * u64, axis=1)
            sv = tl.sum(w * v64, axis=1)
            q = tl.sum(w * uv2, axis=1)
            r1 = tl.sum(w * bx, axis=1)
            r2_ = tl.sum(w * by, axis=1)
            r3 = -tl.sum(w * (u64 * bx + v64 * by), axis=1)
            trace = 2.0 * s + q
            lam = ridge * tl.where(trace < 1.0, 1.0, trace)
            a = s + lam  # M = [[a, 0, -su], [0, a, -sv], [-su, -sv, e]]
            e = q + lam
            tz_d = (a * r3 + su * r1 + sv * r2_) / (a * e - su * su - sv * sv)
            tx = ((r1 + su * tz_d) / a).to(tl.float32)
            ty = ((r2_ + sv * tz_d) / a).to(tl.float32)
            tz = tz_d.to(tl.float32)
        else:
            tp = t_in_ptr + n64 * s_tn + h * s_th
            tx = tl.load(tp, mask=n_ok, other=0.0).to(tl.float32)
            ty = tl.load(tp + s_tc, mask=n_ok, other=0.0).to(tl.float32)
            tz = tl.load(tp + 2 * s_tc, mask=n_ok, other=0.0).to(tl.float32)
        tl.store(t_out + h * 3, tx, mask=n_ok)
        tl.store(t_out + h * 3 + 1, ty, mask=n_ok)
        tl.store(t_out + h * 3 + 2, tz, mask=n_ok)

        # camera.project (fp32) and the per-joint pixel error
        pz = z + tz[:, None]
        pz = tl.where(pz < depth_eps, depth_eps, pz)  # clamp_min, NaN passes through
        xn = tl.div_rn(x + tx[:, None], pz)  # IEEE division like torch (plain / is approximate on GPUs)
        yn = tl.div_rn(y + ty[:, None], pz)
        r2p = xn * xn + yn * yn
        radial = 1.0 + k1_ * r2p + k2_ * (r2p * r2p) + k3_ * (r2p * r2p * r2p)
        factor = radial + (p1_ * xn + p2_ * yn)
        du = fx_ * (xn * factor + p1_ * r2p) + cx_ - kx
        dv = fy_ * (yn * factor + p2_ * r2p) + cy_ - ky
        raw = tl.sqrt_rn(du * du + dv * dv)
        # a zero weight (missing, masked or padded joint) drops the joint even where raw overflowed
        frame_err = tl.div_rn(tl.sum(tl.where(w_err != 0, raw * w_err, 0.0), axis=1), err_den)
        err = tl.where(err_valid, raw, frame_err[:, None])
        tl.store(err_base + h * J, err, mask=nj_ok)

        # running selection; ties keep the first hypothesis and a NaN wins (torch.argmin)
        if MODE == 0:
            take = (err < best_e) | ((err != err) & (best_e == best_e)) | (h == 0)
            best_e = tl.where(take, err, best_e)
            best_ij = tl.where(take, h, best_ij)
            sx = tl.where(take, x, sx)
            sy = tl.where(take, y, sy)
            sz = tl.where(take, z, sz)
        elif MODE == 1:
            take_f = (frame_err < best_f) | ((frame_err != frame_err) & (best_f == best_f)) | (h == 0)
            best_f = tl.where(take_f, frame_err, best_f)
            best_if = tl.where(take_f, h, best_if)
            sx = tl.where(take_f[:, None], x, sx)
            sy = tl.where(take_f[:, None], y, sy)
            sz = tl.where(take_f[:, None], z, sz)
        else:
            sx += x
            sy += y
            sz += z

    if MODE == 2:
        sx = sx / H
        sy = sy / H
        sz = sz / H
    sel = sel_ptr + (n64[:, None] * J + jj) * 3
    out_ty = sel_ptr.dtype.element_ty
    tl.store(sel, sx.to(out_ty), mask=nj_ok)
    tl.store(sel + 1, sy.to(out_ty), mask=nj_ok)
    tl.store(sel + 2, sz.to(out_ty), mask=nj_ok)
    if MODE == 0:
        tl.store(idx_ptr + n64[:, None] * J + jj, best_ij.to(tl.int64), mask=nj_ok)
    elif MODE == 1:
        tl.store(idx_ptr + n64, best_if.to(tl.int64), mask=n_ok)


_KERNELS: dict[bool, object] = {}


def interpreter_enabled() -> bool:
    """Whether ``TRITON_INTERPRET=1`` is set now (Triton then runs kernels on the CPU with numpy, slowly)."""
    return bool(triton.knobs.runtime.interpret)


def _configs(interpret: bool) -> list:
    if interpret:  # the interpreter cannot benchmark configs (no GPU driver): exactly one
        return [triton.Config({"BLOCK_N": BLOCK_N_INTERPRETER}, num_warps=1)]
    # The default layout spreads the 32 padded joints over a warp's lanes, so a thread holds
    # BLOCK_N / num_warps frames; one or two per thread keeps it at 66-156 registers on sm_90
    # (four per thread needs ~250 and spills), checked with ptxas.
    return [
        triton.Config({"BLOCK_N": block_n}, num_warps=warps)
        for block_n, warps in ((4, 4), (8, 4), (8, 8), (16, 8), (16, 16))
    ]


def _kernel(interpret: bool):
    """The autotuned kernel for the current interpreter mode (built once per mode)."""
    if interpret not in _KERNELS:
        jitted = triton.jit(_reproject_select_kernel)
        _KERNELS[interpret] = triton.autotune(
            configs=_configs(interpret), key=["n_bucket", "H", "J", "MODE", "SOLVE", "HAS_MASK"]
        )(jitted)
    return _KERNELS[interpret]


def _check(hypotheses, keypoints_2d, intrinsics, mode, mask, translation):
    if mode not in MODE_CODES:
        raise ValueError(f"mode must be one of {tuple(MODE_CODES)}, got {mode!r}")
    if hypotheses.dim() != 4 or hypotheses.shape[-1] != 3:
        raise ValueError(f"hypotheses must be [N, H, J, 3], got {tuple(hypotheses.shape)}")
    n, h, j, _ = hypotheses.shape
    if tuple(keypoints_2d.shape) != (n, j, 2):
        raise ValueError(f"keypoints_2d must be [N, J, 2] = {(n, j, 2)}, got {tuple(keypoints_2d.shape)}")
    if (
        intrinsics.shape[-1] != 9
        or intrinsics.dim() > 2
        or (intrinsics.dim() == 2 and intrinsics.shape[0] not in (1, n))
    ):
        raise ValueError(f"intrinsics must be [N, 9] = {(n, 9)} or [9], got {tuple(intrinsics.shape)}")
    tensors = {"keypoints_2d": keypoints_2d, "intrinsics": intrinsics, "mask": mask, "translation": translation}
    for name, t in tensors.items():
        if t is not None and t.device != hypotheses.device:
            raise ValueError(f"{name} is on {t.device} but hypotheses are on {hypotheses.device}")
    for name, t in (("hypotheses", hypotheses), ("keypoints_2d", keypoints_2d), ("intrinsics", intrinsics)):
        if not t.dtype.is_floating_point:
            raise ValueError(f"{name} must be a floating-point tensor, got {t.dtype}")
    if h < 1:
        raise ValueError("hypotheses must hold at least one hypothesis (H >= 1)")
    if not hypotheses.is_cuda and not interpreter_enabled():
        raise triton_needs_cuda(hypotheses.device)
    if not hypotheses.is_cuda and hypotheses.dtype == torch.bfloat16:
        raise ValueError("bfloat16 is not supported by the Triton interpreter; use fp32 or fp16 on CPU")


def reproject_select_triton(
    hypotheses: torch.Tensor,
    keypoints_2d: torch.Tensor,
    intrinsics: torch.Tensor,
    mode: str = "joint",
    mask: torch.Tensor | None = None,
    translation: torch.Tensor | None = None,
    out: tuple | None = None,
):
    """Launch the fused kernel (one launch, no host synchronisation).

    Args:
        hypotheses: ``[N, H, J, 3]`` root-relative 3D (fp32/fp16; bf16 on CUDA), any length unit.
        keypoints_2d: ``[N, J, 2]`` pixels, NaN = missing.
        intrinsics: ``[N, 9]`` or ``[9]`` pixel intrinsics ``[fx, fy, cx, cy, k1, k2, k3, p1, p2]``.
        mode: "joint", "frame" or "mean" (see :func:`posynda.hypotheses.reproject_select`).
        mask: ``[N, J]`` (or broadcastable) bool/float joint weights; None = all ones.
        translation: ``[N, H, 3]`` (or broadcastable) root translations in the hypotheses' unit;
            solved when None.
        out: optional preallocated contiguous outputs ``(selected, index, error, translation)``
            (``index`` None for mode "mean"); the tests pass NaN-poisoned buffers to catch
            elements the kernel does not write.

    Returns:
        ``(selected [N, J, 3] input dtype, index int64 [N, J] | [N] | None, error fp32 [N, H, J]
        pixels, translation fp32 [N, H, 3] hypotheses' unit)``.
    """
    _check(hypotheses, keypoints_2d, intrinsics, mode, mask, translation)
    n, h, j, _ = hypotheses.shape
    device = hypotheses.device
    if out is None:
        selected = torch.empty((n, j, 3), dtype=hypotheses.dtype, device=device)
        index = {"joint": (n, j), "frame": (n,), "mean": None}[mode]
        index = None if index is None else torch.empty(index, dtype=torch.int64, device=device)
        error = torch.empty((n, h, j), dtype=torch.float32, device=device)
        t_out = torch.empty((n, h, 3), dtype=torch.float32, device=device)
    else:
        selected, index, error, t_out = out
        if (index is None) != (mode == "mean"):
            raise ValueError("out: index must be None exactly for mode 'mean'")
        outs = [selected, error, t_out] + ([] if index is None else [index])
        if not all(o.is_contiguous() and o.device == device for o in outs):
            raise ValueError("out tensors must be contiguous and on the hypotheses' device")
    if n == 0 or j == 0:
        return selected, index, error, t_out

    cam = intrinsics.expand(n, 9)
    has_mask = mask is not None
    if has_mask:
        mask = mask.expand(n, j)
        if mask.dtype == torch.bool:
            mask = mask.view(torch.uint8)
    else:
        mask = keypoints_2d  # any pointer; never read
    solve = translation is None
    t_in = t_out if solve else translation.expand(n, h, 3)
    block_j = max(triton.next_power_of_2(j), 2)
    kernel = _kernel(interpreter_enabled())

    def grid(meta):
        return (triton.cdiv(n, meta["BLOCK_N"]),)

    with torch.cuda.device(device) if device.type == "cuda" else contextlib.nullcontext():
        kernel[grid](
            hypotheses,
            keypoints_2d,
            cam,
            mask,
            t_in,
            selected,
            index if index is not None else selected,
            error,
            t_out,
            n,
            h,
            j,
            max(n - 1, 1).bit_length(),
            *hypotheses.stride(),
            *keypoints_2d.stride(),
            *cam.stride(),
            *(mask.stride() if has_mask else (0, 0)),
            *t_in.stride(),
            RIDGE,
            DEPTH_EPS,
            MODE=MODE_CODES[mode],
            SOLVE=solve,
            HAS_MASK=has_mask,
            ITERS32=UNDISTORT_ITERATIONS - UNDISTORT_ITERATIONS_FP64,
            ITERS64=UNDISTORT_ITERATIONS_FP64,
            BLOCK_J=block_j,
            enable_fp_fusion=True,  # multiply-adds may become FMAs (explicit: Triton 3.10 changes the default)
        )
    return selected, index, error, t_out
