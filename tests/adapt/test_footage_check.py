"""The label-free check: measures from the 2D and the lifted poses only (no 3D), deterministic, the multi-view
disagreement of one person's poses from several calibrated cameras, and a verdict that keeps an adaptation
unless a measure gets worse than its tolerance, saying which."""

import dataclasses

import numpy as np
import pytest

from posynda.adapt.footage_check import (
    TOLERANCES,
    FootageScores,
    FootageViews,
    footage_scores,
    judge,
    leading_sequences,
    levelled_target,
    multiview_disagreement,
)
from posynda.camera import project
from posynda.data import ClipSet, concatenate
from posynda.runtime.settings import SamplingSettings
from tests.helpers.clips import make_clips
from tests.helpers.models import micro_checkpoint
from tests.helpers.multiview import ring_cameras, walking_world

BEFORE = FootageScores(reprojection_px=10.0, bone_variation_pct=5.0, jitter=8.0, frames=100)


@pytest.mark.parametrize(
    "after, keep, flagged",
    [
        (dict(reprojection_px=6.0, bone_variation_pct=6.0, jitter=12.0), True, []),
        (dict(reprojection_px=10.4), True, []),  # within x1.05
        (dict(reprojection_px=11.0), False, ["reprojection"]),
        (dict(bone_variation_pct=9.5), True, []),  # within x2: detector footage wobbles (docs/realvideo.md)
        (dict(bone_variation_pct=10.5), False, ["bone variation"]),
        (dict(jitter=17.0, reprojection_px=20.0), False, ["reprojection", "jitter"]),
        (dict(reprojection_px=float("nan")), True, []),  # nothing to compare: not a reason to reject
    ],
)
def test_the_verdict(after, keep, flagged):
    verdict = judge(BEFORE, dataclasses.replace(BEFORE, **after))
    assert verdict.keep == keep and len(verdict.reasons) == len(TOLERANCES) - 1  # no cameras: no multi-view line
    assert [r.split(" ")[0] for r in verdict.reasons if "worse than" in r] == [f.split(" ")[0] for f in flagged]
    assert ("ORIGINAL" in verdict.line()) == (not keep) and "\n" not in verdict.line()


@pytest.mark.parametrize(
    "before, after, keep",
    [(100.0, 120.0, True), (100.0, 130.0, False), (float("nan"), 120.0, True)],  # x1.25
)
def test_the_multi_view_disagreement_is_judged_when_the_footage_has_cameras(before, after, keep):
    with_views = dataclasses.replace(BEFORE, multiview_mm=before)
    verdict = judge(with_views, dataclasses.replace(with_views, multiview_mm=after))
    assert verdict.keep == keep and len(verdict.reasons) == len(TOLERANCES)
    assert ("multi-view disagreement (mm)" in verdict.reasons[-1]) and ("worse than" in verdict.reasons[-1]) != keep


def _two_cameras_one_person(frames: int = 10):
    """One person (root-relative, mm) as two cameras of a ring see it: their clips (sequence 0: camera 1 on
    source frames 0.., sequence 1: camera 2 on frames 3..), the camera-frame poses and the views."""
    cameras = ring_cameras(2)
    world = walking_world(frames)
    parts, poses = [], []
    for camera, first in zip(cameras, (0, 3)):
        seen = world[first:]
        pix = np.asarray(project(camera.to_camera(seen), camera.intrinsics)).astype(np.float32)
        clip = ClipSet.single_sequence(pix, camera.intrinsics, camera.image_size)
        parts.append(dataclasses.replace(clip, source_frame=np.arange(first, frames, dtype=np.int32)))
        relative = seen - seen[:, :1]
        poses.append(relative @ camera.rotation.T)  # the root-relative pose in the camera's frame
    views = FootageViews(np.stack([c.rotation for c in cameras]), ((0, 1),))
    return concatenate(parts), poses, views


