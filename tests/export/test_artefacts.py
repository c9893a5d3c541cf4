"""The artefact table: one export function per file, run in table order for the options that ask for it."""

import pytest

from posynda.export import artefacts
from posynda.export.exporter import ExportOptions, run_export
from posynda.export.tensorrt_build import DEFAULT_BATCH


def test_every_option_names_its_row_and_rows_come_in_dependency_order():
    names = [a.name for a in artefacts.ARTEFACTS]
    assert names[0] == "denoiser.onnx"  # the others are made from it
    assert names.index("denoiser_fp16.onnx") < names.index("denoiser.engine")  # --trt --fp16 builds from it
    everything = ExportOptions(fp16=True, int8=True, sampler=True)
    wanted = {a.name for a in artefacts.ARTEFACTS if a.wanted(everything)}
    assert wanted == {"denoiser.onnx", "denoiser_fp16.onnx", "denoiser_int8.onnx", "sampler.onnx"}
    assert set(artefacts.MODEL_FILES) >= set(names) | {"denoiser.engine.json", "export.json", "landmarks.onnx"}
    assert DEFAULT_BATCH == ExportOptions().batch


def test_an_artefact_is_one_row(tmp_path, monkeypatch, micro_file):
    """A new row is written, recorded in export.json and moved into --out like the others."""

    def export_note(job):
        (job.staging / "note.txt").write_text(f"T = {job.frames}\n")
        return {"size_mb": 0.0, "seconds": 0.0}

    row = artefacts.Artefact("note.txt", lambda options: True, export_note)
    monkeypatch.setattr("posynda.export.exporter.ARTEFACTS", (*artefacts.ARTEFACTS, row))
    report = run_export(micro_file, tmp_path / "out", log=lambda _m: None)
    assert (tmp_path / "out" / "note.txt").read_text() == "T = 9\n" and "note.txt" in report["files"]


def test_the_detector_row_writes_blazepose_as_posynda_runs_it(tmp_path, micro_file):
    """``--detector``: BlazePose's two graphs, byte for byte the ones posynda's own detector runs, for libposynda."""
    pytest.importorskip("mediapipe")
    from posynda.detectors.blazepose_models import onnx_file
    from posynda.fileio import sha256_file

    report = run_export(micro_file, tmp_path / "out", options=ExportOptions(detector=True), log=lambda _m: None)
    files = report["files"]["person_detector.onnx"]["files"]
    for name, model in artefacts.DETECTOR_FILES:
        assert sha256_file(tmp_path / "out" / name) == sha256_file(onnx_file(model)) == files[name]["sha256"]
        assert model.sha256 in files[name]["source"] and "Apache-2.0" in files[name]["source"]
    run_export(micro_file, tmp_path / "out", log=lambda _m: None)  # exported again without it: not left behind
    assert not (tmp_path / "out" / "landmarks.onnx").exists()
