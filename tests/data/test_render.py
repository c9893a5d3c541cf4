import json

import numpy as np
import pytest

from posynda import camera
from posynda.data import validate
from posynda.data.deepmimic import CHANNELS
from posynda.data.motion_library import motion_files
from posynda.data.render import guess_unit, render_motions, resample, resample_at, studio_reach
from posynda.errors import InputError
from posynda.skeleton import bone_lengths
from tests.helpers.bvh import write_bvh


@pytest.fixture
def takes(tmp_path):
    return [write_bvh(tmp_path / f"take{i}.bvh", frames=60, seed=i) for i in range(2)]


@pytest.mark.parametrize("rig, views", [("studio", 4), ("wild", 1)])
def test_rendered_clips_are_valid_exact_projections_in_mm(takes, rig, views):
    clips, report = render_motions(takes, rig, fps=50)
    validate(clips)
    assert clips.num_sequences == 2 * views and report.skipped_segments == 0
    assert [f["unit"] for f in report.files] == ["cm", "cm"]
    assert clips.num_frames == 2 * views * 99  # 59 frames of 1/30 s = 1.967 s at 50 fps -> 99 frames
    uv = camera.project(clips.joints_3d.astype(np.float64), clips.camera[clips.seq_index].astype(np.float64))
    np.testing.assert_allclose(clips.keypoints_2d, uv, atol=1e-2)
    # bones are rigid and in mm: the test skeleton's shin is 39 cm
    np.testing.assert_allclose(bone_lengths(clips.joints_3d)[:, 1], 390.0, rtol=1e-3)
    assert (clips.keypoints_2d >= 0).all() and (clips.keypoints_2d < clips.image_size[clips.seq_index][:, None]).all()


def test_render_is_deterministic_by_seed_and_noise_is_optional(takes):
    a, _ = render_motions(takes, "wild", seed=3, noise_px=2.0, drop=0.05)
    b, _ = render_motions(takes, "wild", seed=3, noise_px=2.0, drop=0.05)
    c, _ = render_motions(takes, "wild", seed=4, noise_px=2.0, drop=0.05)
    np.testing.assert_array_equal(a.keypoints_2d, b.keypoints_2d)
    assert not np.allclose(a.camera, c.camera)
    assert np.isnan(a.keypoints_2d).any() and (a.confidence[np.isnan(a.keypoints_2d[..., 0])] == 0).all()


def test_segments_and_a_camera_file(takes, tmp_path):
    clips, report = render_motions(takes, "studio", segment_s=0.8)
    assert report.files[0]["segments"] == 2 and clips.num_sequences == 2 * 2 * 4
    cams = {
        "cameras": [
            {
                "intrinsics": [1000, 1000, 500, 500],
                "image_size": [1000, 1000],
                "rotation": [[-1, 0, 0], [0, -1, 0], [0, 0, 1]],
                "position": [0, 1, -6],
            }
        ]
    }
    path = tmp_path / "cams.json"
    path.write_text(json.dumps(cams))
    fixed, _ = render_motions(takes, str(path))
    assert fixed.num_sequences == 2 and (fixed.joints_3d[..., 2] > 4000).all()


def test_deepmimic_files_render_after_the_bvh_files_in_metres(takes):
    walk = next(f for f in motion_files() if f.stem == "humanoid3d_walk")
    clips, report = render_motions(takes, "studio", deepmimic=[walk])
    assert clips.num_sequences == 3 * 4 and list(clips.sequence_names())[-1] == "humanoid3d_walk.cam3"
    assert report.files[-1] == dict(file=str(walk), frames=39, fps=pytest.approx(30.0, rel=1e-4), unit="m", segments=1)
    last = clips.seq_index == clips.num_sequences - 1
    assert last.sum() == 64  # 38 frames of 1/30 s = 1.27 s at 50 fps
    thigh = bone_lengths(clips.joints_3d[last])[:, 1]  # the humanoid's, 421.5 mm: interpolated positions shorten a
    assert np.abs(thigh - 421.5).max() < 1.0  # turning bone a little
    alone, _ = render_motions([], "wild", deepmimic=[walk])
    assert alone.num_sequences == 1
    with pytest.raises(InputError, match="at least one BVH or DeepMimic"):
        render_motions([], "studio")


def test_a_take_longer_than_the_limit_is_refused_before_anything_is_allocated(tmp_path):
    slow = write_bvh(tmp_path / "slow.bvh", frames=3, frame_time=4 * 3600.0)  # 8 h from the first frame to the last
    with pytest.raises(InputError, match="slow.bvh: the take lasts 28800 s, more than the 21600"):
        render_motions([slow], "studio")
    mimic = tmp_path / "slow.txt"
    frame = [1e6, 0.0, 0.9, 0.0, 1.0, 0.0, 0.0, 0.0]  # a rest pose held for 1e6 s
    for _, width in CHANNELS:
        frame += [1.0, 0.0, 0.0, 0.0] if width == 4 else [0.0]
    mimic.write_text(json.dumps({"Frames": [frame, frame]}))
    with pytest.raises(InputError, match="slow.txt: the take lasts 1000000 s"):
        render_motions([], "studio", deepmimic=[mimic])


def test_resample_and_unit_guess():
    x = np.arange(4, dtype=float)[:, None, None] * np.ones((1, 1, 3))
    np.testing.assert_allclose(resample(x, 30, 60)[:, 0, 0], np.arange(7) / 2)
    uneven = resample_at(x[:3], np.array([0.0, 0.1, 0.3]), fps=20.0)  # frame times 0.1 s, then 0.2 s apart
    np.testing.assert_allclose(uneven[:, 0, 0], [0.0, 0.5, 1.0, 1.25, 1.5, 1.75, 2.0])
    leg = np.zeros((1, 17, 3))
    leg[0, 2, 1], leg[0, 3, 1] = -16, -32  # 32 inches
    assert guess_unit(leg, "f") == "in"
    assert guess_unit(leg * 2.54, "f") == "cm"
    with pytest.raises(InputError, match="units: cannot tell the length unit"):
        guess_unit(leg * 1e6, "f")
    assert studio_reach(0.0) == 0.0 and studio_reach(3.0) > 3.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(rig="moon"), "unknown rig"),
        (dict(fps=0), "fps must be > 0"),
        (dict(drop=1.0), r"drop must be in \[0, 1\)"),
    ],
)
def test_bad_render_options(takes, kwargs, message):
    with pytest.raises(InputError, match=message):
        render_motions(takes, **kwargs)
