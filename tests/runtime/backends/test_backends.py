"""The format table: a model file's suffix picks its backend; wrong files and wrong backends are one-line errors."""

import pytest

from posynda.errors import InputError
from posynda.runtime.backends import FORMATS, RUNTIME_BACKENDS, detect_model_type, expect_backend, load_backend


@pytest.mark.parametrize(
    "name, expected",
    [("m.safetensors", "torch"), ("m.onnx", "onnxruntime"), ("m.engine", "tensorrt"), ("M.ONNX", "onnxruntime")],
)
def test_model_type_from_the_file(tmp_path, name, expected):
    (tmp_path / name).write_bytes(b"")
    assert detect_model_type(tmp_path / name) == expected


@pytest.mark.parametrize("name", ["m.pt", "m.txt", "model"])
def test_unknown_model_types_are_input_errors(tmp_path, name):
    (tmp_path / name).write_bytes(b"x")
    with pytest.raises(InputError, match="unknown model file type"):
        detect_model_type(tmp_path / name)


@pytest.mark.parametrize(
    "model, message",
    [("garbage.onnx", "not a loadable ONNX model"), ("missing.onnx", "no such model file")],
)
def test_unloadable_files_are_input_errors(tmp_path, model, message):
    (tmp_path / "garbage.onnx").write_bytes(b"not a protobuf")
    with pytest.raises(InputError, match=message):
        load_backend(tmp_path / model)


@pytest.mark.parametrize(
    "name, backend, message",
    [("m.onnx", "torch", "needs a .safetensors file"), ("m.safetensors", "tensorrt", "needs a .engine file")],
)
def test_a_file_of_another_backend_is_refused(tmp_path, name, backend, message):
    (tmp_path / name).write_bytes(b"x")
    with pytest.raises(InputError, match=message):
        expect_backend(tmp_path / name, backend)
    expect_backend(tmp_path / name, detect_model_type(tmp_path / name))  # its own backend passes


def test_every_backend_has_one_format():
    assert tuple(f.backend for f in FORMATS) == RUNTIME_BACKENDS


def test_engines_need_the_gpu(tmp_path):
    (tmp_path / "m.engine").write_bytes(b"x")
    with pytest.raises(InputError, match="NVIDIA GPU only"):
        load_backend(tmp_path / "m.engine", device="cpu")
    with pytest.raises(InputError, match="device must be one of auto, cpu, cuda"):
        load_backend(tmp_path / "m.engine", device="tpu")


def test_a_backend_is_one_row_of_the_table(tmp_path, monkeypatch):
    """Opening goes through the row of the file's suffix: a new format is a row (here a stand-in opener)."""
    from posynda.runtime import backends

    opened = []
    row = backends.ModelFormat("fake", (".fake",), "a test", lambda path, device, threads: opened.append(path) or 7)
    monkeypatch.setattr(backends, "FORMATS", (*backends.FORMATS, row))
    (tmp_path / "m.fake").write_bytes(b"x")
    assert backends.load_backend(tmp_path / "m.fake") == 7 and opened == [tmp_path / "m.fake"]
    assert backends.detect_model_type(tmp_path / "m.fake") == "fake"
