"""Live lifting (Lifter.stream): fixed latency L = T - 1 (0 for a causal model), equal to the whole-sequence lift
where the detections are complete (or every gap closes inside the window that needs it), bounded memory."""

import dataclasses
import re

import numpy as np
import pytest

from posynda.data import load_clips
from posynda.data.prepare import fill_missing_keypoints
from posynda.defaults import default_clips_path
from posynda.errors import InputError
from posynda.runtime import Lifter, SamplingSettings
from posynda.skeleton import COCO_JOINT_NAMES

SETTINGS = [
    SamplingSettings(hypotheses=2, steps=2, aggregate="joint", seed=4),
    SamplingSettings(hypotheses=2, steps=1, aggregate="frame", stride=5),
    SamplingSettings(hypotheses=1, steps=1, aggregate="mean"),
]


@pytest.fixture(scope="module")
def lifter(shipped_export):
    return Lifter(shipped_export / "denoiser.onnx")


@pytest.fixture(scope="module")
def track():
    """A complete 2D track (pixels), its camera and image size, from an embedded wild/test sequence."""
    clips = load_clips(default_clips_path("wild", "test")).without_3d().select_sequences([0])
    return fill_missing_keypoints(clips)[:80], clips.camera[0], tuple(int(v) for v in clips.image_size[0])


def _stream(lifter, keypoints, cam, settings, confidence=None):
    stream = lifter.stream(cam, settings=settings)
    poses, ready_at = [], []
    for t, kp in enumerate(keypoints):
        pose = stream.push(kp, None if confidence is None else confidence[t])
        if pose is not None:
            poses.append(pose)
            ready_at.append(t)
    poses += stream.finish()
    return stream, poses, ready_at


@pytest.mark.parametrize("frames", [80, 54, 20, 27])
@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: s.aggregate)
def test_stream_equals_the_whole_sequence_lift(lifter, track, frames, settings):
    kp, cam, size = track
    whole = lifter.lift_keypoints(kp[:frames], size, cam, settings=settings)
    stream, poses, ready_at = _stream(lifter, kp[:frames], cam, settings)
    assert stream.latency == lifter.frames - 1
    assert [p.frame for p in poses] == list(range(frames))
    assert ready_at == list(range(stream.latency, frames))  # frame t - L comes out at push t
    assert np.abs(np.stack([p.root_relative_mm for p in poses]) - whole.root_relative_mm).max() <= 1e-3
    assert np.abs(np.stack([p.absolute_mm for p in poses]) - whole.absolute_mm).max() <= 1e-2


def test_gaps_that_close_within_the_window_lift_as_the_whole_sequence(lifter, track):
    """The bound of posynda.runtime.stream: a gap closed before its window's newest frame is interpolated
    exactly as the whole sequence does; one still open there is held, which only those windows feel."""
    kp, cam, size = track
    settings = SETTINGS[0]
    gappy = kp.copy()
    gappy[3:9, 13] = np.nan  # closes at frame 9, inside window 0..26
    gappy[30:34] = np.nan  # a whole-body gap closing at frame 34, inside window 27..53
    whole = lifter.lift_keypoints(gappy, size, cam, settings=settings).root_relative_mm
    _, poses, _ = _stream(lifter, gappy, cam, settings)
    assert np.abs(np.stack([p.root_relative_mm for p in poses]) - whole).max() <= 1e-3
    open_gap = kp.copy()
    open_gap[50:60, 13] = np.nan  # open at frame 53, the newest of window 27..53: held there
    whole = lifter.lift_keypoints(open_gap, size, cam, settings=settings).root_relative_mm
    streamed = np.stack([p.root_relative_mm for p in _stream(lifter, open_gap, cam, settings)[1]])
    differ = np.abs(streamed - whole).max(axis=(1, 2)) > 1e-3
    assert differ[27:54].any() and not differ[:27].any() and not differ[54:].any()


