"""The shipped real motion filmed as the studio domain: retargeted onto the studio subjects, deterministic."""

import numpy as np
import pytest

from posynda import camera
from posynda.data import motion_library
from posynda.errors import InputError
from posynda.skeleton import bone_lengths
from tests.helpers.clips import make_clips


@pytest.fixture(scope="module")
def filmed():
    studio = make_clips((30, 30), seed=4)
    return studio, motion_library.motion_clips(studio, draws=1)


def test_every_clip_is_seen_by_four_studio_cameras_at_50_fps(filmed):
    _, clips = filmed
    names = list(clips.sequence_names())
    assert len(names) == 4 * len(motion_library.motion_files()) == 80
    assert names[0] == "motion/humanoid3d_backflip.d0.cam0" and np.all(clips.fps == 50.0)
    for s, frames in clips.iter_sequences():
        projected = camera.project(clips.joints_3d[frames].astype(np.float64), clips.camera[s].astype(np.float64))
        np.testing.assert_allclose(clips.keypoints_2d[frames], projected, atol=0.05)
        assert clips.joints_3d[frames][..., 2].min() > 2000.0  # in front of the camera, metres away


def test_each_take_wears_one_studio_subjects_bones(filmed):
    studio, clips = filmed
    subjects = motion_library.subject_bones(studio) * 1000.0
    for _, frames in clips.iter_sequences():
        bones = bone_lengths(clips.joints_3d[frames].astype(np.float64))
        assert np.abs(bones - bones[0]).max() < 0.05  # mm: the same body in every frame
        assert np.abs(subjects - bones[0]).max(axis=1).min() < 0.05


def test_the_lowest_ankle_keeps_its_height():
    take = np.zeros((2, 17, 3))
    take[:, 1:] = np.random.default_rng(0).normal(size=(2, 16, 3))
    out = motion_library.on_bones(take, np.full(16, 0.3))
    assert out[:, (3, 6), 1].min() == pytest.approx(take[:, (3, 6), 1].min())


def test_the_library_is_deterministic_and_needs_3d_subjects():
    studio = make_clips((30,), seed=1)
    a, b = motion_library.motion_clips(studio, draws=1), motion_library.motion_clips(studio, draws=1)
    np.testing.assert_array_equal(a.keypoints_2d, b.keypoints_2d)
    with pytest.raises(InputError, match="joints_3d"):
        motion_library.motion_clips(make_clips((30,), with_3d=False))
    with pytest.raises(InputError, match="draws"):
        motion_library.motion_clips(studio, draws=0)
