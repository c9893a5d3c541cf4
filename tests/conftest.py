"""Shared fixtures: small hand-made clip sets (independent of the synthetic generator), the micro
denoiser, its checkpoint, a CLI runner, and a results folder for the benches."""

import dataclasses
import os
import signal

from posynda.threads import prepare_openmp, use_threads

prepare_openmp()  # the tests compute as the command line does: a short OpenMP spin, set before torch loads

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from posynda import camera  # noqa: E402
from posynda.bench.results import RESULTS_ENV, machine_slug  # noqa: E402
from posynda.checkpoint import Checkpoint, save_checkpoint  # noqa: E402
from posynda.cli import main  # noqa: E402
from posynda.data import FORMAT, ClipSet  # noqa: E402
from posynda.diffusion import SchedulerConfig  # noqa: E402
from posynda.models import DenoiserConfig, build_denoiser  # noqa: E402

# Library code called with device="auto" stays on the CPU in the tests, so CPU-exact comparisons hold on a
# GPU machine too; CUDA tests ask for "cuda" explicitly and carry the `gpu` marker.
os.environ["POSYNDA_DEVICE"] = "cpu"
use_threads(None)  # and with as many threads as cores are idle now (posynda.threads)

INTRINSICS = np.array([1145.0, 1145.0, 500.0, 500.0, 0, 0, 0, 0, 0], np.float32)
# The smallest MixSTE: T = 9, one spatial + one temporal block of width 32.
MICRO = DenoiserConfig(arch="mixste", frames=9, dim=32, depth=1, heads=2, drop_path=0.0)
PNG = b"\x89PNG\r\n\x1a\n"


def make_clips(lengths=(40, 25), seed=0, with_3d=True) -> ClipSet:
    """Sequences of a jittering random pose walking in front of a 1000x1000 camera (mm)."""
    rng = np.random.default_rng(seed)
    kp, j3d, seq = [], [], []
    for s, n in enumerate(lengths):
        base = rng.normal(size=(17, 3)) * 250.0
        base[0] = 0
        motion = np.cumsum(rng.normal(size=(n, 17, 3)) * 5.0, axis=0)
        motion[:, 0] = 0
        rel = base + motion
        root = np.array([0.0, 0.0, 5000.0]) + np.linspace(0, 1, n)[:, None] * np.array([300.0, 0, 200.0])
        pose = rel + root[:, None]
        j3d.append(pose)
        kp.append(camera.project(pose, INTRINSICS.astype(np.float64)))
        seq.append(np.full(n, s))
    s_count = len(lengths)
    return ClipSet(
        keypoints_2d=np.concatenate(kp).astype(np.float32),
        seq_index=np.concatenate(seq).astype(np.int32),
        camera=np.tile(INTRINSICS, (s_count, 1)),
        image_size=np.tile(np.array([1000, 1000], np.int32), (s_count, 1)),
        joints_3d=np.concatenate(j3d).astype(np.float32) if with_3d else None,
        seq_name=np.array([f"seq{i}" for i in range(s_count)]),
    )


def write_raw(path, clips: ClipSet, **overrides):
    """Write ``clips`` as an npz without validation; ``overrides`` replace (or, with None, drop) keys."""
    arrays = {"format": np.array(FORMAT)}
    arrays.update(
        {f.name: getattr(clips, f.name) for f in dataclasses.fields(ClipSet) if getattr(clips, f.name) is not None}
    )
    for key, value in overrides.items():
        if value is None:
            arrays.pop(key, None)
        else:
            arrays[key] = value
    np.savez(path, **arrays)


def micro_checkpoint(config: DenoiserConfig = MICRO, seed: int = 0) -> Checkpoint:
    """An in-memory checkpoint of ``config`` with seeded random weights."""
    torch.manual_seed(seed)
    return Checkpoint(model=build_denoiser(config).eval(), config=config, diffusion=SchedulerConfig())