def test_confidence_zero_is_missing_and_coco_order_is_converted(lifter, track):
    kp, cam, size = track
    confidence = np.ones(kp.shape[:2], np.float32)
    confidence[10:14, 5] = 0
    settings = SETTINGS[0]
    whole = lifter.lift_keypoints(kp, size, cam, confidence, settings=settings).root_relative_mm
    _, poses, _ = _stream(lifter, kp, cam, settings, confidence)
    assert np.abs(np.stack([p.root_relative_mm for p in poses]) - whole).max() <= 1e-3
    coco = np.full((len(kp), 17, 2), np.nan, np.float32)  # H36M limbs placed into COCO slots
    names = dict(l_shoulder=11, r_shoulder=14, l_elbow=12, r_elbow=15, l_wrist=13, r_wrist=16, l_hip=4, r_hip=1,
                 l_knee=5, r_knee=2, l_ankle=6, r_ankle=3, nose=9, l_eye=10, r_eye=10, l_ear=10, r_ear=10)  # fmt: skip
    for i, name in enumerate(COCO_JOINT_NAMES):
        coco[:, i] = kp[:, names[name]]
    stream = lifter.stream(cam, settings=settings, joint_order="coco")
    out = [p for p in (stream.push(f) for f in coco) if p is not None] + stream.finish()
    assert len(out) == len(kp) and np.isfinite(np.stack([p.absolute_mm for p in out])).all()


def test_stream_memory_does_not_grow(lifter, track):
    kp, cam, _ = track
    stream = lifter.stream(cam, settings=SETTINGS[2])
    sizes = []
    for t in range(300):
        stream.push(kp[t % len(kp)])
        sizes.append(sum(a.nbytes for a in (stream._pixels, stream._weights, stream._sum, stream._count)))
    assert len(set(sizes)) == 1 and sizes[0] < 64 * 1024


def test_stream_errors(lifter, track):
    kp, cam, size = track
    with pytest.raises(InputError, match="intrinsics or image_size"):
        lifter.stream()
    stream = lifter.stream(image_size=size)
    with pytest.raises(InputError, match=r"\[17, 2\]"):
        stream.push(kp[0, :16])
    empty = lifter.stream(cam)
    with pytest.raises(InputError, match="no keypoint observed"):
        for _ in range(lifter.frames):
            empty.push(np.full((17, 2), np.nan))
    with pytest.raises(InputError, match="failed earlier"):
        empty.push(kp[0])
    stream.finish()
    with pytest.raises(InputError, match="finished"):
        stream.push(kp[0])


def test_place_puts_a_changed_pose_where_the_stream_would_and_refuses_frames_it_no_longer_holds(lifter, track):
    kp, cam, size = track
    stream = lifter.stream(cam, settings=SETTINGS[2])
    kp = kp.copy()
    kp[3, 4] = np.nan  # the last frame emitted below has a gap: placed from the gap-filled 2D
    poses = [p for p in (stream.push(k) for k in kp[: lifter.frames + 3]) if p is not None]
    assert [p.frame for p in poses] == [0, 1, 2, 3]
    last = poses[-1]
    np.testing.assert_allclose(stream.place(last.frame, last.root_relative_mm), last.absolute_mm, atol=1e-4)
    smaller = stream.place(last.frame, last.root_relative_mm * 0.8)  # the same 2D, 20 % nearer
    np.testing.assert_allclose(smaller, last.absolute_mm * 0.8, rtol=1e-3, atol=0.1)
    with pytest.raises(InputError, match="no longer buffered"):
        stream.place(poses[0].frame, poses[0].root_relative_mm)
    rest = stream.finish()
    np.testing.assert_allclose(stream.place(rest[0].frame, rest[0].root_relative_mm), rest[0].absolute_mm, atol=1e-4)


NON_FINITE = [
    # (name, keypoints change, confidence, message)
    ("inf-keypoint", lambda kp: kp.__setitem__((3, 0), np.inf), None, "finite pixels or NaN"),
    ("minus-inf-keypoint", lambda kp: kp.__setitem__((5, 1), -np.inf), None, "finite pixels or NaN"),
    ("inf-confidence", None, np.inf, "confidence must be finite numbers in [0, 1]"),
    ("nan-confidence", None, np.nan, "confidence must be finite numbers in [0, 1]"),
    ("negative-confidence", None, -0.5, "confidence must be finite numbers in [0, 1]"),
    ("confidence-over-one", None, 7.0, "confidence must be finite numbers in [0, 1]"),
]


