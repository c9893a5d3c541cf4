"""The bundled BlazePose files: found inside the installed mediapipe, checked by hash, converted once into the
cache under a name that carries the hash and the converter's version."""

import pytest

from posynda.detectors import blazepose_models
from posynda.detectors.blazepose_models import CONVERTER_VERSION, LANDMARKS, MODELS, PERSON_DETECTOR, onnx_file
from posynda.errors import InputError
from tests.helpers.video import needs_blazepose


def test_the_two_models_and_their_outputs():
    assert [m.name for m in MODELS] == ["blazepose_person_detector", "blazepose_landmarks_full"]
    assert PERSON_DETECTOR.outputs == ("Identity", "Identity_1") and len(LANDMARKS.outputs) == 3


def test_a_file_other_than_the_pinned_wheels_is_refused(tmp_path, monkeypatch):
    (tmp_path / "modules" / "pose_detection").mkdir(parents=True)
    (tmp_path / "modules" / "pose_detection" / "pose_detection.tflite").write_bytes(b"not the model")
    monkeypatch.setattr(blazepose_models, "mediapipe_folder", lambda: tmp_path)
    with pytest.raises(InputError, match=r"not the file of mediapipe==0.10.14 \(sha256 "):
        onnx_file(PERSON_DETECTOR, tmp_path / "cache")
    with pytest.raises(InputError, match="bundles no pose_landmark_full.tflite"):
        onnx_file(LANDMARKS, tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_converted_once_into_a_name_with_hash_and_converter_version(tmp_path):
    needs_blazepose()
    pytest.importorskip("tflite")
    pytest.importorskip("onnx")
    path = onnx_file(PERSON_DETECTOR, tmp_path)
    assert path.name == f"blazepose_person_detector-{PERSON_DETECTOR.sha256[:12]}-c{CONVERTER_VERSION}.onnx"
    stamp = path.stat().st_mtime_ns
    assert onnx_file(PERSON_DETECTOR, tmp_path) == path and path.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
