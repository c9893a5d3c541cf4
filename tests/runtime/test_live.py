"""The live pipeline: every person gets a stream of their own, poses come out L frames late (at once with a
causal model) with the source's frame numbers and the detector's ids, equal to the whole-sequence lift of the
same detections; a short absence is held, a long one finishes the person's stream without inventing the frames
after they left; a calibration levels each frame as the whole lift does and sizes people by the floor so far."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from posynda.data.detections import default_intrinsics
from posynda.data.detections.people import Person
from posynda.data.detections.read_options import ReadOptions
from posynda.data.detections.video import video_clips
from posynda.defaults import shipped_checkpoint
from posynda.errors import InputError
from posynda.runtime import Lifter, SamplingSettings, live
from posynda.runtime.floor_scale import CLEARANCE_MM, RunningFloorScale
from posynda.runtime.live import LivePipeline
from posynda.runtime.orientation import MIN_FRAMES
from posynda.runtime.person_lift import LiveCalibration
from posynda.runtime.windowed_lift import place_in_camera
from posynda.skeleton import convert_joints

SIZE = (640, 480)
SETTINGS = SamplingSettings(hypotheses=1, steps=1)


@pytest.fixture(scope="module")
def lifter():
    return Lifter(shipped_checkpoint())


def blazepose_track(frames: int, seed: int, x: float) -> np.ndarray:
    """``[frames, 33, 2]`` px: a person-sized cloud of BlazePose keypoints around ``x`` that drifts smoothly."""
    rng = np.random.default_rng(seed)
    base = np.column_stack([rng.uniform(-60, 60, 33) + x, rng.uniform(80, 400, 33)])
    drift = np.cumsum(rng.normal(0, 1.5, (frames, 33, 2)), axis=0)
    return base + drift


class ScriptedDetector:
    """Plays back ``tracks`` (id -> ``[F, 33, 2]``; NaN frames: the person is not found) as PeopleDetector, with
    ``world`` (id -> ``[F, 33, 3]`` m) as the detector's own 3D when given."""

    def __init__(self, tracks: dict[int, np.ndarray], world: dict[int, np.ndarray] | None = None):
        self.tracks, self.world, self.frame = tracks, world or {}, -1

    def __call__(self, image):
        self.frame += 1
        found = []
        for person, track in self.tracks.items():
            if self.frame < len(track) and np.isfinite(track[self.frame]).all():
                ones = np.ones(33)
                world = self.world[person][self.frame] if person in self.world else None
                landmarks = SimpleNamespace(keypoints=track[self.frame], visibility=ones, presence=ones, world=world)
                found.append(SimpleNamespace(id=person, landmarks=landmarks))
        return found


def run(lifter, tracks, frames, max_gap=30, world=None, **use):
    pipeline = LivePipeline(lifter, settings=SETTINGS, detector=ScriptedDetector(tracks, world), max_gap=max_gap,
                            **use)  # fmt: skip
    image = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    emitted = []  # (the frame pushed when the pose came out, the pose)
    for t in range(frames):
        emitted += [(t, pose) for pose in pipeline.push(image)]
        assert len(pipeline.arrivals) <= lifter.frames + 1  # only the frames still to come out are remembered
    emitted += [(frames, pose) for pose in pipeline.finish()]
    return emitted


def whole_lift(lifter, track):
    keypoints, confidence = convert_joints(track, "blazepose33", np.ones(track.shape[:2]))
    return lifter.lift_keypoints(keypoints.astype(np.float32), SIZE, default_intrinsics(*SIZE),
                                 confidence.astype(np.float32), SETTINGS)  # fmt: skip


def file_lift(lifter, tracks, frames: int, max_gap: int) -> dict[tuple[str, int], np.ndarray]:
    """``{(person, frame): absolute [17, 3] mm}``: the whole lift of the keypoint file of the same detections (what
    ``posynda detect`` writes of them: a sequence per person and part, in order of their first frames)."""
    detections = {t: [Person(track[t], np.ones(33), track=str(person)) for person, track in tracks.items()
                      if t < len(track) and np.isfinite(track[t]).all()] for t in range(frames)}  # fmt: skip
    clips, _ = video_clips("scripted.mp4", detections, SIZE, math.nan, ReadOptions(max_gap=max_gap))
    absolute = lifter.lift(clips, SETTINGS).absolute_mm
    return {(clips.person_of(s), int(f)): absolute[rows.start + i] for s, rows in clips.iter_sequences()
            for i, f in enumerate(clips.source_frames(s))}  # fmt: skip