def run(args, catch: bool = False):
    """``posynda ARGS`` through click's runner (exceptions propagate unless ``catch``)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=catch)


def ctrl_c_on_call(fn, call: int):
    """``fn`` wrapped to send this process a SIGINT (Ctrl-C) during its ``call``-th call (1-based),
    the way a user presses it in the middle of a training step."""
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:  # to the main thread itself: handled now, not whenever another thread gets it
            signal.raise_signal(signal.SIGINT)
        return fn(*args, **kwargs)

    return wrapped


def markdown_rows(text: str) -> list[list[str]]:
    """The cells of every row of the Markdown tables in ``text`` (alignment rows left out), stripped."""
    rows = [line.strip().strip("|").split("|") for line in text.splitlines() if line.strip().startswith("|")]
    return [[c.strip() for c in row] for row in rows if not all(set(c.strip()) <= set(":-") for c in row)]


def error_lines(result) -> list[str]:
    """The ``posynda: error: ...`` lines of a CLI result."""
    return [line for line in result.output.splitlines() if line.startswith("posynda: error")]


# The session's export of the shipped model (denoiser.onnx + sampler.onnx with these K, H, flip).
SAMPLER_STEPS, SAMPLER_HYPOTHESES, SAMPLER_FLIP = 2, 2, True


@pytest.fixture(scope="session")
def shipped_export(tmp_path_factory):
    """The shipped model exported once per session: ``denoiser.onnx`` and ``sampler.onnx`` in a folder."""
    pytest.importorskip("onnxruntime")
    from posynda.defaults import shipped_checkpoint
    from posynda.export.exporter import ExportOptions, run_export

    out = tmp_path_factory.mktemp("shipped-export")
    options = ExportOptions(sampler=True, steps=SAMPLER_STEPS, hypotheses=SAMPLER_HYPOTHESES, flip=SAMPLER_FLIP)
    run_export(shipped_checkpoint(), out, options=options, log=lambda _msg: None)
    return out


# A machine that can run TensorRT engines, as the sidecar check sees it.
TRT_ENV = {"tensorrt_version": "10.13.0.35", "gpu_name": "NVIDIA A10", "gpu_sm": "8.6", "cuda_version": "12.9"}


@pytest.fixture
def fake_engine(tmp_path):
    """A plan-shaped file + sidecar as `posynda export --trt` writes them (no TensorRT needed), built on TRT_ENV."""
    import json

    from posynda.export.tensorrt_build import write_sidecar

    meta = {"window_frames": "27", "denoiser": json.dumps({"joints": 17}), "scheduler": json.dumps({"eta": 1.0})}
    (tmp_path / "denoiser.onnx").write_bytes(b"onnx bytes")
    engine = tmp_path / "denoiser.engine"
    engine.write_bytes(b"not a real plan")
    write_sidecar(engine, tmp_path / "denoiser.onnx", TRT_ENV, precision="fp32", batch=(1, 4, 8), frames=27, joints=17,
                  metadata=meta)  # fmt: skip
    return engine


@pytest.fixture
def clips() -> ClipSet:
    return make_clips()


@pytest.fixture
def micro_file(tmp_path):
    """The micro denoiser saved as a checkpoint file."""
    model = micro_checkpoint()
    return save_checkpoint(tmp_path / "micro.safetensors", model.model, MICRO, model.diffusion)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in ``tmp_path`` (run directories land under ``tmp_path/runs``)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def results(in_tmp, monkeypatch):
    """Work in tmp_path; ``--save`` writes under ``tmp_path/results/<machine>/``."""
    monkeypatch.setenv(RESULTS_ENV, str(in_tmp / "results"))
    return in_tmp / "results" / machine_slug()


# ------------------------------------------------------------------------------------ BVH files
def _humanoid(spine, arms_on: str, arm, leg, head_end=None):
    """``[(name, parent, offset cm, end site)]`` of a small y-up humanoid, parents first: the
    ``spine`` chain on the hips (its last joint carries ``head_end``), both arms on ``arms_on``,
    both legs on the hips; ``arm(side)`` / ``leg(side)`` give a side's chain, mirrored in x."""
    joints = [("Hips", -1, (0, 95, 0), None)]
    for name, off in spine:
        joints.append((name, len(joints) - 1, off, None))
    name, parent, off, _ = joints[-1]
    joints[-1] = (name, parent, off, head_end)
    for side, sign in (("L", 1), ("R", -1)):
        for chain, start in ((arm(side), [j[0] for j in joints].index(arms_on)), (leg(side), 0)):
            parent = start
            for name, off in chain:
                joints.append((name, parent, (off[0] * sign, off[1], off[2]), None))
                parent = len(joints) - 1
    return joints


