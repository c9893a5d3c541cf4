"""Write the committed seed corpus of the libFuzzer harnesses (corpus/README.md describes each file).

    python libposynda/fuzz/make_corpus.py DIR/denoiser.onnx     # DIR from `posynda export --out DIR`

Seeds are small: the shipped model's metadata and crafted variants (metadata/), .npy files numpy writes and
the crash inputs of the audit as regression inputs (npy/), and hand-written inputs of the lift harness's
layout (lift/, the layout is in fuzz_lift.cpp). Re-running it rewrites the same files.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


def metadata_seeds(model: Path) -> dict[str, str]:
    import onnx

    props = {p.key: p.value for p in onnx.load(str(model)).metadata_props}
    keep = ("window_frames", "canonical_focal", "denoiser", "scheduler", "root_joint", "flip_permutation", "parents",
            "joint_orders", "graph", "precision", "posynda_version")  # fmt: skip
    base = {k: props[k] for k in keep if k in props}
    base["denoiser"] = json.dumps({"joints": json.loads(base["denoiser"])["joints"]})

    def text(props_: dict[str, str]) -> str:
        return "".join(f"{k}={v}\n" for k, v in props_.items())

    sched = json.loads(base["scheduler"])
    seeds = {
        "shipped": text(base),
        "sampler": text(
            {**base, "graph": "sampler", "sampler_steps": "5", "sampler_hypotheses": "5", "sampler_flip": "true"}
        ),  # fmt: skip
        # the audit's model file: accepted before, refused now
        "regression-window-100000000": text({**base, "window_frames": "100000000"}),
        "scheduler-bounds": text(
            {
                **base,
                "scheduler": json.dumps(
                    {**sched, "num_train_timesteps": 4294967298, "eta": 1e-300, "clip_sample": 100.0}
                ),
            }
        ),
        "short-schedule": text({**base, "scheduler": json.dumps({**sched, "num_train_timesteps": 2, "cosine_s": 1})}),
        "window-padded": text({**base, "window_frames": " +2048 "}),
    }
    return seeds


def npy(header: str, data: bytes = b"", version: int = 1, header_len: int | None = None) -> bytes:
    h = header.encode("latin1")
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    n = len(h) if header_len is None else header_len
    length = struct.pack("<H", n) if version == 1 else struct.pack("<I", n)
    return b"\x93NUMPY" + bytes([version, 0]) + length + h + data


def npy_seeds() -> dict[str, bytes]:
    shape = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }"
    floats = struct.pack("<34f", *[500.0 + i for i in range(34)])
    return {
        "keypoints-2x17x2.npy": npy(shape % "(2, 17, 2)", floats * 2),
        "confidence-3x17.npy": npy(shape % "(3, 17)", struct.pack("<51f", *[0.5] * 51)),
        "vector-v2.npy": npy(shape % "(4,)", struct.pack("<4f", 1, 2, 3, 4), version=2),
        "scalar-v3.npy": npy(shape % "()", struct.pack("<f", 7), version=3),
        # regression inputs of the audit: a crash (139), an abort (134), a 4.2 GB allocation, a 13.6 GB one
        "regression-shape-wraps-int64.npy": npy(shape % f"({(2**64 + 16) // 17}, 17, 2)", b"\0" * 128),
        "regression-shape-overflows-int64.npy": npy(shape % "(542551296285575048, 17, 2)", b"\0" * 128),
        "regression-product-overflows.npy": npy(shape % "(4611686018427387904, 17, 2)", b"\0" * 64),
        "regression-27-byte-header.npy": b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFF0) + b"{'descr': '<f4'",
        "regression-huge-array-tiny-file.npy": npy(shape % "(100000000, 17, 2)", b"\0" * 64),
        "regression-zero-joints-huge-frames.npy": npy(shape % "(1000000000000000, 0, 2)"),
    }


def lift_input(flags: int, h=1, k=1, batch=64, stride=0, aggregate=1, flip=1, seed=0, width=1000, height=1000,
               intrinsics=(1000, 1000, 500, 500, 0, 0, 0, 0, 0), order=0, joints=17, sizes=(0, 0, 0), lied=0,
               frames=30, pixels=None, scores=None, roots=None, sequence=None) -> bytes:  # fmt: skip
    """One input of fuzz_lift's layout; ``roots``: (root_window_s, fps) and ``sequence`` (the noise's), the fields
    appended last (what comes before them is then written too: the scores 0.9 each, since the harness reads them
    whatever the flags say; the roots (0.5, 0) before a sequence)."""
    out = struct.pack("<B5iBQ2i9f2i3IqB", flags, h, k, batch, stride, aggregate, flip, seed, width, height,
                      *intrinsics, order, joints, *sizes, lied, frames - 1)  # fmt: skip
    pixels = pixels or [int((500 + 3 * (j % 17) + f) * 16) for f in range(frames) for j in range(34)]
    out += struct.pack(f"<{len(pixels)}H", *pixels)
    if roots is None and sequence is not None:
        roots = (0.5, 0.0)
    if scores is None and roots is not None:
        scores = [225] * (frames * 17)
    if scores is not None:
        out += bytes(scores)
    if roots is not None:
        out += struct.pack("<2d", *roots)
    if sequence is not None:
        out += struct.pack("<I", sequence)
    return out


def lift_seeds() -> dict[str, bytes]:
    frames = 30
    scores = [225] * (frames * 17)
    inf_conf = list(scores)
    inf_conf[10 * 17 + 3] = 252  # +inf confidence: all-NaN poses with POSYNDA_OK before (the audit)
    inf_kp = [int((500 + f) * 16) for f in range(frames) for _ in range(34)]
    inf_kp[12 * 34 + 5] = 0xFFFE
    gaps = [0xFFFF if (f + j) % 7 == 0 else int((400 + j + f) * 16) for f in range(frames) for j in range(34)]
    return {
        "lift-h36m": lift_input(0),
        "lift-coco-confidence": lift_input(2 | 8, order=1, h=2, k=2, aggregate=2, scores=scores),
        "stream-h36m": lift_input(1, stride=5),
        "stream-gaps": lift_input(1 | 2, pixels=gaps, scores=scores),
        "regression-stream-inf-confidence": lift_input(1 | 2, scores=inf_conf),
        "regression-lift-inf-confidence": lift_input(2, scores=inf_conf),
        "regression-stream-inf-keypoint": lift_input(1, pixels=inf_kp),
        "lift-short": lift_input(0, frames=5),
        "lift-refused-settings": lift_input(0, h=101, k=0, batch=5000, stride=-1, width=40000),
        "lift-lied-frames": lift_input(16, lied=2**62),
        "lift-bad-struct-size": lift_input(0, sizes=(4, 0, 7)),
        "lift-root-window": lift_input(2, roots=(0.5, 30.0)),
        "lift-refused-root-window": lift_input(0, roots=(10.5, 2000.0)),
        # first-version settings and sequence (40 bytes each on 64-bit): the window and fps beyond them, unread
        "lift-first-version-structs": lift_input(0, sizes=(40, 0, 40), roots=(-1.0, -1.0)),
        "stream-root-window": lift_input(1, roots=(2.0, 0.0)),
        "lift-sequence": lift_input(2, sequence=7),
        "stream-last-sequence": lift_input(1, sequence=2**32 - 1),
        # second-version settings (48 bytes: the root window, not the sequence): the sequence beyond it, unread
        "lift-second-version-settings": lift_input(0, sizes=(48, 0, 0), sequence=3),
    }


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, text in metadata_seeds(Path(sys.argv[1])).items():
        (CORPUS / "metadata").mkdir(parents=True, exist_ok=True)
        (CORPUS / "metadata" / name).write_text(text)
    for folder, seeds in (("npy", npy_seeds()), ("lift", lift_seeds())):
        (CORPUS / folder).mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (CORPUS / folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