def test_two_people_come_out_late_by_l_frames_and_equal_the_whole_lift(lifter):
    tracks = {0: blazepose_track(60, 0, 200.0), 3: blazepose_track(60, 1, 450.0)}
    tracks[3][:10] = np.nan  # the second person walks in at frame 10
    emitted = run(lifter, tracks, 60)
    latency = lifter.frames - 1
    for person, first in ((0, 0), (3, 10)):
        mine = [(t, p) for t, p in emitted if p.person == str(person)]
        assert [p.frame for _, p in mine] == list(range(first, 60))  # every frame they were in, in order
        assert all(t == p.frame + latency for t, p in mine if t < 60)  # L frames late until the end
        assert all(p.detected and p.latency_ms >= 0 for _, p in mine)
        expected = whole_lift(lifter, tracks[person][first:])  # a person alone, sequence 0's noise
        got = np.stack([p.absolute_mm for _, p in mine])
        if person == 0:
            np.testing.assert_allclose(got, expected.absolute_mm, atol=1e-2)
        else:  # the second stream draws sequence 1's noise, as the second sequence of a file
            assert np.abs(got - expected.absolute_mm).max() > 1.0


def test_every_persons_stream_draws_the_noise_of_their_sequence_in_a_file_of_the_same_detections(lifter):
    """Person 0 leaves for longer than max_gap and comes back (a new stream, a new part in the file) after person 3
    walked in: the streams open in the order the file's sequences start (0, then 3, then 0 again), each draws that
    sequence's noise, and every row equals the whole lift of the file. (Person 0's first part is one window long: a
    stream ended by an absence lifts its last window's frames with the absence held, where the file's tail window
    ends at their last detection -- libposynda/README.md, "Streaming".)"""
    tracks = {0: blazepose_track(70, 0, 200.0), 3: blazepose_track(70, 1, 450.0)}
    tracks[3][:10] = np.nan
    tracks[0][lifter.frames : lifter.frames + 15] = np.nan
    rows = {(p.person, p.frame): p.absolute_mm for _, p in run(lifter, tracks, 70, max_gap=8)}
    expected = file_lift(lifter, tracks, 70, max_gap=8)
    assert sorted(rows) == sorted(expected)
    for key, pose in expected.items():
        np.testing.assert_allclose(rows[key], pose, atol=1e-2, err_msg=str(key))


def test_a_causal_model_gives_each_persons_pose_at_the_push_of_its_frame():
    lifter = Lifter(shipped_checkpoint(causal=True))
    tracks = {0: blazepose_track(40, 0, 200.0), 3: blazepose_track(40, 1, 450.0)}
    tracks[3][:10] = np.nan
    emitted = run(lifter, tracks, 40)
    assert all(t == p.frame for t, p in emitted)  # L = 0: nothing is left for finish()
    expected = file_lift(lifter, tracks, 40, max_gap=30)
    for person, first in ((0, 0), (3, 10)):
        mine = [p for _, p in emitted if p.person == str(person)]
        assert [p.frame for p in mine] == list(range(first, 40))
        want = np.stack([expected[str(person), p.frame] for p in mine])
        np.testing.assert_allclose(np.stack([p.absolute_mm for p in mine]), want, atol=1e-2)


@pytest.mark.parametrize("gap, kept", [(5, True), (12, False)])
def test_an_absence_is_held_or_ends_the_stream(lifter, gap, kept):
    track = blazepose_track(70, 2, 300.0)
    track[40 : 40 + gap] = np.nan
    emitted = [p for _, p in run(lifter, {7: track}, 70, max_gap=8)]
    frames = [p.frame for p in emitted]
    if kept:  # held through the gap: one stream, every frame, the gap's frames marked as not detected
        assert frames == list(range(70)) and [p.frame for p in emitted if not p.detected] == list(range(40, 45))
    else:  # the stream ended at the gap (nothing after frame 39 from it); the return starts a new one
        assert frames == list(range(40)) + list(range(40 + gap, 70))
        assert all(p.detected for p in emitted)


