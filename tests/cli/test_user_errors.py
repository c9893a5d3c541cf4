"""Every user error is one line and exit code 2, found before the work it would spoil, and leaves no empty run
folder: bad output places, inputs that would exhaust the parser or memory, out-of-range settings, and optional
stacks that are not installed (each names the extra that installs it)."""

import io
import json
import sys
import zipfile

import numpy as np
import pytest

from posynda.data import save_clips
from posynda.extras import EXTRAS
from tests.helpers.cli import error_lines, run
from tests.helpers.clips import make_clips


@pytest.fixture
def work(in_tmp):
    """A folder (the working directory) with a clip file, a plain file and the crafted inputs of the table."""
    save_clips(in_tmp / "kp.npz", make_clips((30,)).without_3d())
    (in_tmp / "a-file").write_text("not a folder\n")
    (in_tmp / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (in_tmp / "long-number.json").write_text('[{"keypoints": [' + "9" * 1_000_000 + "]}]")
    _write_crafted_npz(in_tmp / "huge.npz")
    _write_deep_bvh(in_tmp / "deep.bvh", depth=5000)
    return in_tmp


def _write_crafted_npz(path):
    """A 300-byte .npz whose header declares a [2e9, 17, 2] float32 array."""
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2, 17, 2), np.float32))
    raw = buffer.getvalue()
    header = raw[:128].decode("latin1").replace("(2, 17, 2)", "(2000000000, 17, 2)")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("keypoints_2d.npy", header[:127].ljust(127).encode("latin1") + b"\n" + raw[128:])


def _write_deep_bvh(path, depth: int):
    """A BVH file whose joints form one chain ``depth`` joints long."""
    lines = ["HIERARCHY", "ROOT Hips", "{", "OFFSET 0 0 0", "CHANNELS 3 Xposition Yposition Zposition"]
    for i in range(depth):
        lines += [f"JOINT J{i}", "{", "OFFSET 0 1 0", "CHANNELS 1 Zrotation"]
    lines += ["}"] * (depth + 1) + ["MOTION", "Frames: 1", "Frame Time: 0.02", " ".join(["0"] * (3 + depth))]
    path.write_text("\n".join(lines))


CASES = [
    # (name, command line, what the one line says)
    ("out-under-a-file", ["lift", "--input", "kp.npz", "--out", "a-file/poses.json"], "a-file is a file, not a folder"),
    ("out-is-a-folder", ["lift", "--input", "kp.npz", "--out", "."], "is a directory"),
    ("viz-under-a-file", ["lift", "--input", "kp.npz", "--viz", "a-file/sheet.png"], "is a file, not a folder"),
    ("json-under-a-file", ["eval", "--json", "a-file/m.json"], "is a file, not a folder"),
    ("detect-out-under-a-file", ["detect", "kp.npz", "--out", "a-file/kp.json"], "is a file, not a folder"),
    ("export-out-is-a-file", ["export", "--out", "a-file"], "'a-file' is a file"),
    ("adapt-out-under-a-file", ["adapt", "--out", "a-file/run", "--steps", "1"], "is a file, not a folder"),
    ("synth-out-under-a-file", ["data", "synth", "--domain", "wild", "--split", "test", "--out", "a-file/w.npz"],
     "is a file, not a folder"),
    ("deeply-nested-json", ["lift", "--input", "deep.json", "--out", "p.json"], "nested too deeply"),
    ("million-digit-number", ["lift", "--input", "long-number.json", "--image-size", "1000x1000", "--out", "p.json"],
     "not a readable JSON keypoint file"),
    ("npz-header-declares-huge-array", ["lift", "--input", "huge.npz", "--out", "p.json"], "declares shape"),
    ("deep-bvh-chain", ["data", "render", "--bvh", "deep.bvh", "--out", "r.npz"], "nests joints more than 256 deep"),
    ("image-size-too-large", ["lift", "--input", "kp.npz", "--image-size", "99999999x99999999"], "at most 32768"),
    ("image-size-zero", ["lift", "--input", "kp.npz", "--image-size", "0x5"], "expected WxH"),
    ("lr-nan", ["adapt", "--lr", "nan", "--steps", "2", "--out", "run-nan"], "lr must be a finite number"),
    ("sampling-steps-zero", ["adapt", "--sampling-steps", "0", "--steps", "2", "--out", "run-k0"],
     "--sampling-steps must be in [1, 1000]"),
    ("lift-K-5000", ["lift", "--input", "kp.npz", "-K", "5000"], "steps must be in [1, 1000]"),
    ("lift-H-0", ["lift", "--input", "kp.npz", "-H", "0"], "hypotheses must be in [1, 100]"),
    ("threads-zero", ["lift", "--input", "kp.npz", "--threads", "0"], "--threads"),
    ("fps-zero", ["lift", "--input", "kp.npz", "--fps", "0"], "--fps"),
    ("calibrate-missing", ["export", "--int8", "--calibrate", "nope.json", "--out", "exp"], "nope.json: no such"),
]  # fmt: skip


