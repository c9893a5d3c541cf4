"""Every person in every frame: the converted BlazePose models find what MediaPipe's own pipeline finds, two
people get two ids that stay theirs, an id comes back after the person drops out, two people who overlap in the
picture stay two while a track that slid onto someone else ends, losing someone tracked for a while runs the person
detector on the frames after, people followed side by side are found as one after another, bad settings and frames
are refused."""

import dataclasses

import numpy as np
import pytest

from posynda.detectors import DetectorSettings, PeopleDetector
from posynda.detectors import people as people_module
from posynda.detectors.blazepose_models import LANDMARKS, onnx_file
from posynda.detectors.crops import Region
from posynda.detectors.landmarks import Landmarks, find_landmarks
from posynda.detectors.people import NEARER_SCALE, _Track, same_body, tiles
from posynda.errors import InputError
from posynda.ort import ort_session
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


def test_the_landmark_model_gives_the_same_numbers_on_any_thread_count(sessions, mannequin_frames):
    """What following people side by side (sessions of fewer threads) rests on: bit for bit the same outputs."""
    region = PeopleDetector(sessions=sessions)(mannequin_frames[0])[0].landmarks.region
    outputs = [find_landmarks(ort_session(str(onnx_file(LANDMARKS)), threads, spin=False), mannequin_frames[0], region)
               for threads in (1, 2, 3)]  # fmt: skip
    for other in outputs[1:]:
        assert np.array_equal(other.keypoints, outputs[0].keypoints) and np.array_equal(other.world, outputs[0].world)


def test_people_followed_side_by_side_are_found_as_one_after_another(sessions, mannequin_frames):
    """Two tracked people's landmark runs on two threads (sessions of one ONNX Runtime thread each): bit for bit
    what one session finds one person after another."""
    side = [ort_session(str(onnx_file(LANDMARKS)), 1, spin=False) for _ in range(2)]
    one_after_another = PeopleDetector(DetectorSettings(detect_every=2), sessions=sessions)
    side_by_side = PeopleDetector(DetectorSettings(detect_every=2), sessions=sessions, side_by_side=side)
    assert one_after_another._pool is None and side_by_side._pool is not None
    for frame in mannequin_frames:
        ours, theirs = one_after_another(_two_people(frame)), side_by_side(_two_people(frame))
        assert [p.id for p in ours] == [p.id for p in theirs] == [0, 1]
        for a, b in zip(ours, theirs):
            assert np.array_equal(a.landmarks.keypoints, b.landmarks.keypoints)
            assert np.array_equal(a.landmarks.world, b.landmarks.world) and a.landmarks.flag == b.landmarks.flag


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


def _landmarks(hip, size: float, keypoints=None) -> Landmarks:
    """Landmarks whose next region is centred at ``hip`` (px) with side ``size``; 33 keypoints around it."""
    region = Region((float(hip[0]), float(hip[1])), float(size), 0.0)
    if keypoints is None:
        keypoints = np.asarray(hip, float) + size * np.linspace(-0.3, 0.3, 66).reshape(33, 2)
    ones = np.ones(33)
    return Landmarks(np.asarray(keypoints, float), ones, ones, np.zeros((33, 3)), 1.0, region, region)


_BIG = _landmarks((500.0, 800.0), 1200.0)
_ACROSS = _landmarks((500.0 + 0.3 * 700, 800.0), 700.0, _BIG.keypoints + 0.05 * 700)  # shares keypoints, not hips


@pytest.mark.parametrize(
    "a, b, same",
    [
        (_BIG, _BIG, True),
        (_BIG, _landmarks((500.0 + 0.1 * 1200, 800.0), 1200.0, _BIG.keypoints + 0.05 * 1200), True),
        (_BIG, _ACROSS, False),  # one's arms and face across the other's: most keypoints close, hips apart
        (_BIG, _landmarks((500.0, 800.0), 700.0, _BIG.keypoints + 0.12 * 700), False),  # the smaller one decides
        (_BIG, _landmarks((500.0, 800.0), 1200.0, _BIG.keypoints[::-1]), False),  # hips together, bodies apart
    ],
    ids=["identical", "slightly apart", "overlapping people", "smaller region decides", "keypoints apart"],
)
def test_same_body_needs_close_keypoints_and_close_hips(a, b, same):
    assert same_body(a, b) is same and same_body(b, a) is same