def test_one_person_lifted_alike_by_two_cameras_does_not_disagree_and_a_wrong_pose_does():
    clips, poses, views = _two_cameras_one_person()
    assert multiview_disagreement(np.concatenate(poses), clips, views) == pytest.approx(0.0, abs=1e-6)
    wrong = [poses[0], poses[1] + np.array([30.0, -40.0, 0.0])]  # 50 mm off on every shared frame
    assert multiview_disagreement(np.concatenate(wrong), clips, views) == pytest.approx(50.0)
    assert np.isnan(multiview_disagreement(np.concatenate(poses), clips, FootageViews(views.rotations, ((0,),))))


def test_the_views_of_the_leading_sequences():
    views = FootageViews(np.stack([np.eye(3)] * 4), ((0, 2), (1, 3)))
    assert views.leading(3).people == ((0, 2),) and views.leading(3).rotations.shape == (3, 3, 3)
    assert views.leading(2) is None  # nobody left in two of them


def test_footage_scores_measure_the_disagreement_only_with_views():
    clips, _, views = _two_cameras_one_person(frames=24)
    model, settings = micro_checkpoint(), SamplingSettings(hypotheses=1, steps=1, seed=0)
    assert np.isnan(footage_scores(model, clips, settings).multiview_mm)
    assert footage_scores(model, clips, settings, views).multiview_mm > 0


def test_the_leading_sequences_up_to_a_frame_budget():
    clips = make_clips((30, 20, 10), with_3d=False)
    assert leading_sequences(clips, 55).num_sequences == 2
    assert leading_sequences(clips, 5).num_sequences == 1  # at least one
    assert leading_sequences(clips, 10_000) is clips


def test_the_measures_need_no_3d_and_repeat():
    model = micro_checkpoint()
    clips = make_clips((24, 16), with_3d=False)
    settings = SamplingSettings(hypotheses=2, steps=2, seed=0)
    first, second = footage_scores(model, clips, settings), footage_scores(model, clips, settings)
    np.testing.assert_equal(first.as_dict(), second.as_dict())  # NaN: no multi-view measure without cameras
    assert first.frames == 40
    assert all(np.isfinite(v) and v >= 0 for v in (first.reprojection_px, first.bone_variation_pct, first.jitter))


def test_the_target_as_level_cameras_see_it_and_its_views_turned_with_it():
    """``adapt --calibration``'s target: each camera of a ring looking down levelled by the world's up (y here):
    the levelled 2D is the people's 3D turned by Q and projected, the level camera's up is (0, -1, 0), and one
    person lifted alike through two level cameras still agrees (the views' rotations are Q R)."""
    clips, poses, views = _two_cameras_one_person()
    cameras = ring_cameras(2)
    up = np.array([0.0, 1.0, 0.0])
    level, turned = levelled_target(clips, [0, 1], cameras, up, views)
    world = walking_world(10)
    for s, (camera, first) in enumerate(zip(cameras, (0, 3))):
        q = turned.rotations[s] @ camera.rotation.T  # Q, back out of world -> level = Q R
        np.testing.assert_allclose(q @ (camera.rotation @ up), [0.0, -1.0, 0.0], atol=1e-12)
        in_level = camera.to_camera(world[first:]) @ q.T
        expected = np.asarray(project(in_level, np.r_[camera.intrinsics[:4], np.zeros(5)]))  # level: undistorted
        got = level.keypoints_2d[level.sequence_bounds()[s][0] : level.sequence_bounds()[s][1]]
        np.testing.assert_allclose(got, expected, atol=1e-2)
    levelled_poses = [p @ (turned.rotations[s] @ cameras[s].rotation.T).T for s, p in enumerate(poses)]
    assert multiview_disagreement(np.concatenate(levelled_poses), level, turned) == pytest.approx(0.0, abs=1e-6)
    assert multiview_disagreement(np.concatenate(poses), level, turned) > 10.0  # unturned poses: not the same
    assert levelled_target(clips, [0, 1], cameras, up, None)[1] is None
