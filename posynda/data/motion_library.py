"""The real motion that ships with posynda, filmed as a labelled source: the default training data's second half.

The embedded ``studio`` domain's motion is procedural (:mod:`posynda.data.synth`): walking, reaching, squatting,
waving, a stylised jump and kick. People on real footage leap, lunge and swing their arms in ways it does not
hold. The 20 DeepMimic clips of ``posynda/assets/motions/deepmimic`` (motion capture; zlib, from
``pybullet_data``: walk, run, jump, kick, spin-kick, punch, spin, dance, cartwheel, backflip, roll, crawl, get up,
walking turns; 42 s in all) are read by :mod:`posynda.data.deepmimic`, resampled to 50 frames/s and, ``draws``
times each, put on the bone lengths of one of the studio subjects (drawn at random; each bone keeps its
direction, the lowest ankle its height) and seen by a fresh draw of the studio's four cameras
(:func:`posynda.data.rigs.studio_cameras`, moved back as far as the take needs). Retargeted, the clips teach
motion without teaching the DeepMimic humanoid's one body (narrow hips, a long neck).

Measured (docs/realvideo.md, "Real motion in the training data"; the ``cpu`` recipe, 6000 steps, seed 0, on
studio/train alone -> with these clips, 3 draws, 23 % of the frames; MPJPE / P-MPJPE, mm): Pose2Sim's real video
as ``lift --video`` 121.3 / 79.3 -> 116.9 / 74.9; Bandai's real motion capture (validation split) from its exact 2D
116.5 / 75.6 -> 110.5 / 74.7, but the same filmed as mannequin footage and detected 151.4 / 105.3 -> 160.2 / 113.9;
the procedural studio/test 42.8 -> 45.8.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from posynda.data.clips import ClipSet
from posynda.data.convert.arrays import assemble
from posynda.data.deepmimic import read_deepmimic
from posynda.data.render import filmed, recentre, resample_at, studio_views
from posynda.errors import InputError
from posynda.skeleton import bone_lengths, with_bone_lengths

LIBRARY_VERSION = 1  # bump when the clips or the way they are filmed change (the cache key)
DRAWS = 3  # subjects and camera rigs per clip
FPS = 50.0  # the studio domain's frame rate
_ANKLES = (3, 6)


def motion_files() -> list[Path]:
    """The shipped DeepMimic motion files, in a fixed order."""
    folder = Path(str(resources.files("posynda.assets"))) / "motions" / "deepmimic"
    files = sorted(folder.glob("*.txt")) + sorted((folder / "walker").glob("*.txt"))
    return [f for f in files if f.name != "LICENSE.txt"]


def subject_bones(studio: ClipSet) -> np.ndarray:
    """``[S, 16]`` metres: each sequence's median bone lengths (the studio subjects' skeletons)."""
    if not studio.has_3d:
        raise InputError("the studio clips have no 'joints_3d' (the subjects' bone lengths come from them)")
    return np.stack([np.median(bone_lengths(studio.joints_3d[frames] / 1000.0), axis=0)
                     for _, frames in studio.iter_sequences()])  # fmt: skip


def on_bones(take: np.ndarray, bones: np.ndarray) -> np.ndarray:
    """``take [F, 17, 3]`` (m, y up) on the bone lengths ``bones [16]``, its lowest ankle kept at its height."""
    out = with_bone_lengths(take, bones)
    out[..., 1] += take[:, _ANKLES, 1].min() - out[:, _ANKLES, 1].min()
    return out


def motion_clips(studio: ClipSet, draws: int = DRAWS, seed: int = 0) -> ClipSet:
    """The shipped motion filmed as the studio domain (module docstring): ``draws`` subjects and rigs per clip,
    named ``motion/<clip>.d<draw>.cam<k>``; ``joints_3d`` camera-frame mm, exact 2D; deterministic by ``seed``."""
    if draws < 1:
        raise InputError(f"draws must be >= 1, got {draws}", parameter="draws")
    subjects = subject_bones(studio)
    rng = np.random.default_rng([int(seed), 0xD33F])
    seqs = []
    for path in motion_files():
        motion = read_deepmimic(path)
        world = recentre(resample_at(motion.positions_m, motion.times_s, FPS))
        for draw in range(draws):
            take = on_bones(world, subjects[rng.integers(len(subjects))])
            views = studio_views(take, rng)
            seqs += [filmed(take, cam, f"motion/{path.stem}.d{draw}.cam{k}", FPS) for k, cam in enumerate(views)]
    return assemble(seqs, "the motion library")
