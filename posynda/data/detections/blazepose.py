"""BlazePose, the offline 2D detector of ``posynda lift --video``: MediaPipe Pose's "full" landmark model.

The model files ship inside the ``mediapipe`` 0.10.14 wheel (``mediapipe/modules/pose_detection`` and
``pose_landmark_full.tflite``), so nothing is downloaded at run time; later mediapipe releases bundle
no models and are refused with the pin to install (extra ``[video]``). One person per frame (BlazePose
is a single-person model): a person detector finds them, then the landmark model tracks them from frame
to frame (MediaPipe's video mode) until it loses them. Landmarks are the 33 of
:data:`posynda.skeleton.BLAZEPOSE33_JOINT_NAMES`, normalised to the image by MediaPipe and turned back
into pixels here; each landmark's ``visibility`` (in [0, 1]) is its score.

Bazarevsky et al., "BlazePose: On-device Real-time Body Pose tracking", CVPR workshops 2020.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

import numpy as np

from posynda.data.detections.people import Person
from posynda.errors import InputError

ORDER = "blazepose33"
NUM_LANDMARKS = 33
MEDIAPIPE_PIN = "mediapipe==0.10.14"
MEDIAPIPE_HINT = f"--video needs MediaPipe's BlazePose: pip install 'posynda[video]' (it pins {MEDIAPIPE_PIN})"
# MediaPipe's defaults: the person detector's least score to start a track, the landmark model's least
# presence to keep it.
MIN_DETECTION_CONFIDENCE = 0.5
MIN_TRACKING_CONFIDENCE = 0.5


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence stderr at the file-descriptor level: MediaPipe's C++ graph and TFLite print start-up lines
    ("Created TensorFlow Lite XNNPACK delegate", absl warnings) that say nothing to a user. Failures still
    surface as Python exceptions."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (captured): nothing to silence
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # protobuf's GetPrototype deprecation
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _mediapipe_pose():
    """MediaPipe's legacy Pose solution with its bundled full model, or InputError saying what to install."""
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ start-up chatter on stderr
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import mediapipe
    except ImportError:
        raise InputError(MEDIAPIPE_HINT) from None
    solutions = getattr(mediapipe, "solutions", None)
    pose = getattr(solutions, "pose", None)
    model = os.path.join(os.path.dirname(mediapipe.__file__), "modules", "pose_landmark", "pose_landmark_full.tflite")
    if pose is None or not os.path.isfile(model):
        version = getattr(mediapipe, "__version__", "?")
        raise InputError(f"mediapipe {version} bundles no BlazePose model; pip install '{MEDIAPIPE_PIN}'")
    return pose


class BlazePose:
    """``detector(frame) -> Person | None``: the landmarks of the person in one RGB frame, pixels.

    Call it on the frames of one video in order (it tracks between calls); a context manager (closes
    MediaPipe's graph).

    Args:
        min_detection_confidence: least person-detector score to start tracking someone.
        min_tracking_confidence: least landmark presence to keep tracking (else detect again).

    Raises:
        InputError: mediapipe missing or without the bundled model (:data:`MEDIAPIPE_HINT`).
    """

    def __init__(
        self,
        min_detection_confidence: float = MIN_DETECTION_CONFIDENCE,
        min_tracking_confidence: float = MIN_TRACKING_CONFIDENCE,
    ):
        pose = _mediapipe_pose()
        self._started = False
        with _quiet_native_stderr():
            self._pose = pose.Pose(
                static_image_mode=False,
                model_complexity=1,  # the bundled "full" model (lite and heavy would be downloaded)
                smooth_landmarks=True,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )

    def __call__(self, frame: np.ndarray) -> Person | None:
        """``frame [H, W, 3]`` uint8 RGB -> the person (``keypoints [33, 2]`` px, ``scores [33]``), or None."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise InputError(f"BlazePose takes [H, W, 3] uint8 RGB frames, got {frame.dtype} {list(frame.shape)}")
        quiet = contextlib.nullcontext() if self._started else _quiet_native_stderr()  # the first run prints
        with quiet, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="SymbolDatabase.GetPrototype", category=UserWarning)
            result = self._pose.process(np.ascontiguousarray(frame))
        self._started = True
        if result.pose_landmarks is None:
            return None
        h, w = frame.shape[:2]
        marks = np.array([(m.x, m.y, m.visibility) for m in result.pose_landmarks.landmark], np.float64)
        if marks.shape != (NUM_LANDMARKS, 3):
            raise InputError(f"BlazePose returned {marks.shape[0]} landmarks, expected {NUM_LANDMARKS}")
        keypoints = marks[:, :2] * np.array([w, h], np.float64)
        return Person(keypoints=keypoints, scores=marks[:, 2])

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> "BlazePose":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
