"""Every person in every frame: the converted BlazePose models find what MediaPipe's own pipeline finds, two
people get two ids that stay theirs, an id comes back after the person drops out, bad settings and frames are
refused."""

import numpy as np
import pytest

from posynda.detectors import DetectorSettings, PeopleDetector
from posynda.detectors.people import tiles
from posynda.errors import InputError
from tests.helpers.video import VIDEO_SIZE, mannequin_motion, needs_blazepose


@pytest.fixture(scope="module")
def sessions():
    """The two ONNX Runtime sessions, opened once (converted into the test cache on first use)."""
    needs_blazepose()
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tflite")
    return PeopleDetector(threads=1).person_session, PeopleDetector(threads=1).landmark_session


@pytest.fixture(scope="module")
def mannequin_frames():
    pytest.importorskip("PIL")
    from posynda.data.footage import framing_camera, render_mannequin

    joints = mannequin_motion(4)
    return list(render_mannequin(joints, framing_camera(joints, VIDEO_SIZE), VIDEO_SIZE))


@pytest.mark.filterwarnings("ignore:SymbolDatabase.GetPrototype:UserWarning")  # protobuf, inside mediapipe
def test_the_converted_models_find_what_mediapipe_finds(sessions, mannequin_frames):
    import mediapipe

    detector = PeopleDetector(DetectorSettings(), sessions=sessions)
    reference = mediapipe.solutions.pose.Pose(static_image_mode=True, model_complexity=1, smooth_landmarks=False)
    width, height = VIDEO_SIZE
    for frame in mannequin_frames:
        (person,) = detector(frame)
        found = reference.process(frame)
        theirs = np.array([(m.x * width, m.y * height) for m in found.pose_landmarks.landmark])
        world = np.array([(m.x, m.y, m.z) for m in found.pose_world_landmarks.landmark])
        ours = person.landmarks
        seen = ours.visibility > 0.5
        assert seen.sum() >= 20 and ours.flag > 0.9
        # MediaPipe also refines the keypoints from the heatmap and places the region its own way: a few px
        assert np.median(np.linalg.norm(ours.keypoints - theirs, axis=1)[seen]) < 0.02 * ours.region.size
        assert np.median(np.linalg.norm(ours.world - world, axis=1)) < 0.06  # m
    reference.close()


def _two_people(frame: np.ndarray) -> np.ndarray:
    """Two mannequins side by side (the second mirrored), 640 x 240."""
    return np.concatenate([frame, frame[:, ::-1]], axis=1)


def test_two_people_keep_their_ids_and_get_them_back_after_a_dropout(sessions, mannequin_frames):
    detector = PeopleDetector(DetectorSettings(detect_every=2), sessions=sessions)
    empty = np.full_like(_two_people(mannequin_frames[0]), 200)
    frames = [_two_people(f) for f in mannequin_frames] + [empty] * 3 + [_two_people(f) for f in mannequin_frames]
    seen = [detector(frame) for frame in frames]
    hips = [{p.id: p.landmarks.keypoints[23:25].mean(0)[0] for p in people} for people in seen]
    assert [sorted(h) for h in hips] == [[0, 1]] * 4 + [[]] * 3 + [[0, 1]] * 4
    for h in hips[:4] + hips[7:]:
        assert (h[0] < 320) == (hips[0][0] < 320) and (h[1] < 320) == (hips[0][1] < 320)  # nobody swapped sides


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(min_detection=1.5), r"min_detection must be in \[0, 1\]"),
        (dict(min_tracking=-0.1), r"min_tracking must be in \[0, 1\]"),
        (dict(detect_every=0), r"detect_every must be in \[1, 10000\]"),
        (dict(max_people=10**6), r"max_people must be in \[1, 10000\]"),
        (dict(reid_frames=-1), "reid_frames must be >= 0"),
    ],
)
def test_bad_settings_are_refused_naming_them(settings, message):
    with pytest.raises(InputError, match=message):
        DetectorSettings(**settings)


@pytest.mark.parametrize(
    "size, expected",
    [((1080, 1920), [(0, 0, 1080), (0, 420, 1080), (0, 840, 1080)]),
     ((1920, 1080), [(0, 0, 1080), (420, 0, 1080), (840, 0, 1080)]), ((512, 512), [])],
    ids=["portrait", "landscape", "square"],
)  # fmt: skip
def test_tiles_along_the_long_side(size, expected):
    assert tiles(*size) == expected


def test_a_frame_that_is_not_rgb_uint8_is_refused(sessions):
    detector = PeopleDetector(sessions=sessions)
    with pytest.raises(InputError, match=r"RGB uint8 \[H, W, 3\], got float32 \[4, 4, 3\]"):
        detector(np.zeros((4, 4, 3), np.float32))
