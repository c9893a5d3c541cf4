"""The Lifter: the same poses as evaluation and on every backend for a seed, absolute millimetres."""

import numpy as np
import pytest

from posynda import camera
from posynda.checkpoint import load_checkpoint
from posynda.data.clips import load_clips
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.evaluate import lift_clips
from posynda.metrics import mpjpe
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.lifter import absolute_positions
from tests.helpers.clips import make_clips
from tests.helpers.export import SAMPLER_FLIP, SAMPLER_HYPOTHESES, SAMPLER_STEPS


@pytest.fixture(scope="module")
def clips():
    return make_clips((40, 12), seed=5).without_3d()


def test_torch_lifter_is_exactly_eval_lift_clips(clips):
    settings = SamplingSettings(hypotheses=3, steps=2, aggregate="joint", seed=4, batch_size=2)
    result = Lifter(shipped_checkpoint()).lift(clips, settings)
    expected = lift_clips(load_checkpoint(shipped_checkpoint()), clips, settings)
    np.testing.assert_array_equal(result.root_relative_mm, expected)
    assert result.backend == "torch (cpu)"
    assert np.all(result.root_relative_mm[:, 0] == 0)


@pytest.mark.parametrize(
    "settings",
    [
        SamplingSettings(),
        SamplingSettings(hypotheses=3, steps=2, flip=False, aggregate="mean", seed=1),
        SamplingSettings(hypotheses=2, steps=3, aggregate="frame", seed=2, stride=9),
    ],
    ids=["default", "H3K2-mean", "H2K3-frame-overlap"],
)
def test_onnxruntime_and_torch_give_the_same_poses_for_a_seed(shipped_export, clips, settings):
    ort_lifter = Lifter(shipped_export / "denoiser.onnx", device="cpu")
    assert ort_lifter.describe() == "onnxruntime (CPUExecutionProvider)"
    a = ort_lifter.lift(clips, settings)
    b = Lifter(shipped_checkpoint()).lift(clips, settings)
    assert np.abs(a.root_relative_mm - b.root_relative_mm).max() <= 0.1  # mm, i.e. 1e-4 m
    assert np.abs(a.absolute_mm - b.absolute_mm).max() <= 0.5


def test_other_seed_other_poses(shipped_export, clips):
    lifter = Lifter(shipped_export / "denoiser.onnx")
    a = lifter.lift(clips, SamplingSettings(seed=0)).root_relative_mm
    b = lifter.lift(clips, SamplingSettings(seed=1)).root_relative_mm
    assert np.abs(a - b).max() > 1.0


def test_sampler_graph_lifts_like_the_denoiser_with_its_settings(shipped_export, clips):
    sampler = Lifter(shipped_export / "sampler.onnx")
    assert sampler.backend.graph == "sampler"
    result = sampler.lift(clips, SamplingSettings(hypotheses=7, steps=9, seed=3))  # K, H, flip fixed by the graph
    assert (result.settings.steps, result.settings.hypotheses, result.settings.flip) == (
        SAMPLER_STEPS,
        SAMPLER_HYPOTHESES,
        SAMPLER_FLIP,
    )
    assert result.settings.aggregate == "mean"
    expected = Lifter(shipped_export / "denoiser.onnx").lift(clips, result.settings)
    assert np.abs(result.root_relative_mm - expected.root_relative_mm).max() <= 0.1


def test_absolute_positions_recover_the_camera_frame():
    clips = make_clips((30,), seed=2)  # exact projections of known 3D
    rel = clips.joints_3d - clips.joints_3d[:, :1]
    absolute = absolute_positions(rel, clips)
    assert np.abs(absolute - clips.joints_3d).max() < 1.0  # mm


def test_lift_keypoints_with_the_default_camera():
    clips = make_clips((20,), seed=1)
    result = Lifter(shipped_checkpoint()).lift_keypoints(clips.keypoints_2d, (1000, 1000))
    assert result.root_relative_mm.shape == (20, 17, 3) and np.isfinite(result.absolute_mm).all()
    assert (result.absolute_mm[:, 0, 2] > 0).all()  # in front of the camera


def test_result_becomes_a_clip_file_with_absolute_3d(clips):
    result = Lifter(shipped_checkpoint()).lift(clips)
    lifted = result.to_clips(clips)
    np.testing.assert_array_equal(lifted.joints_3d, result.absolute_mm)
    np.testing.assert_array_equal(lifted.keypoints_2d, clips.keypoints_2d)
    assert result.seconds > 0 and result.settings == SamplingSettings()


# ------------------------------------------------------------------ portrait and landscape footage


def _motion_mm(frames: int = 60) -> np.ndarray:
    """``[N, 17, 3]`` camera-frame mm: real-looking motion (the embedded wild/test clip), 5 m ahead."""
    clips = load_clips(default_clips_path("wild", "test"))
    joints = clips.joints_3d[:frames].astype(np.float64)
    return joints - joints[:, :1].mean(0) + np.array([0.0, 0.0, 5000.0])


def _lift(joints: np.ndarray, size, intrinsics=None, f: float = 1500.0) -> np.ndarray:
    """Root-relative mm of ``joints`` seen by a pinhole of focal ``f`` centred in an image of ``size``."""
    seen_by = np.array([f, f, size[0] / 2, size[1] / 2, 0, 0, 0, 0, 0])
    uv = camera.project(joints, seen_by).astype(np.float32)
    result = Lifter(shipped_checkpoint()).lift_keypoints(uv, size, intrinsics=intrinsics)
    return result.root_relative_mm


def _relative(joints: np.ndarray) -> np.ndarray:
    return joints - joints[:, :1]


def _mpjpe(pred: np.ndarray, truth: np.ndarray) -> float:
    return float(mpjpe(pred, truth).mean())


@pytest.mark.parametrize("intrinsics", ["given", "default"])
def test_portrait_and_landscape_frames_of_one_camera_lift_alike(intrinsics):
    """A phone turned upright: the same motion through a 1920x1080 and a 1080x1920 frame of one lens
    (the file's intrinsics, or the default camera f = max(w, h)) lifts to the same poses."""
    joints = _motion_mm()
    f = 1920.0

    def cam(size):
        return [f, f, size[0] / 2, size[1] / 2, 0, 0, 0, 0, 0] if intrinsics == "given" else None

    landscape = _lift(joints, (1920, 1080), cam((1920, 1080)), f)
    portrait = _lift(joints, (1080, 1920), cam((1080, 1920)), f)
    np.testing.assert_allclose(portrait, landscape, atol=0.05)  # mm: float32 rounding only
    assert _mpjpe(landscape, _relative(joints)) < 150.0  # and they are poses, not noise


def test_where_the_person_stands_in_a_portrait_frame_changes_little():
    """The same motion in the middle of a landscape frame and near the top of a portrait one (the
    rays change, so the poses may too, a little): both lift about as well, and alike."""
    joints = _motion_mm()
    size = (1080, 1920)
    high = joints + np.array([0.0, -1200.0, 0.0])  # 1.2 m up at 5 m: near the top of the portrait frame
    centre = _lift(joints, (1920, 1080), [1500.0, 1500.0, 960.0, 540.0, 0, 0, 0, 0, 0])
    top = _lift(high, size, [1500.0, 1500.0, size[0] / 2, size[1] / 2, 0, 0, 0, 0, 0])
    truth = _relative(joints)
    error_centre, error_top = _mpjpe(centre, truth), _mpjpe(top, truth)
    assert error_top < 1.1 * error_centre + 5.0, (error_centre, error_top)
    assert _mpjpe(top, centre) < 0.35 * error_centre, (_mpjpe(top, centre), error_centre)