def bvh_skeleton(kind: str):
    """A BVH joint list with the names of preset ``kind`` (bandai, cmu, mixamo)."""
    if kind == "bandai":
        spine = [("Spine", (0, 15, 0)), ("Chest", (0, 9, 0)), ("Neck", (0, 16, 0)), ("Head", (0, 6.5, 0))]
        arm = lambda s: [
            (f"Shoulder_{s}", (5, 13, 0)),
            (f"UpperArm_{s}", (5, 0, 0)),
            (f"LowerArm_{s}", (24, 0, 0)),
            (f"Hand_{s}", (22, 0, 0)),
        ]
        leg = lambda s: [(f"UpperLeg_{s}", (9, -6, 0)), (f"LowerLeg_{s}", (0, -39, 0)), (f"Foot_{s}", (0, -41, 0))]
        # Bandai Namco's convention: bones along the joints' local x, the root turned +90 deg about z
        # (bvh_motion adds it), so that local x is world up -- the mapping's head rules rely on it.
        return [(n, p, (o[1], -o[0], o[2]), e) for n, p, o, e in _humanoid(spine, "Chest", arm, leg)]
    side = {"L": "Left", "R": "Right"}
    arm = lambda s: [
        (f"{side[s]}Shoulder", (5, 13, 0)),
        (f"{side[s]}Arm", (12, 0, 0)),
        (f"{side[s]}ForeArm", (26, 0, 0)),
        (f"{side[s]}Hand", (24, 0, 0)),
    ]
    leg = lambda s: [(f"{side[s]}UpLeg", (9, -6, 0)), (f"{side[s]}Leg", (0, -40, 0)), (f"{side[s]}Foot", (0, -42, 0))]
    if kind == "cmu":
        spine = [
            ("LowerBack", (0, 2, 0)),
            ("Spine", (0, 12, 0)),
            ("Spine1", (0, 12, 0)),
            ("Neck", (0, 16, 0)),
            ("Neck1", (0, 4, 0)),
            ("Head", (0, 5, 0)),
        ]
        return _humanoid(spine, "Spine1", arm, leg, head_end=(0, 18, 0))
    spine = [
        ("Spine", (0, 10, 0)),
        ("Spine1", (0, 12, 0)),
        ("Spine2", (0, 10, 0)),
        ("Neck", (0, 8, 0)),
        ("Head", (0, 8, 0)),
        ("HeadTop_End", (0, 18, 0)),
    ]
    return [("mixamorig:" + n, p, o, e) for n, p, o, e in _humanoid(spine, "Spine2", arm, leg)]


def bvh_text(joints, motion: np.ndarray, frame_time: float = 1 / 30) -> str:
    """A BVH file: the root has 6 channels (position + ZXY rotation), the others 3 (ZXY rotation);
    ``motion [F, 3 + 3 J]``."""
    children = {i: [k for k, j in enumerate(joints) if j[1] == i] for i in range(len(joints))}
    lines = ["HIERARCHY"]

    def emit(i, depth):
        name, parent, offset, end = joints[i]
        pad = "  " * depth
        lines.append(f"{pad}{'ROOT' if parent < 0 else 'JOINT'} {name}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET {offset[0]} {offset[1]} {offset[2]}")
        chans = "6 Xposition Yposition Zposition" if parent < 0 else "3"
        lines.append(f"{pad}  CHANNELS {chans} Zrotation Xrotation Yrotation")
        for c in children[i]:
            emit(c, depth + 1)
        if end is not None or not children[i]:
            e = end or (0, 0, 0)
            lines.extend([f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET {e[0]} {e[1]} {e[2]}", f"{pad}  }}"])
        lines.append(f"{pad}}}")

    emit(0, 0)
    lines += ["MOTION", f"Frames: {len(motion)}", f"Frame Time: {frame_time}"]
    lines += [" ".join(f"{v:.5f}" for v in row) for row in motion]
    return "\n".join(lines) + "\n"


