"""The embedded synthetic domains: determinism, anatomy, physics, cameras, and a real domain gap."""

import numpy as np
import pytest

from posynda import camera
from posynda.data import load_clips, rigs, save_clips, synth
from posynda.errors import InputError
from posynda.skeleton import bone_lengths

SPLITS = [(d, s) for d in synth.DOMAINS for s in synth.SPLITS]


@pytest.fixture(scope="module")
def small():
    return {(d, s): synth.generate(d, s, scale=0.25) for d, s in SPLITS}


@pytest.mark.parametrize("domain,split", SPLITS)
def test_deterministic_valid_and_round_trips(tmp_path, small, domain, split):
    clips = small[(domain, split)]
    again = synth.generate(domain, split, scale=0.25)
    np.testing.assert_array_equal(clips.keypoints_2d, again.keypoints_2d)
    np.testing.assert_array_equal(clips.joints_3d, again.joints_3d)
    other = synth.generate(domain, split, seed=5, scale=0.25)
    assert other.num_frames != clips.num_frames or not np.allclose(other.joints_3d, clips.joints_3d)
    back = load_clips(save_clips(tmp_path / "s.npz", clips))
    np.testing.assert_array_equal(back.joints_3d, clips.joints_3d)
    assert clips.confidence is not None and clips.fps is not None and clips.seq_name is not None
    assert (clips.valid is not None) == (split == "test")


@pytest.mark.parametrize("domain,split", SPLITS)
def test_bones_are_rigid_and_anthropometric(small, domain, split):
    clips = small[(domain, split)]
    for _, frames in clips.iter_sequences():
        bones = bone_lengths(clips.joints_3d[frames].astype(np.float64))
        assert bones.std(axis=0).max() < 1.0  # mm: rigid over the sequence
        femur = bones[:, 1].mean()  # r_hip -> r_knee
        assert 350 < femur < 560


def test_train_and_test_subjects_differ(small):
    def femurs(clips):
        return {
            round(float(bone_lengths(clips.joints_3d[f].astype(np.float64))[:, 1].mean()), 1)
            for _, f in clips.iter_sequences()
        }

    for domain in synth.DOMAINS:
        assert not femurs(small[(domain, "train")]) & femurs(small[(domain, "test")])


def test_world_motion_physics_and_joint_limits():
    rng = np.random.default_rng(0)
    subject = synth.Subject.draw(rng)
    for activity in synth.ACTIVITIES:
        world = synth.world_motion(activity, subject, 300, 50.0, 1.0, rng)
        lowest = world[:, [3, 6], 1].min(axis=1)
        grounded = np.isclose(lowest, synth.ANKLE_HEIGHT, atol=1e-6)
        assert grounded.mean() > (0.3 if activity in ("jump", "run") else 0.99), activity  # feet on the floor
        assert (lowest >= synth.ANKLE_HEIGHT - 1e-6).all()  # never through it
        step = np.linalg.norm(np.diff(world, axis=0), axis=-1).max()
        assert step < (0.25 if activity == "run" else 0.15), activity  # no teleport at 50 fps (sprinting limbs ~10 m/s)
        accel = np.linalg.norm(np.diff(world, 2, axis=0), axis=-1).mean()
        assert accel < (0.02 if activity == "run" else 0.01), activity  # smooth: mean |d2x| per frame^2
        t = np.arange(300) / 50.0
        angles = synth.limit_angles(synth.activity_angles(activity, t, subject, rng))
        for key in ("knee_l", "knee_r", "elbow_l", "elbow_r"):
            assert angles[key].min() >= 0.0  # no hyperextension
        head_above_pelvis = world[:, 10, 1] > world[:, 0, 1]
        assert head_above_pelvis.mean() > 0.95, activity


@pytest.mark.parametrize("domain,split", SPLITS)
def test_cameras_and_projections(small, domain, split):
    clips = small[(domain, split)]
    f = clips.camera[:, 0]
    sizes = {tuple(s) for s in clips.image_size}
    if domain == "studio":
        assert np.all(np.abs(f / 1145 - 1) < 0.011) and sizes == {(1000, 1000)}
    else:
        assert f.min() >= 700 and f.max() <= 1500 and sizes <= {(2048, 2048), (1920, 1080)}
    assert clips.joints_3d[..., 2].min() > 500  # mm in front of the camera
    size = clips.image_size[clips.seq_index][:, None]
    kp = clips.keypoints_2d
    inside = (kp >= 0).all(-1) & (kp < size).all(-1)
    assert inside[np.isfinite(kp).all(-1)].mean() > 0.95
    # keypoints are the camera projection of the 3D plus detector-like noise of a few pixels
    proj = camera.project(clips.joints_3d.astype(np.float64), clips.camera[clips.seq_index].astype(np.float64))
    err = np.linalg.norm(kp - proj, axis=-1)
    assert 0.5 < np.nanmedian(err) < 8.0


def test_studio_camera_rig_geometry():
    rng = np.random.default_rng(3)
    for _, rot, pos, _ in rigs.studio_cameras(rng):
        assert 1.25 <= pos[1] <= 1.75 and 4.5 <= np.hypot(pos[0], pos[2]) <= 6.0
        np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-9)
        assert rot[2, 1] < 0  # looking slightly down


def test_domain_gap_in_cameras_activities_and_poses(small):
    studio, wild = small[("studio", "train")], small[("wild", "train")]

    def activities(clips):
        return [name.split("/")[-1].split("_")[0] for name in clips.seq_name]

    assert set(activities(wild)) - set(activities(studio))  # activities the source never shows

    def bbox_share_of_width(clips):
        kp = clips.keypoints_2d / clips.image_size[clips.seq_index][:, None, :1]
        return np.nanmean(np.nanmax(kp, 1) - np.nanmin(kp, 1))

    assert bbox_share_of_width(wild) < 0.8 * bbox_share_of_width(studio)  # people are much smaller in wild images

    def knee_bend(clips):
        j = clips.joints_3d.astype(np.float64)
        thigh, shin = j[:, 2] - j[:, 1], j[:, 3] - j[:, 2]
        cos = (thigh * shin).sum(-1) / np.linalg.norm(thigh, axis=-1) / np.linalg.norm(shin, axis=-1)
        return np.degrees(np.arccos(np.clip(cos, -1, 1))).mean()

    assert knee_bend(wild) > knee_bend(studio) + 5  # squats, jumps and kicks bend the knees more


def test_unknown_domain_or_split():
    with pytest.raises(InputError):
        synth.generate("moon", "train")
    with pytest.raises(InputError):
        synth.generate("studio", "validation")


@pytest.mark.parametrize(
    "domain, split, sequences, frames",
    [("studio", "train", 160, 78_940), ("wild", "train", 80, 37_589), ("wild", "test", 12, 5_164)],
)
def test_canonical_splits_are_the_documented_ones(domain, split, sequences, frames):
    clips = synth.generate(domain, split)
    assert (clips.num_sequences, clips.num_frames) == (sequences, frames)  # README "The embedded domains"


def test_a_camera_that_never_sees_the_motion_stops_the_generator(monkeypatch):
    monkeypatch.setattr(synth, "wild_camera", lambda world, rng: None)
    with pytest.raises(RuntimeError, match=f"after {synth.MAX_MOTION_DRAWS} motion draws"):
        synth.generate("wild", "test", scale=0.2)
