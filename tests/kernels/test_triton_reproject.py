"""The Triton reproject_select kernel against the PyTorch reference and an independent NumPy float64 model.

On CPU the kernel runs in Triton's interpreter (``TRITON_INTERPRET=1``). Triton reads that variable
when it decorates a function, and it decorates its own library (``tl.sum``'s combine function, ...)
when triton is imported, so the variable has to be set before the first ``import triton`` of the
process. Setting it in this pytest process could break any later in-process triton user, so the
interpreted kernel runs in one worker subprocess per module (started once, fed case by case).

Every output the worker returns was written into NaN / -1 poisoned buffers, so an element the kernel
forgets to write fails the comparison. On a CUDA machine the ``gpu`` tests also run the compiled
kernel against the reference.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from posynda.hypotheses import reproject_select
from posynda.kernels.triton_support import triton_available

# checked without importing triton: this process must not need it (the interpreter runs in a worker)
pytestmark = pytest.mark.skipif(not triton_available(), reason="triton is not installed (pip install 'posynda[dev]')")

ROOT = Path(__file__).resolve().parents[2]
K_DISTORTED = np.array([1145.0, 1143.8, 512.5, 515.4, -0.207, 0.247, -0.003, -0.0009, -0.0012])
RIDGE = 1e-9
RTOL = 1e-5

_WORKER = r"""
import io, os, struct, sys
protocol = os.fdopen(os.dup(1), "wb")
os.dup2(2, 1)  # anything printed goes to stderr, stdout carries the protocol only
import torch
from posynda.kernels.triton_reproject import reproject_select_triton

def read():
    head = sys.stdin.buffer.read(8)
    if len(head) < 8:
        return None
    return torch.load(io.BytesIO(sys.stdin.buffer.read(struct.unpack("<Q", head)[0])), weights_only=True)

