"""Pixels to people: BlazePose's person detector and landmark model (from the mediapipe wheel, run by ONNX
Runtime) for every person in a frame, tracked through a video with ids that survive dropouts.

>>> detector = PeopleDetector()
>>> for frame in video:                     # RGB uint8 [H, W, 3]
...     for person in detector(frame):      # person.id, person.landmarks.keypoints [33, 2] px, .visibility, .world
...         ...
"""

from posynda.detectors.landmarks import Landmarks
from posynda.detectors.people import DetectedPerson, DetectorSettings, PeopleDetector

__all__ = ["DetectedPerson", "DetectorSettings", "Landmarks", "PeopleDetector"]
