"""The export pipeline: its options, the report it writes, and what it leaves in --out."""

import json

import pytest

from posynda.errors import InputError
from posynda.export.exporter import ExportOptions
from posynda.runtime.metadata import runtime_metadata
from tests.helpers.export import SAMPLER_HYPOTHESES, SAMPLER_STEPS


@pytest.mark.parametrize(
    "options, needle",
    [
        ({"opset": 13}, "opset"),
        ({"opset": 22}, "opset"),
        ({"steps": 0}, r"sampler steps must be in \[1, 1000\].*got 0 and 1"),
        ({"hypotheses": 0}, r"hypotheses in \[1, 100\], got 1 and 0"),
        ({"steps": 5000}, "got 5000 and 1"),
        ({"hypotheses": 101}, "got 1 and 101"),
    ],
)
def test_bad_options(options, needle):
    with pytest.raises(InputError, match=needle):
        ExportOptions(**options)


def test_report_lists_every_artefact_with_its_parity(shipped_export):
    report = json.loads((shipped_export / "export.json").read_text())
    assert set(report["files"]) == {"denoiser.onnx", "sampler.onnx"}
    for name, entry in report["files"].items():
        assert entry["parity"]["passed"] and entry["size_mb"] > 0 and len(entry["sha256"]) == 64, name
        assert (shipped_export / name).is_file()
    sampler = report["files"]["sampler.onnx"]["graph"]
    assert sampler["inputs"]["noise"] == [SAMPLER_STEPS + 1, "batch", SAMPLER_HYPOTHESES, 27, 17, 3]
    assert report["source"]["source_checkpoint"] == "studio-cpu.safetensors"
    assert sorted(p.name for p in shipped_export.iterdir()) == ["denoiser.onnx", "export.json", "sampler.onnx"]


def test_runtime_metadata_keys_are_in_every_graph(shipped_export):
    onnx = pytest.importorskip("onnx")
    from posynda.checkpoint import load_checkpoint
    from posynda.defaults import shipped_checkpoint

    expected = runtime_metadata(load_checkpoint(shipped_checkpoint()))
    for name in ("denoiser.onnx", "sampler.onnx"):
        meta = {p.key: p.value for p in onnx.load(str(shipped_export / name)).metadata_props}
        assert {k: meta[k] for k in expected} == expected, name