def write(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    protocol.write(struct.pack("<Q", len(buf.getvalue())) + buf.getvalue())
    protocol.flush()

while (request := read()) is not None:
    try:
        write({"result": reproject_select_triton(**request)})
    except Exception as exc:
        write({"error": f"{type(exc).__name__}: {exc}"})
"""


class InterpreterWorker:
    """A subprocess with ``TRITON_INTERPRET=1`` that runs ``reproject_select_triton`` on request."""

    def __init__(self):
        env = dict(os.environ, TRITON_INTERPRET="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=ROOT
        )

    def __call__(self, **request):
        buf = io.BytesIO()
        torch.save(request, buf)
        self.proc.stdin.write(struct.pack("<Q", len(buf.getvalue())) + buf.getvalue())
        self.proc.stdin.flush()
        head = self.proc.stdout.read(8)
        if len(head) < 8:
            raise RuntimeError(f"interpreter worker died (exit code {self.proc.wait(timeout=30)}); see its stderr")
        reply = torch.load(io.BytesIO(self.proc.stdout.read(struct.unpack("<Q", head)[0])), weights_only=True)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply["result"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def interpreted():
    worker = InterpreterWorker()
    yield worker
    worker.close()


# ------------------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    name: str
    n: int
    h: int
    j: int
    mode: str
    dtype: torch.dtype = torch.float32
    cameras: str = "frame"  # "frame": [N, 9]; "shared": [9]; "mixed": [N, 9], half without distortion
    distortion: bool = True
    mask: str | None = "bool"  # None, "bool" or "float" (confidences, some 0)
    missing: bool = True  # NaN keypoints
    translation: str = "solve"  # "solve", "given" ([N, H, 3]) or "broadcast" ([N, 1, 3] expanded over H)
    degenerate: bool = False  # frames without valid joints, with only 2 or 3, with every joint masked

    def __str__(self):
        return self.name


CASES = [
    Case("joint-J17-H3", 37, 3, 17, "joint"),
    Case("joint-J13-H5-shared-pinhole", 37, 5, 13, "joint", cameras="shared", distortion=False, mask=None),
    Case("joint-J17-H1-fp16-float-mask", 37, 1, 17, "joint", torch.float16, "shared", mask="float", missing=False),
    Case("joint-J13-H5-fp16-given-t", 37, 5, 13, "joint", torch.float16, mask="float", translation="given"),
    Case("joint-J17-H5-mixed-cameras-degenerate", 37, 5, 17, "joint", cameras="mixed", degenerate=True),
    Case("frame-J17-H5-float-mask", 37, 5, 17, "frame", mask="float"),
    Case("frame-J13-H3-fp16-given-t", 37, 3, 13, "frame", torch.float16, "shared", translation="given"),
    Case("frame-J17-H3-pinhole-degenerate", 21, 3, 17, "frame", distortion=False, mask="float", degenerate=True),
    Case("mean-J17-H5-fp16", 37, 5, 17, "mean", torch.float16),
    Case("mean-J13-H1-broadcast-t", 37, 1, 13, "mean", cameras="shared", distortion=False, translation="broadcast"),
]


def _project_np(points, cam):
    """Human3.6M model, float64: points [..., J, 3], cam [..., 9] broadcast over J."""
    f, c, k, p = (cam[..., None, s] for s in (slice(0, 2), slice(2, 4), slice(4, 7), slice(7, 9)))
    xy = points[..., :2] / np.maximum(points[..., 2:3], 1e-6)
    r2 = (xy**2).sum(-1, keepdims=True)
    radial = 1 + k[..., 0:1] * r2 + k[..., 1:2] * r2**2 + k[..., 2:3] * r2**3
    tangential = (p * xy).sum(-1, keepdims=True)
    return f * (xy * (radial + tangential) + p * r2) + c


def make_inputs(case: Case, seed: int = 0) -> dict:
    """Random frames of a random skeleton (metres) seen by H36M-like cameras, with noisy hypotheses."""
    rng = np.random.default_rng(seed)
    n, h, j = case.n, case.h, case.j
    truth = rng.normal(size=(n, j, 3)) * 0.25
    truth[:, 0] = 0
    root = np.stack([rng.uniform(-0.5, 0.5, n), rng.uniform(-0.3, 0.3, n), rng.uniform(3.0, 6.0, n)], -1)
    cam = np.tile(K_DISTORTED, (n, 1))
    cam[:, 0:2] *= rng.uniform(0.9, 1.1, (n, 1))
    cam[:, 2:4] += rng.normal(size=(n, 2)) * 10
    cam[:, 4:9] *= rng.uniform(0.5, 1.5, (n, 5))
    if not case.distortion:
        cam[:, 4:9] = 0
    if case.cameras == "mixed":
        cam[::2, 4:9] = 0
    if case.cameras == "shared":
        cam = np.tile(cam[0], (n, 1))
    kp = _project_np(truth + root[:, None], cam) + rng.normal(size=(n, j, 2)) * 2.0
    hyp = truth[:, None] + rng.normal(size=(n, h, j, 3)) * rng.uniform(0.01, 0.08, (1, h, 1, 1))
    hyp[:, :, 0] = 0
    if case.missing:
        kp[rng.random((n, j)) < 0.1] = np.nan
    mask = None
    if case.mask == "bool":
        mask = rng.random((n, j)) > 0.15
    elif case.mask == "float":
        mask = np.where(rng.random((n, j)) < 0.1, 0.0, rng.uniform(0.2, 1.0, (n, j)))
    if case.degenerate:
        kp[0] = np.nan  # no valid joint: translation 0, errors 0, the first hypothesis
        kp[1, 2:] = np.nan  # two valid joints: 4 equations for 3 unknowns
        kp[2, 3:] = np.nan
        if mask is None:
            mask = np.ones((n, j), bool)
        mask[3] = 0  # every joint masked out
        hyp[4, 0, 5] = (3.0, 3.0, -9.0)  # a masked joint far behind the camera: its projection overflows fp32
        mask[4, 5] = 0
    out = {
        "hypotheses": torch.from_numpy(hyp).to(case.dtype),
        "keypoints_2d": torch.from_numpy(kp).float(),
        "intrinsics": torch.from_numpy(np.ascontiguousarray(cam[0] if case.cameras == "shared" else cam)).float(),
        "mode": case.mode,
        "mask": None if mask is None else torch.from_numpy(mask).to(torch.bool if case.mask == "bool" else torch.float),
        "translation": None,
    }
    if case.translation == "given":
        out["translation"] = torch.from_numpy(root[:, None] + rng.normal(size=(n, h, 3)) * 0.02).float()
    elif case.translation == "broadcast":
        out["translation"] = torch.from_numpy(root[:, None]).float().expand(n, h, 3)
    return out


def poisoned_outputs(case: Case):
    n, h, j = case.n, case.h, case.j
    index = {"joint": (n, j), "frame": (n,), "mean": None}[case.mode]
    return (
        torch.full((n, j, 3), float("nan"), dtype=case.dtype),
        None if index is None else torch.full(index, -1, dtype=torch.int64),
        torch.full((n, h, j), float("nan")),
        torch.full((n, h, 3), float("nan")),
    )


# ------------------------------------------------------------------ independent float64 model
def numpy_reproject_select(hypotheses, keypoints_2d, intrinsics, mode, mask, translation):
    """reproject_select from the math, float64: returns (selected, index, error, translation, frame_error)."""
    hyp = hypotheses.double().numpy()
    kp = keypoints_2d.double().numpy()
    n, h, j, _ = hyp.shape
    cam = np.broadcast_to(intrinsics.double().numpy(), (n, 9))
    seen = np.isfinite(kp).all(-1)
    weight = seen * (1.0 if mask is None else mask.double().numpy())  # [N, J]
    kp0 = np.where(seen[..., None], kp, 0.0)
    if translation is None:
        # undistort: fixed-point inversion of the distortion, 20 iterations
        f, c, k, p = cam[:, None, 0:2], cam[:, None, 2:4], cam[:, None, 4:7], cam[:, None, 7:9]
        distorted = (kp0 - c) / f
        xy = distorted.copy()
        for _ in range(20):
            r2 = (xy**2).sum(-1, keepdims=True)
            scale = 1 + k[..., 0:1] * r2 + k[..., 1:2] * r2**2 + k[..., 2:3] * r2**3 + (p * xy).sum(-1, keepdims=True)
            xy = (distorted - p * r2) / scale
        # per joint: [1, 0, -u] t = u Z - X and [0, 1, -v] t = v Z - Y; weighted least squares + relative ridge
        u, v = np.broadcast_to(xy[:, None, :, 0], (n, h, j)), np.broadcast_to(xy[:, None, :, 1], (n, h, j))
        rows = np.zeros((n, h, j, 2, 3))
        rows[..., 0, 0] = rows[..., 1, 1] = 1
        rows[..., 0, 2], rows[..., 1, 2] = -u, -v
        rhs = np.stack([u * hyp[..., 2] - hyp[..., 0], v * hyp[..., 2] - hyp[..., 1]], -1)
        ok = seen[:, None] & np.isfinite(hyp).all(-1)
        w = np.where(ok, np.clip(np.nan_to_num(weight), 0, None)[:, None], 0.0)
        rows, rhs = np.where(ok[..., None, None], rows, 0), np.where(ok[..., None], rhs, 0)
        normal = np.einsum("nhj,nhjra,nhjrb->nhab", w, rows, rows)
        lam = RIDGE * np.maximum(np.trace(normal, axis1=-2, axis2=-1), 1.0)
        normal = normal + lam[..., None, None] * np.eye(3)
        translation = np.linalg.solve(normal, np.einsum("nhj,nhjra,nhjr->nha", w, rows, rhs)[..., None])[..., 0]
    else:
        translation = np.broadcast_to(translation.double().numpy(), (n, h, 3))
    projected = _project_np(hyp + translation[:, :, None], cam[:, None])
    raw = np.linalg.norm(projected - kp0[:, None], axis=-1)  # [N, H, J]
    wh = np.broadcast_to(weight[:, None], (n, h, j))
    frame = np.where(wh != 0, raw * wh, 0).sum(-1) / np.maximum(wh.sum(-1), 1e-12)
    error = np.where(wh > 0, raw, frame[..., None])
    if mode == "joint":
        index = error.argmin(1)
        selected = np.take_along_axis(hyp, index[:, None, :, None], 1)[:, 0]
    elif mode == "frame":
        index = frame.argmin(1)
        selected = hyp[np.arange(n), index]
    else:
        index, selected = None, hyp.mean(1)
    return selected, index, error, translation, frame


def _decided(scores: np.ndarray, rtol: float, atol: float = 0.0) -> np.ndarray:
    """Where the best score over axis 1 beats the runner-up clearly (or ties exactly): not a near-tie."""
    if scores.shape[1] == 1:
        return np.ones(scores[:, 0].shape, bool)
    best, second = np.sort(scores, axis=1)[:, 0], np.sort(scores, axis=1)[:, 1]
    gap = second - best
    return (gap == 0) | (gap > rtol * np.abs(best) + atol)


def _frame_error(error: torch.Tensor, inputs: dict) -> np.ndarray:
    """The masked mean error per (frame, hypothesis), recovered from the error output (mean over valid joints)."""
    kp, mask = inputs["keypoints_2d"], inputs["mask"]
    w = torch.isfinite(kp).all(-1).double() * (1.0 if mask is None else mask.double())
    e = error.double()
    return ((e * w[:, None]).sum(-1) / w.sum(-1).clamp_min(1e-12)[:, None]).numpy()


def assert_matches(actual, expected, inputs, case, *, err_atol, t_atol, tie_atol=0.0, t_rtol=RTOL):
    """Compare (selected, index, error, translation) of two implementations, excluding near-ties."""
    a_sel, a_idx, a_err, a_t = (x if x is None or isinstance(x, np.ndarray) else x.double().numpy() for x in actual)
    e_sel, e_idx, e_err, e_t = (x if x is None or isinstance(x, np.ndarray) else x.double().numpy() for x in expected)
    np.testing.assert_allclose(a_t, e_t, rtol=t_rtol, atol=t_atol, err_msg="translation")
    np.testing.assert_allclose(a_err, e_err, rtol=RTOL, atol=err_atol, err_msg="error")
    if case.mode == "mean":
        assert a_idx is None and e_idx is None
        tol = dict(rtol=1e-3, atol=1e-3) if case.dtype == torch.float16 else dict(rtol=RTOL, atol=1e-7)
        np.testing.assert_allclose(a_sel, e_sel, **tol, err_msg="selected (mean)")
        return
    scores = e_err if case.mode == "joint" else _frame_error(torch.from_numpy(e_err), inputs)
    decided = _decided(scores, 1e-4, tie_atol)
    assert decided.mean() > 0.9, "too many near-ties for a meaningful test"
    np.testing.assert_array_equal(a_idx[decided], e_idx[decided], err_msg="index")
    sel_decided = decided if case.mode == "joint" else np.broadcast_to(decided[:, None], a_sel.shape[:2])
    np.testing.assert_allclose(a_sel[sel_decided], e_sel[sel_decided], rtol=RTOL, atol=1e-7, err_msg="selected")


# ------------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("case", CASES, ids=str)
def test_interpreted_kernel_matches_reference_and_numpy(case, interpreted):
    inputs = make_inputs(case)
    out = interpreted(**inputs, out=poisoned_outputs(case))
    selected, index, error, translation = out
    assert selected.dtype == case.dtype and selected.shape == (case.n, case.j, 3)
    assert error.dtype == torch.float32 and error.shape == (case.n, case.h, case.j)
    assert translation.dtype == torch.float32 and translation.shape == (case.n, case.h, 3)
    # nothing left poisoned: every element was written
    assert torch.isfinite(selected).all() and torch.isfinite(error).all() and torch.isfinite(translation).all()
    if index is not None:
        assert index.dtype == torch.int64 and ((index >= 0) & (index < case.h)).all()

    reference = reproject_select(**inputs, backend="torch")
    # the fp64 solve and the fp64 end of the undistortion reproduce the reference's translation to fp32 rounding
    assert_matches(out, reference, inputs, case, err_atol=5e-5, t_atol=1e-7, t_rtol=1e-6)

    model = numpy_reproject_select(**inputs)
    # fp32 projection of ~500 px coordinates and an fp32 translation: ~1e-4 px of rounding
    assert_matches(out, model[:4], inputs, case, err_atol=2e-3, t_atol=2e-6, tie_atol=2e-3)
    assert_matches(reference, model[:4], inputs, case, err_atol=2e-3, t_atol=2e-6, tie_atol=2e-3)
    if case.degenerate:
        torch.testing.assert_close(translation[0], torch.zeros(case.h, 3))
        torch.testing.assert_close(error[0], torch.zeros(case.h, case.j))


def test_interpreted_kernel_allocates_its_outputs(interpreted):
    case = CASES[0]
    inputs = make_inputs(case, seed=3)
    selected, index, error, translation = interpreted(**inputs)
    reference = reproject_select(**inputs, backend="torch")
    assert_matches((selected, index, error, translation), reference, inputs, case, err_atol=1e-4, t_atol=1e-6)


def test_interpreted_kernel_rejects_bad_input(interpreted):
    inputs = make_inputs(CASES[0])
    with pytest.raises(RuntimeError, match="keypoints_2d must be"):
        interpreted(**{**inputs, "keypoints_2d": inputs["keypoints_2d"][:, :5]})
    with pytest.raises(RuntimeError, match="mode must be"):
        interpreted(**{**inputs, "mode": "pose"})


# ------------------------------------------------------------------------------ GPU only
@pytest.mark.gpu
@pytest.mark.parametrize("case", CASES, ids=str)
def test_cuda_kernel_matches_reference(case):
    inputs = make_inputs(case, seed=1)
    on_gpu = {k: v.cuda() if isinstance(v, torch.Tensor) else v for k, v in inputs.items()}
    out = reproject_select(**on_gpu, backend="triton")
    out = tuple(None if x is None else x.cpu() for x in out)
    reference = reproject_select(**inputs, backend="torch")  # on the CPU
    # the GPU contracts multiply-adds into FMAs: a few ulp of ~500 px coordinates
    assert_matches(out, reference, inputs, case, err_atol=1e-3, t_atol=2e-6, tie_atol=1e-3)


@pytest.mark.gpu
def test_cuda_kernel_is_one_launch_without_host_sync():
    case = Case("large", 4099, 5, 17, "joint", torch.float16)
    inputs = {k: v.cuda() if isinstance(v, torch.Tensor) else v for k, v in make_inputs(case).items()}
    reproject_select(**inputs, backend="triton")  # autotune outside the capture
    torch.cuda.synchronize()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        reproject_select(**inputs, backend="triton")
        torch.cuda.synchronize()
    kernels = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    assert len(kernels) == 1, [e.name for e in kernels]
    graph = torch.cuda.CUDAGraph()  # capture fails on any host synchronisation
    with torch.cuda.graph(graph):
        captured = reproject_select(**inputs, backend="triton")
    graph.replay()
    torch.cuda.synchronize()
    expected = reproject_select(**inputs, backend="triton")
    assert torch.equal(captured[1], expected[1]) and torch.equal(captured[2], expected[2])