def test_a_track_that_slid_onto_someone_else_ends_and_the_one_that_stayed_keeps_its_id(monkeypatch):
    """Track 0 (older) jumps onto person 1, who did not move: 1 keeps its id, 0 ends (and is not re-found)."""
    first, second = _landmarks((300.0, 800.0), 700.0), _landmarks((900.0, 800.0), 700.0)
    detector = PeopleDetector(DetectorSettings(detect_every=1000), sessions=(None, None))
    detector.frame = 0
    detector.active = [_Track(0, first, 0, 0), _Track(1, second, 0, 0)]
    monkeypatch.setattr(people_module, "find_landmarks", lambda session, image, region: second)  # both on 1
    (person,) = detector(np.zeros((4, 4, 3), np.uint8))
    assert person.id == 1 and [t.id for t in detector.ended] == [0]


def test_a_track_on_someone_else_looks_again_in_a_larger_region_moved_on_by_its_velocity(monkeypatch):
    """Person 0 (nearer, moving right at 10 px/frame) passes in front of person 1: in its own region the landmark
    model finds 1's body, in one ``NEARER_SCALE`` times larger about where 0 should be now, 0's -- 0 goes on."""
    mover, other = _landmarks((500.0, 800.0), 1000.0), _landmarks((700.0, 780.0), 700.0)
    ahead = _landmarks((520.0, 800.0), 1050.0)
    larger = Region((510.0, 800.0), 1000.0 * NEARER_SCALE, 0.0)
    regions = []

    def find(session, image, region):
        regions.append(region)
        return ahead if region == larger else other

    detector = PeopleDetector(DetectorSettings(detect_every=1000), sessions=(None, None))
    detector.frame = 0
    detector.active = [_Track(0, mover, 0, 0, np.array([10.0, 0.0])), _Track(1, other, 0, 0)]
    monkeypatch.setattr(people_module, "find_landmarks", find)
    found = {p.id: p.landmarks for p in detector(np.zeros((4, 4, 3), np.uint8))}
    assert found == {0: ahead, 1: other} and not detector.ended
    assert regions == [mover.next_region, other.next_region, larger]


@pytest.mark.parametrize("since, searched_frames", [(0, list(range(101, 110))), (100, [104])],
                         ids=["tracked for a while: searched for", "a track of one frame: not"])  # fmt: skip
def test_losing_a_person_runs_the_person_detector_on_the_next_frames(monkeypatch, since, searched_frames):
    """Person 0 (tracked since ``since``) is lost at frame 101, person 1 stays: the person detector runs on frames
    101..109 (then every 8th again) -- only on frame 104, the 8th, when person 0 was an id of one frame."""
    stays, goes = _landmarks((900.0, 800.0), 700.0), _landmarks((300.0, 800.0), 700.0)
    lost = dataclasses.replace(goes, flag=0.1)
    detector = PeopleDetector(DetectorSettings(detect_every=8), sessions=(None, None))
    detector.frame = 100
    detector.active = [_Track(0, goes, 100, since), _Track(1, stays, 100, 0)]
    monkeypatch.setattr(people_module, "find_landmarks",
                        lambda session, image, region: lost if region == goes.next_region else stays)  # fmt: skip
    searched = []
    monkeypatch.setattr(detector, "_boxes", lambda image: searched.append(detector.frame) or [])
    for _ in range(101, 113):
        assert [p.id for p in detector(np.zeros((4, 4, 3), np.uint8))] == [1]
    assert searched == searched_frames + [112]