def bvh_motion(
    joints, frames: int = 30, seed: int = 0, walk_cm_per_frame: float = 2.0, root_z_deg: float = 0.0
) -> np.ndarray:
    """Smooth random joint angles (degrees) and a root walking along z, ``[F, 3 + 3 J]``; the root's
    Z rotation is offset by ``root_z_deg``."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, frames)[:, None]
    angles = 15 * np.sin(2 * np.pi * (t * rng.uniform(0.5, 1.5, 3 * len(joints)) + rng.uniform(0, 1, 3 * len(joints))))
    root = np.stack([np.zeros(frames), np.full(frames, 95.0), np.arange(frames) * walk_cm_per_frame], 1)
    angles[:, 0] += root_z_deg
    return np.concatenate([root, angles], 1)


def write_bvh(path, kind: str = "bandai", frames: int = 30, seed: int = 0, frame_time: float = 1 / 30):
    """Write a small BVH take with the joint names of preset ``kind``; returns the path."""
    joints = bvh_skeleton(kind)
    motion = bvh_motion(joints, frames, seed, root_z_deg=90.0 if kind == "bandai" else 0.0)
    path.write_text(bvh_text(joints, motion, frame_time))
    return path


# ------------------------------------------------------------------------------------ video files
VIDEO_SIZE = (320, 240)  # small, even (H.264); BlazePose still finds the mannequin at 60 % of the height


def mannequin_motion(frames: int = 24) -> np.ndarray:
    """``[frames, 17, 3]`` camera-frame mm: the first frames of the embedded wild/test's first sequence."""
    from posynda.data import load_clips
    from posynda.defaults import default_clips_path

    clips = load_clips(default_clips_path("wild", "test"))
    return clips.joints_3d[:frames].astype(np.float64)


def film_mannequin(path, frames: int = 24, size=VIDEO_SIZE, fps: float = 25.0, blank=(0, 0)):
    """Film :func:`mannequin_motion` as a mannequin video at ``path``; ``blank = (first, last)`` frames replace
    the person by the empty background at either end. Returns ``(true 2D [frames, 17, 2] px, intrinsics [9])``."""
    from posynda.data.footage import BACKGROUND, framing_camera, render_mannequin
    from posynda.data.video import write_video

    joints = mannequin_motion(frames)
    cam = framing_camera(joints, size)
    empty = np.full((size[1], size[0], 3), BACKGROUND, np.uint8)
    pictures = [
        empty if t < blank[0] or t >= frames - blank[1] else frame
        for t, frame in enumerate(render_mannequin(joints, cam, size))
    ]
    write_video(path, pictures, fps, size)
    return camera.project(joints, cam.astype(np.float64)), cam


def film_astronaut(path, frames: int = 6, fps: float = 25.0):
    """A short video of scikit-image's bundled photograph of astronaut Eileen Collins (512x512, head to
    waist), panning a few pixels a frame; skips the test without scikit-image."""
    data = pytest.importorskip("skimage.data")
    from posynda.data.video import write_video

    image = data.astronaut()
    write_video(path, [np.roll(image, 3 * t, axis=1) for t in range(frames)], fps, (512, 512))
    return path


def needs_blazepose():
    """Skip without mediapipe (the [video] extra; no wheel for Python >= 3.13)."""
    pytest.importorskip("mediapipe")
