"""The artefact table: one export function per file, run in table order for the options that ask for it."""

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
    assert set(artefacts.MODEL_FILES) >= set(names) | {"denoiser.engine.json", "export.json"}
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
