"""Sizing people by a calibrated floor: a person lifted at the wrong size (the same 2D, scaled about the camera
centre) is scaled back so that the lower ankle rests on the floor; implausible scales, a camera on the floor and
too few frames keep the lifter's size and say why; live, the scale is the median of the frames so far (the last
``window`` of them)."""

import numpy as np
import pytest

from posynda.runtime.floor_scale import (
    CLEARANCE_MM,
    LIVE_MIN_FRAMES,
    MIN_FRAMES,
    RunningFloorScale,
    floor_scales,
    frame_scales,
    scaled,
)
from tests.helpers.clips import make_clips
from tests.helpers.multiview import ring_cameras, walking_world

UP = np.array([0.0, 1.0, 0.0])  # the rig's world is y up


def on_the_floor(frames: int) -> np.ndarray:
    """:func:`walking_world` moved so that the lower ankle is ``CLEARANCE_MM`` above y = 0 in every frame."""
    world = walking_world(frames)
    lower = world[:, [3, 6], 1].min(axis=1)
    return world + np.stack([np.zeros(frames), CLEARANCE_MM - lower, np.zeros(frames)], axis=1)[:, None]


@pytest.mark.parametrize("wrong_size", [0.8, 1.0, 1.3])
def test_a_person_lifted_at_the_wrong_size_is_scaled_back(wrong_size):
    camera = ring_cameras(3)[0]
    seen = camera.to_camera(on_the_floor(20))  # [20, 17, 3] mm, camera frame
    lifted = seen * wrong_size  # the same 2D, the wrong size and depth
    clips = make_clips((20,), with_3d=False)
    sizes = floor_scales(lifted, clips, camera.rotation @ UP, float(camera.centre @ UP))
    assert sizes.kept == {} and sizes.scales[0] == pytest.approx(1.0 / wrong_size, rel=1e-9)
    np.testing.assert_allclose(scaled(lifted, clips, sizes.scales), seen, atol=1e-6)


def test_implausible_floors_keep_the_lifted_size_and_say_why():
    camera = ring_cameras(3)[0]
    seen = camera.to_camera(on_the_floor(MIN_FRAMES + 5))
    clips = make_clips((MIN_FRAMES + 5,), with_3d=False)
    up, height = camera.rotation @ UP, float(camera.centre @ UP)
    far = floor_scales(seen * 2.0, clips, up, height)  # would need x0.5
    assert far.scales[0] == 1.0 and "would scale it by 0.50" in far.kept[0] and "origin on the floor" in far.kept[0]
    low = floor_scales(seen, clips, up, 50.0)
    assert low.scales[0] == 1.0 and "the camera is 50 mm above the calibration's floor" in low.kept[0]
    seen[4:] = np.nan  # 4 frames with ankles
    few = floor_scales(seen, clips, up, height)
    assert few.scales[0] == 1.0 and few.kept[0].startswith(
        f"4 frames with the ankles below the camera (at least {MIN_FRAMES}"
    )


def test_each_sequence_is_scaled_by_its_own_factor():
    clips = make_clips((3, 2), with_3d=False)
    poses = np.ones((5, 17, 3), np.float32)
    out = scaled(poses, clips, np.array([2.0, 0.5]))
    assert out.dtype == np.float32 and (out[:3] == 2.0).all() and (out[3:] == 0.5).all()
    assert scaled(None, clips, np.array([2.0, 0.5])) is None


@pytest.mark.parametrize("min_frames", [LIVE_MIN_FRAMES, MIN_FRAMES])
def test_live_the_scale_is_the_median_of_the_frames_so_far_within_a_bounded_window(min_frames):
    camera = ring_cameras(3)[0]
    up, height = camera.rotation @ UP, float(camera.centre @ UP)
    seen = camera.to_camera(on_the_floor(40))
    wrong = np.where(np.arange(40)[:, None, None] < 25, 1.25, 0.8)  # the lifter's size changes at frame 25
    lifted = seen * wrong
    lifted[3] = np.nan  # a frame without ankles gives no sample
    samples = frame_scales(lifted, up, height)
    assert np.isnan(samples[3]) and np.isfinite(np.delete(samples, 3)).all()
    running = RunningFloorScale(up, height, window=12, min_frames=min_frames)
    got = []
    for t, pose in enumerate(lifted):
        got.append(running(pose))
        assert len(running.samples) <= 12  # memory bounded by the window
        so_far = samples[: t + 1][np.isfinite(samples[: t + 1])][-12:]
        if len(so_far) < min_frames:  # the lifter's size until enough frames, and why
            assert got[-1] == 1.0 and running.reason.startswith(f"{len(so_far)} frames with the ankles below")
        else:
            assert got[-1] == pytest.approx(np.median(so_far)) and running.reason is None
    assert got[0] == (pytest.approx(0.8) if min_frames == 1 else 1.0)  # live: from the first frame on
    assert got[20] == pytest.approx(0.8) and got[-1] == pytest.approx(1.25)  # 1 / 1.25, then 1 / 0.8 when it changes
    assert running.scale == got[-1]
    far = RunningFloorScale(up, height, window=600)
    assert [far(pose) for pose in seen[:MIN_FRAMES] * 3.0][-1] == 1.0 and "would scale it by 0.33" in far.reason
