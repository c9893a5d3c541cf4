"""Multi-view geometry: exact triangulation from exact projections (lens distortion included), zero epipolar
distance for the same point and a large one for another, tracks of two people grouped per person, and so are
the sequences of a clip file filmed by several cameras."""

import dataclasses

import numpy as np
import pytest

from posynda.camera import project
from posynda.data import ClipSet, concatenate
from posynda.data.multiview import (
    ViewTrack,
    associate,
    epipolar_px,
    people_across_views,
    reprojection_px,
    triangulate,
)
from tests.helpers.multiview import ring_cameras, walking_world


@pytest.fixture(scope="module")
def rig():
    cameras = ring_cameras()
    world = walking_world(12)
    pixels = np.stack([np.asarray(project(c.to_camera(world), c.intrinsics)) for c in cameras])  # [V, F, 17, 2]
    return cameras, world, pixels


def test_triangulation_of_exact_projections_is_exact(rig):
    cameras, world, pixels = rig
    scores = np.ones(pixels.shape[:-1])
    np.testing.assert_allclose(triangulate(cameras, pixels, scores), world, atol=1e-3)
    for camera, seen in zip(cameras, pixels):
        assert reprojection_px(camera, world, seen).max() < 1e-6


def test_a_joint_seen_by_one_view_has_no_3d(rig):
    cameras, world, pixels = rig
    scores = np.ones(pixels.shape[:-1])
    scores[1:, 0, 5] = 0.1  # below min_score in two of three views
    pixels = pixels.copy()
    pixels[0, 1, 6] = np.nan
    pixels[1, 1, 6] = np.nan
    found = triangulate(cameras, pixels, scores)
    assert np.isnan(found[0, 5]).all() and np.isnan(found[1, 6]).all()
    np.testing.assert_allclose(found[2:], world[2:], atol=1e-3)


def test_epipolar_distance(rig):
    cameras, _, pixels = rig
    assert epipolar_px(cameras[0], pixels[0], cameras[2], pixels[2]).max() < 1e-3
    shifted = pixels[2] + np.array([0.0, 25.0])  # across the (nearly level) epipolar lines of a ring of cameras
    assert np.median(epipolar_px(cameras[0], pixels[0], cameras[2], shifted)) > 15.0


def test_two_people_are_grouped_per_person_and_an_id_switch_joins_its_person(rig):
    cameras, world, _ = rig
    other = world + np.array([1500.0, 0.0, 800.0])
    frames = np.arange(len(world))
    tracks = []
    for v, camera in enumerate(cameras):
        for pid, person in enumerate((world, other)):
            pix = np.asarray(project(camera.to_camera(person), camera.intrinsics))
            if v == 1 and pid == 0:  # view 2 lost person 0 halfway and gave them a new id
                tracks.append(ViewTrack(v, 0, frames[:6], pix[:6], np.ones((6, 17))))
                tracks.append(ViewTrack(v, 7, frames[6:], pix[6:], np.ones((6, 17))))
                continue
            tracks.append(ViewTrack(v, pid, frames, pix, np.ones((len(frames), 17))))
    groups = associate(tracks, cameras)
    people = [sorted((tracks[k].view, tracks[k].id) for k in g) for g in groups]
    assert people == [[(0, 0), (1, 0), (1, 7), (2, 0)], [(0, 1), (1, 1), (2, 1)]]


def test_the_sequences_of_a_clip_file_are_grouped_per_person_across_the_cameras_that_filmed_them(rig):
    cameras, world, _ = rig
    other = world + np.array([1500.0, 0.0, 800.0])
    parts, views = [], []
    for v, camera in enumerate(cameras):
        for pid, person in enumerate((world, other)):
            if v == 2 and pid == 1:  # camera 3 does not see the second person
                continue
            pix = np.asarray(project(camera.to_camera(person), camera.intrinsics)).astype(np.float32)
            clip = ClipSet.single_sequence(pix, camera.intrinsics, camera.image_size, name=f"{camera.name}/p{pid}")
            parts.append(dataclasses.replace(clip, source_frame=np.arange(len(pix), dtype=np.int32) + 40))
            views.append(v)
    clips = concatenate(parts)  # sequences: cam01/p0, cam01/p1, cam02/p0, cam02/p1, cam03/p0
    assert people_across_views(clips, views, cameras) == [[0, 2, 4], [1, 3]]
    alone = concatenate(parts[:2])  # one camera: nobody is seen twice
    assert people_across_views(alone, views[:2], cameras) == []
    with pytest.raises(ValueError, match="3 views for 2 sequences"):
        people_across_views(alone, views[:3], cameras)