@pytest.mark.parametrize("change, bad_confidence, message", [c[1:] for c in NON_FINITE], ids=[c[0] for c in NON_FINITE])
def test_a_non_finite_frame_is_refused_and_the_stream_goes_on(lifter, track, change, bad_confidence, message):
    """Never NaN poses with no error: the frame is refused before the buffers move, and the stream then lifts
    exactly as if the frame had not been offered."""
    kp, cam, _ = track
    settings = SamplingSettings()
    frames = lifter.frames + 3
    clean = np.stack([p.root_relative_mm for p in _stream(lifter, kp[:frames], cam, settings)[1]])
    stream = lifter.stream(cam, settings=settings)
    poses = []
    for t in range(frames):
        if t == 4:
            bad = kp[t].copy()
            confidence = np.ones(17, np.float32)
            if change:
                change(bad)
            else:
                confidence[2] = bad_confidence
            with pytest.raises(InputError, match=re.escape(message)):
                stream.push(bad, confidence)
        pose = stream.push(kp[t])
        if pose is not None:
            poses.append(pose.root_relative_mm)
    poses += [p.root_relative_mm for p in stream.finish()]
    assert np.isfinite(poses).all()
    np.testing.assert_array_equal(np.stack(poses), clean)


@pytest.mark.parametrize("focal", [0.0, 1e-30, -5.0, np.inf, 1e12])
def test_a_camera_without_a_real_focal_length_is_refused(lifter, focal):
    with pytest.raises(InputError, match="focal lengths in"):
        lifter.stream(np.array([focal, focal, 500, 500, 0, 0, 0, 0, 0], np.float32))


def test_lift_as_stream_matches_lift_on_a_clip_set(lifter, track):
    """Every sequence of a clip set streamed with its own noise stream: equal to the whole lift."""
    clips = load_clips(default_clips_path("wild", "test")).without_3d().select_sequences([2, 5])
    clips = dataclasses.replace(clips, keypoints_2d=fill_missing_keypoints(clips), confidence=None)
    settings = SETTINGS[0]
    streamed = lifter.lift_as_stream(clips, settings)
    whole = lifter.lift(clips, settings)
    assert np.abs(streamed.root_relative_mm - whole.root_relative_mm).max() <= 1e-3
    assert streamed.push_seconds.shape == (clips.num_frames,)


@pytest.fixture(scope="module", params=["denoiser.onnx", "sampler.onnx"])
def causal_lifter(causal_export, request):
    return Lifter(causal_export / request.param)


@pytest.mark.parametrize("frames", [60, 5])
@pytest.mark.parametrize("settings", [s for s in SETTINGS if s.stride is None], ids=lambda s: s.aggregate)
def test_a_causal_stream_returns_each_frame_at_its_push_as_the_whole_lift(causal_lifter, track, frames, settings):
    kp, cam, size = track
    whole = causal_lifter.lift_keypoints(kp[:frames], size, cam, settings=settings)
    stream, poses, ready_at = _stream(causal_lifter, kp[:frames], cam, settings)
    assert causal_lifter.causal and stream.latency == causal_lifter.latency == 0
    assert [p.frame for p in poses] == ready_at == list(range(frames))  # frame t comes out at push t
    assert np.abs(np.stack([p.root_relative_mm for p in poses]) - whole.root_relative_mm).max() <= 1e-3
    assert np.abs(np.stack([p.absolute_mm for p in poses]) - whole.absolute_mm).max() <= 1e-2


def test_a_causal_lift_never_looks_ahead(causal_lifter, track):
    """Zero look-ahead through the whole runtime: the lift of the first 30 frames is the first 30 frames of the
    lift of all 80, and changing frames 30.. changes none before them."""
    kp, cam, size = track
    settings = SETTINGS[0]
    full = causal_lifter.lift_keypoints(kp, size, cam, settings=settings).root_relative_mm
    prefix = causal_lifter.lift_keypoints(kp[:30], size, cam, settings=settings).root_relative_mm
    moved = kp.copy()
    moved[30:] += 25.0
    changed = causal_lifter.lift_keypoints(moved, size, cam, settings=settings).root_relative_mm
    assert np.abs(prefix - full[:30]).max() <= 1e-3 and np.abs(changed[:30] - full[:30]).max() <= 1e-3
    assert np.abs(changed[30:] - full[30:]).max() > 1.0


def test_a_causal_model_refuses_a_stride(causal_lifter, track):
    kp, cam, size = track
    with pytest.raises(InputError, match="stride must be 1 for a causal model"):
        causal_lifter.stream(cam, settings=SamplingSettings(stride=5))
    with pytest.raises(InputError, match="stride must be 1 for a causal model"):
        causal_lifter.lift_keypoints(kp, size, cam, settings=SamplingSettings(stride=5))
    assert causal_lifter.lift_keypoints(kp[:9], size, cam, settings=SamplingSettings(stride=1)).root_relative_mm.shape