@pytest.mark.parametrize("args, needle", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_user_error_is_one_line_exit_2_and_leaves_nothing(work, args, needle):
    before = sorted(p.name for p in work.iterdir())
    result = run(args, catch=True)
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    assert len(lines) == 1 and needle in lines[0], result.output
    assert sorted(p.name for p in work.iterdir()) == before  # no run folder, no output, no runs/


MISSING = [
    # (module made missing, command line, extra named)
    ("onnx", ["export", "--out", "exp"], "export"),
    ("onnxruntime", ["lift", "--model", "model.onnx", "--input", "kp.npz"], "export"),
    ("peft", ["adapt", "--lora", "--steps", "2", "--out", "run"], "adapt"),
    ("matplotlib", ["lift", "--input", "kp.npz", "--viz", "sheet.png"], "viz"),
    ("mediapipe", ["lift", "--video", "clip.mp4"], "video"),
]


@pytest.mark.parametrize("module, args, extra", MISSING, ids=[m[0] for m in MISSING])
def test_a_missing_optional_stack_names_its_extra(work, monkeypatch, module, args, extra):
    assert EXTRAS[module][0] == extra
    (work / "model.onnx").write_bytes(b"not read: onnxruntime is missing")
    (work / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # `import module` fails as if it were not installed
    before = sorted(p.name for p in work.iterdir())
    result = run(args, catch=True)
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    assert len(lines) == 1 and f"pip install 'posynda[{extra}]'" in lines[0], result.output
    assert sorted(p.name for p in work.iterdir()) == before


def test_a_default_run_folder_is_removed_when_the_command_fails(work):
    """eval makes runs/eval-<time>/ before it scores; a failure inside leaves no empty folder."""
    (work / "bad.npz").write_bytes(b"PK\x03\x04 truncated")
    result = run(["eval", "--data", "bad.npz"], catch=True)
    assert result.exit_code == 2
    assert not (work / "runs").exists() or list((work / "runs").iterdir()) == []


def test_an_export_replaces_another_models_artefacts(work):
    out = work / "deploy"
    out.mkdir()
    for stale in ("sampler.onnx", "denoiser_int8.onnx", "denoiser.engine", "denoiser.engine.json"):
        (out / stale).write_bytes(b"another model's file")
    (out / "timing.cache").write_bytes(b"the GPU's tactic timings")
    result = run(["export", "--out", out], catch=True)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["denoiser.onnx", "export.json", "timing.cache"]
    assert set(json.loads((out / "export.json").read_text())["files"]) == {"denoiser.onnx"}


PAYLOADS = [
    # (name, command line with {p} = the payload file, how the file is made)
    ("lift-videopose3d", ["lift", "--input", "{p}", "--out", "p.json"], "npz"),
    ("adapt-target", ["adapt", "--target", "{p}", "--steps", "1", "--out", "run"], "npz"),
    ("detect", ["detect", "{p}", "--out", "kp.json"], "npz"),
    ("convert-h36m", ["data", "convert", "--from", "h36m", "--input", "{p}", "--out", "c.npz"], "npz"),
    ("convert-3dhp", ["data", "convert", "--from", "3dhp", "--input", "{p}", "--out", "c.npz"], "npz"),
    ("convert-3dpw", ["data", "convert", "--from", "3dpw", "--input", "{p}", "--out", "c.npz"], "npz"),
    ("convert-3dpw-bare-pickle", ["data", "convert", "--from", "3dpw", "--input", "{p}", "--out", "c.npz"], "pickle"),
    ("convert-h36m-bare-pickle", ["data", "convert", "--from", "h36m", "--input", "{p}", "--out", "c.npz"], "pickle"),
]


@pytest.mark.parametrize("args, kind", [c[1:] for c in PAYLOADS], ids=[c[0] for c in PAYLOADS])
def test_a_file_that_would_run_code_is_refused_and_runs_nothing(work, args, kind):
    import pickle

    from tests.helpers.pickles import RunsCode

    marker = work / "marker"
    path = work / "payload.npz"
    if kind == "pickle":
        path.write_bytes(pickle.dumps({"imgname": RunsCode(marker)}))
    else:  # every key a layout reads holds the call, so whichever the reader opens first refuses it
        box = np.empty((), dtype=object)
        box[()] = {"hook": RunsCode(marker)}
        np.savez(path, positions_2d=box, metadata=box, positions_3d=box, data=box, imgname=box, part=box)
    before = sorted(p.name for p in work.iterdir())
    result = run([a.format(p=path) for a in args], catch=True)
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    assert len(lines) == 1 and ("nothing was run" in lines[0] or "never read" in lines[0]), result.output
    assert not marker.exists()
    assert sorted(p.name for p in work.iterdir()) == before


def _edited_onnx(source, path, **props):
    """The shipped denoiser graph with ``props`` replacing (or, with None, removing) metadata entries."""
    import onnx

    proto = onnx.load(str(source))
    kept = {p.key: p.value for p in proto.metadata_props}
    kept.update({k: v for k, v in props.items() if v is not None})
    for key in [k for k, v in props.items() if v is None]:
        kept.pop(key, None)
    del proto.metadata_props[:]
    for key, value in kept.items():
        proto.metadata_props.add(key=key, value=value)
    onnx.save(proto, str(path))
    return path


def _edited_checkpoint(path, config=None, diffusion=None, half=False):
    """The shipped checkpoint with its denoiser / diffusion metadata replaced, or every tensor stored as fp16."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    from posynda.defaults import shipped_checkpoint

    with safe_open(str(shipped_checkpoint()), framework="pt") as handle:
        meta = dict(handle.metadata())
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}
    if half:
        tensors = {k: v.half() if v.is_floating_point() else v for k, v in tensors.items()}
    for key, change in (("denoiser", config), ("diffusion", diffusion)):
        if change:
            meta[key] = json.dumps({**json.loads(meta[key]), **change})
    save_file(tensors, str(path), metadata=meta)
    return path


MODEL_FILES = [
    # (name, how the file is made (folder, shipped export) -> path, option, what the one line says)
    ("onnx-window-1e8", lambda w, e: _edited_onnx(e / "denoiser.onnx", w / "m.onnx", window_frames="100000000"),
     "metadata 'window_frames' must be in [1, 2048], got 100000000"),
    ("onnx-window-text", lambda w, e: _edited_onnx(e / "denoiser.onnx", w / "m.onnx", window_frames="27abc"),
     "metadata 'window_frames' must be an integer"),
    ("onnx-one-timestep", lambda w, e: _edited_onnx(
        e / "denoiser.onnx", w / "m.onnx", scheduler=json.dumps({"num_train_timesteps": 1, "cosine_s": 0.008,
                                                                 "eta": 1.0, "clip_sample": 1.1})),
     "scheduler num_train_timesteps must be an integer in [2, 100000], got 1"),
    ("onnx-eta-5", lambda w, e: _edited_onnx(
        e / "denoiser.onnx", w / "m.onnx", scheduler=json.dumps({"num_train_timesteps": 1000, "cosine_s": 0.008,
                                                                 "eta": 5.0, "clip_sample": 1.1})),
     "scheduler eta must be in [0, 1], got 5.0"),
    ("onnx-no-window", lambda w, e: _edited_onnx(e / "denoiser.onnx", w / "m.onnx", window_frames=None),
     "not a posynda export"),
    ("checkpoint-frames-1e8", lambda w, e: _edited_checkpoint(w / "m.safetensors", config={"frames": 100_000_000}),
     "denoiser frames must be an integer in [1, 2048], got 100000000"),
    ("checkpoint-dim-huge", lambda w, e: _edited_checkpoint(w / "m.safetensors", config={"dim": 10**7}),
     "denoiser dim must be an integer in [1, 8192]"),
    ("checkpoint-fp16-tensors", lambda w, e: _edited_checkpoint(w / "m.safetensors", half=True), "expected F32"),
    ("checkpoint-eta-nan", lambda w, e: _edited_checkpoint(w / "m.safetensors", diffusion={"eta": float("nan")}),
     "scheduler eta must be in [0, 1]"),
]  # fmt: skip


@pytest.mark.parametrize("make, needle", [c[1:] for c in MODEL_FILES], ids=[c[0] for c in MODEL_FILES])
def test_a_model_file_out_of_bounds_is_refused_before_it_is_used(work, shipped_export, make, needle):
    model = make(work, shipped_export)
    before = sorted(p.name for p in work.iterdir())
    result = run(["lift", "--model", model, "--input", "kp.npz", "--out", "p.json"], catch=True)
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    assert len(lines) == 1 and needle in lines[0], result.output
    assert sorted(p.name for p in work.iterdir()) == before