def test_the_detectors_3d_is_used_once_the_frames_so_far_give_the_rotation(lifter):
    track = blazepose_track(50, 3, 300.0)
    plain = np.stack([p.root_relative_mm for _, p in run(lifter, {0: track}, 50)])
    world = np.random.default_rng(4).normal(0, 0.3, (50, 33, 3))  # metres: some other 3D of the person
    poses = [p for _, p in run(lifter, {0: track}, 50, world={0: world}, orient=True, detector_weight=0.5)]
    used = np.stack([p.root_relative_mm for p in poses])
    np.testing.assert_allclose(used[:MIN_FRAMES], plain[:MIN_FRAMES])  # the rotation is not known yet
    assert np.abs(used[MIN_FRAMES:] - plain[MIN_FRAMES:]).max() > 10.0
    # each changed pose has its root fitted to its frame's 2D again, as the whole-sequence lift places it
    absolute = np.stack([p.absolute_mm for p in poses])
    keypoints, confidence = convert_joints(track, "blazepose33", np.ones(track.shape[:2]))
    placed = place_in_camera(used, keypoints, np.tile(default_intrinsics(*SIZE), (50, 1)), confidence)
    np.testing.assert_allclose(absolute, placed, atol=1e-3)
    no_world = np.stack([p.root_relative_mm for _, p in run(lifter, {0: track}, 50, orient=True,
                                                            detector_weight=0.5)])  # fmt: skip
    np.testing.assert_allclose(no_world, plain)


def test_a_calibrated_person_is_levelled_as_the_whole_lift_and_sized_by_the_floor_so_far(lifter):
    track = blazepose_track(45, 5, 300.0)
    up = np.array([0.0, -0.9, -0.45])  # a camera looking 27 deg down
    levelled = [p for _, p in run(lifter, {0: track}, 45, calibration=LiveCalibration(up))]
    keypoints, confidence = convert_joints(track, "blazepose33", np.ones(track.shape[:2]))
    whole = lifter.lift_keypoints(keypoints.astype(np.float32), SIZE, default_intrinsics(*SIZE),
                                  confidence.astype(np.float32), SETTINGS, camera_up=up)  # fmt: skip
    unsized = np.stack([p.absolute_mm for p in levelled])
    np.testing.assert_allclose(unsized, whole.absolute_mm, atol=1e-2)  # through the level camera, turned back
    lower = (unsized[:, [3, 6]] @ (up / np.linalg.norm(up))).min(axis=1)  # the lower ankle's height, mm (< 0)
    height = CLEARANCE_MM - 0.9 * float(np.median(lower))  # the camera's, for a scale of about 0.9
    sized = [p for _, p in run(lifter, {0: track}, 45, calibration=LiveCalibration(up, height, floor_window=20))]
    expected = RunningFloorScale(up, height, window=20)
    scales = np.array([expected(pose) for pose in unsized])
    assert scales[0] != 1.0 and 0.85 < scales[-1] < 0.95  # sized from the first frame on
    factor = scales[:, None, None]  # about the camera centre: root-relative and absolute alike
    np.testing.assert_allclose(np.stack([p.absolute_mm for p in sized]), unsized * factor, atol=1e-2)
    relative = np.stack([p.root_relative_mm for p in levelled])
    np.testing.assert_allclose(np.stack([p.root_relative_mm for p in sized]), relative * factor, atol=1e-2)


def test_each_persons_last_size_is_kept_for_the_last_people_who_ended(lifter, monkeypatch):
    """`LivePipeline.person_scale` (libposynda's posynda_pipeline_person_scale): a person followed now, or one of
    the last ENDED_SIZES who ended; the lifter's size and why without a calibrated floor; anyone else refused."""
    monkeypatch.setattr(live, "ENDED_SIZES", 2)
    up = np.array([0.0, -0.9, -0.45])
    tracks = {k: blazepose_track(12, 10 + k, 200.0 + 100 * k) for k in range(3)}
    for k in range(3):  # one after another: person k seen in frames 12k .. 12k + 11
        tracks[k] = np.concatenate([np.full((12 * k, 33, 2), np.nan), tracks[k]])
    image = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    for calibration in (None, LiveCalibration(up, 2500.0)):
        pipeline = LivePipeline(lifter, settings=SETTINGS, detector=ScriptedDetector(tracks), max_gap=2,
                                calibration=calibration)  # fmt: skip
        for _ in range(30):
            pipeline.push(image)
        followed = pipeline.person_scale("2")  # still followed: the scale of their last pose so far
        pipeline.finish()
        if calibration is None:
            assert followed == pipeline.person_scale("1") == (1.0, live.NO_FLOOR)
            continue
        assert followed[1] is None and 0.6 <= followed[0] <= 1.4  # the floor gave it
        assert list(pipeline.sizes) == ["1", "2"]  # the last two who ended, oldest first
        assert pipeline.person_scale("2") == pipeline.sizes["2"]
        with pytest.raises(InputError, match="person 0 is neither followed by the pipeline nor one of the last 2"):
            pipeline.person_scale("0")
