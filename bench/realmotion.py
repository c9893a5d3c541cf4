"""The real-motion development benchmark: Bandai-Namco-Research-Motiondataset-1 as a cross-domain pair.

Optical motion capture of real actors (BVH, 30 fps, CC BY-NC 4.0: the files and everything
rendered from them stay outside the project -- the clip files are written under the cache,
``$POSYNDA_CACHE/bandai-v1/``, never into the repository):

* **source** (labelled, Human3.6M-like): the locomotion takes (walk, walk-back, walk-left,
  walk-right, run, dash) in the 4-camera ``studio`` rig, cut into 2 s segments;
  ``source-train`` (11 styles) and ``source-test`` (the styles ``SOURCE_TEST_STYLES``), the
  in-domain test.
* **target** (3DHP / in-the-wild-like): gestures, fighting and dance (bow, bye, byebye, guide,
  respond, call, kick, punch, slash, dance-short), one random ``wild`` camera per 4 s segment;
  ``target-train`` (its 2D is all adaptation sees; its 3D only trains the oracle),
  ``target-val`` (every choice of method and settings is made on it) and ``target-test`` (scored
  once per adopted default). Splits by style, and by take for the one-style contents.

Exact 2D (the projection of the mocap); H36M-17 by the ``bandai`` mapping of
:mod:`posynda.data.mocap`; 50 fps.
"""

from __future__ import annotations

import re
from pathlib import Path

from posynda.data.clips import load_clips, save_clips
from posynda.data.render import render_motions
from posynda.errors import InputError
from posynda.fileio import cache_dir
from posynda.report import action_of as generic_action_of

SUITE_VERSION = 1
LOCOMOTION = ("walk", "walk-back", "walk-left", "walk-right", "run", "dash")
GESTURES = ("bow", "bye", "byebye", "guide", "respond", "call", "kick", "punch", "slash", "dance-short")
SOURCE_TEST_STYLES = ("tired", "giant", "childish")
TARGET_VAL_STYLES = ("old", "feminine")
TARGET_TEST_STYLES = ("sad", "angry", "chimpira")
# contents with the normal style only: the second take is held out
TARGET_VAL_TAKES = ("call_normal_002",)
TARGET_TEST_TAKES = ("punch_normal_002", "slash_normal_002")
SPLITS = ("source-train", "source-test", "target-train", "target-val", "target-test")
_NAME = re.compile(r"^dataset-1_(?P<content>[a-z-]+)_(?P<style>[a-z-]+)_(?P<take>\d+)$")


def split_of(stem: str) -> str | None:
    """The split of a Bandai Namco take ``dataset-1_{content}_{style}_{id}``, or None (not used)."""
    match = _NAME.match(stem)
    if not match:
        return None
    content, style = match["content"], match["style"]
    take = f"{content}_{style}_{match['take']}"
    if content in LOCOMOTION:
        return "source-test" if style in SOURCE_TEST_STYLES else "source-train"
    if content in GESTURES:
        if style in TARGET_TEST_STYLES or take in TARGET_TEST_TAKES:
            return "target-test"
        if style in TARGET_VAL_STYLES or take in TARGET_VAL_TAKES:
            return "target-val"
        return "target-train"
    return None


def suite_files(folder: str | Path, out: str | Path | None = None, log=print) -> dict[str, Path]:
    """Render (once; cached) the five splits from the dataset ``folder`` (the one holding ``data/``):
    ``{split: clip file}``."""
    folder = Path(folder)
    data = folder / "data" if (folder / "data").is_dir() else folder
    takes: dict[str, list[Path]] = {s: [] for s in SPLITS}
    for path in sorted(data.glob("*.bvh")):
        split = split_of(path.stem)
        if split:
            takes[split].append(path)
    empty = [s for s, paths in takes.items() if not paths]
    if empty:
        raise InputError(f"{folder}: no Bandai-Namco-Research-Motiondataset-1 BVH takes for {empty}")
    root = Path(out) if out else cache_dir() / f"bandai-v{SUITE_VERSION}"
    files = {}
    for k, (split, paths) in enumerate(takes.items()):
        path = root / f"{split}.npz"
        if not path.is_file():
            studio = split.startswith("source")
            clips, report = render_motions(
                paths,
                "studio" if studio else "wild",
                mapping="bandai",
                fps=50.0,
                segment_s=2.0 if studio else 4.0,
                seed=k,
            )
            save_clips(path, clips)
            log(
                f"rendered {split}: {len(paths)} takes, {clips.num_sequences} sequences, {clips.num_frames} frames"
                + (f", {report.skipped_segments} segments skipped" if report.skipped_segments else "")
            )
        files[split] = path
    return files


def action_of(name: str) -> str:
    """The action of a sequence name: the content of a Bandai take, else
    :func:`posynda.report.action_of` (``S9/Walking 1.54138969`` -> ``Walking``)."""
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0]
    match = _NAME.match(stem)
    return match["content"] if match else generic_action_of(name)


def load_suite(files: dict[str, Path]):
    """``{split: ClipSet}`` of :func:`suite_files`."""
    return {split: load_clips(path) for split, path in files.items()}
