"""A video as keypoint input: BlazePose finds the filmed mannequin where its joints project and the
astronaut in a real photograph; frames without anyone are missing; the frames under the clips are found
again for pictures; bad inputs are one line."""

import sys

import numpy as np
import pytest

from posynda.data.detections import ReadOptions, detect_format, read_detections
from posynda.data.detections.video import clip_frames
from posynda.errors import InputError
from posynda.skeleton import H36M_JOINT_NAMES
from tests.helpers.video import VIDEO_SIZE, film_astronaut, film_mannequin, needs_blazepose

pytest.importorskip("imageio_ffmpeg")

J = H36M_JOINT_NAMES.index


@pytest.fixture(scope="module")
def mannequin(tmp_path_factory):
    """A 24-frame mannequin video whose first 3 frames are empty, and its true 2D."""
    path = tmp_path_factory.mktemp("video") / "mannequin.mp4"
    truth, cam = film_mannequin(path, frames=24, blank=(3, 0))
    return path, truth, cam


@pytest.fixture(scope="module")
def mannequin_read(mannequin):
    needs_blazepose()
    calls = []
    clips, report = read_detections(mannequin[0], progress=lambda done, total: calls.append((done, total)))
    return clips, report, calls


def test_blazepose_finds_the_mannequin_where_its_joints_project(mannequin, mannequin_read):
    _, truth, _ = mannequin
    clips, report, _ = mannequin_read
    assert report.format == "video" and clips.sequence_names() == ["mannequin/person0"]
    assert report.sequences[0].first_frame == 3 and clips.num_frames == 21  # the empty frames are not in it
    assert clips.image_size.tolist() == [list(VIDEO_SIZE)] and clips.fps.tolist() == [25.0]
    np.testing.assert_array_equal(clips.camera[0], [320, 320, 160, 120, 0, 0, 0, 0, 0])  # default: f = max(w, h)
    err = np.linalg.norm(clips.keypoints_2d - truth[3:], axis=-1)
    height = np.ptp(truth[..., 1], axis=-1).mean()  # about 144 px
    assert np.isfinite(err).mean() > 0.95
    assert np.nanmedian(err) < 0.06 * height  # measured: about 3 % of the height (definitions differ a little)
    assert np.nanmean(clips.confidence[np.isfinite(err)]) > 0.7
    assert report.notes[0] == (
        "BlazePose full (mediapipe==0.10.14's models, ONNX Runtime), every person, on 24 frames of 320x240 px, 25 fps"
    )


def test_detection_reports_progress_per_frame(mannequin_read):
    calls = mannequin_read[2]
    assert [done for done, _ in calls] == list(range(1, 25)) and all(total >= done for done, total in calls)


def test_frames_under_the_clips_are_the_video_frames_they_were_found_on(mannequin, mannequin_read):
    clips, report, _ = mannequin_read
    assert clips.source_frame.tolist() == list(range(3, 24)) and clips.person.tolist() == ["0"]
    frame = clip_frames(mannequin[0], clips, report)
    from posynda.data.video import VideoFrames

    whole = VideoFrames(mannequin[0])
    for i in (0, 7, 20):
        np.testing.assert_array_equal(frame(i), whole(i + 3))


def test_the_camera_options_apply_to_a_video(mannequin):
    needs_blazepose()
    clips, report = read_detections(mannequin[0], options=ReadOptions(fov=90))
    np.testing.assert_allclose(clips.camera[0][:4], [160, 160, 160, 120])
    assert "90 degree field of view" in report.camera


def test_blazepose_finds_the_astronaut_in_a_real_photograph(tmp_path):
    needs_blazepose()
    path = film_astronaut(tmp_path / "astronaut.mp4", frames=6)
    clips, _ = read_detections(path)
    assert clips.num_sequences == 1 and clips.num_frames == 6
    kp = clips.keypoints_2d
    for name in ("head", "neck", "l_shoulder", "r_shoulder", "thorax"):
        assert np.isfinite(kp[:, J(name)]).all(), name
    # the photograph (512 px square) ends at her waist: her left shoulder (image right) is right of her right
    # one, both in the upper half, the head above them
    assert (kp[:, J("l_shoulder"), 0] > kp[:, J("r_shoulder"), 0] + 100).all()
    assert (kp[:, J("head"), 1] < kp[:, J("thorax"), 1]).all() and (kp[:, J("thorax"), 1] < 300).all()
    # out of the picture (512 px): BlazePose's guess of her ankle, kept with its low score (a video keeps every
    # landmark, VIDEO_MIN_CONFIDENCE), missing when --min-confidence asks for it
    ankle = J("l_ankle")
    assert (kp[:, ankle, 1] > 512).all() and (clips.confidence[:, ankle] < 0.3).all()
    dropped, _ = read_detections(path, options=ReadOptions(min_confidence=0.3))
    assert np.isnan(dropped.keypoints_2d[:, ankle]).all() and np.isfinite(dropped.keypoints_2d[:, J("head")]).all()


def test_a_video_without_anyone_is_one_line(tmp_path):
    needs_blazepose()
    path = tmp_path / "empty.mp4"
    film_mannequin(path, frames=4, blank=(4, 0))
    with pytest.raises(InputError, match=r"empty\.mp4: no person detected"):
        read_detections(path)


def test_a_video_is_recognised_by_its_content_not_its_name(mannequin, tmp_path):
    renamed = tmp_path / "clip.data"
    renamed.write_bytes(mannequin[0].read_bytes())
    assert detect_format(renamed) == "video"


@pytest.mark.parametrize(
    "options, match",
    [
        (ReadOptions(image_size=(640, 480)), "has its own image size; drop --image-size"),
        (ReadOptions(joint_order="coco"), "BlazePose finds joint order 'blazepose33'"),
    ],
    ids=["image-size", "joint-order"],
)
def test_options_a_video_cannot_take_are_refused(mannequin, options, match):
    with pytest.raises(InputError, match=match):
        read_detections(mannequin[0], options=options)


def test_without_mediapipe_the_error_says_what_to_install(mannequin, monkeypatch):
    monkeypatch.setitem(sys.modules, "mediapipe", None)  # import mediapipe -> ImportError
    with pytest.raises(InputError, match=r"pip install 'posynda\[video\]'"):
        read_detections(mannequin[0])


def test_a_text_file_named_mp4_is_not_a_video(tmp_path):
    fake = tmp_path / "clip.mp4"
    fake.write_text("hello\n")
    with pytest.raises(InputError, match=r"clip\.mp4: not a video ffmpeg can read"):
        read_detections(fake)
