"""`posynda eval`: the metrics table and JSON, run directories, short sequences, bad input exits 2."""

import json

import pytest
from click.testing import CliRunner

from posynda.cli import main
from posynda.data import save_clips
from tests.helpers.cli import error_lines, run
from tests.helpers.clips import BAD_CLIP_FILES, bad_clip_file, make_clips


def test_eval_prints_a_table_and_writes_json(files):
    tmp, data, ckpt, _ = files
    result = run(["eval", "--checkpoint", str(ckpt), "--data", str(data), "-H", "2", "--json", "out.json"])
    assert result.exit_code == 0, result.output
    assert "MPJPE" in result.output and "run directory:" in result.output
    payload = json.loads((tmp / "out.json").read_text())
    assert {"mpjpe", "p_mpjpe", "pck", "auc", "per_sequence"} <= set(payload)
    assert set(payload["per_sequence"]) == {"seq0", "seq1"}
    run_dirs = list((tmp / "runs").iterdir())
    assert len(run_dirs) == 1 and (run_dirs[0] / "metrics.json").is_file()


@pytest.mark.parametrize("kind,needle", BAD_CLIP_FILES)
def test_bad_clip_files_exit_2_with_one_line(files, kind, needle):
    tmp, _, ckpt, clips = files
    result = CliRunner().invoke(
        main, ["eval", "--checkpoint", str(ckpt), "--data", str(bad_clip_file(tmp, clips, kind))]
    )
    assert result.exit_code == 2
    lines = error_lines(result)
    assert len(lines) == 1 and needle in lines[0]
    assert not (tmp / "runs").exists()  # refused before a run directory is made


@pytest.mark.parametrize("content", [b"garbage", b""])
def test_bad_checkpoint_exits_2(files, content):
    tmp, data, _, _ = files
    bad = tmp / "bad.safetensors"
    bad.write_bytes(content)
    result = CliRunner().invoke(main, ["eval", "--checkpoint", str(bad), "--data", str(data)])
    assert result.exit_code == 2 and "posynda: error:" in result.output


def test_short_sequences_are_padded_not_rejected(files):
    tmp, _, ckpt, _ = files
    short = save_clips(tmp / "short.npz", make_clips((4,)))  # shorter than the 9-frame window
    result = run(["eval", "--checkpoint", str(ckpt), "--data", str(short), "--json", "s.json"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp / "s.json").read_text())["frames"] == 4


def test_usage_errors_exit_2(files):
    result = CliRunner().invoke(
        main, ["eval", "--hypotheses", "0", "--data", str(files[1]), "--checkpoint", str(files[2])]
    )
    assert result.exit_code == 2 and "hypotheses" in result.output
    result = CliRunner().invoke(main, ["eval", "--aggregate", "median", "--data", str(files[1])])
    assert result.exit_code == 2 and "'median' is not one of 'joint', 'frame', 'mean'" in result.output


@pytest.mark.slow
def test_eval_without_arguments_shows_the_domain_gap(tmp_path, monkeypatch):
    monkeypatch.setenv("POSYNDA_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    result = run(["eval", "--no-per-sequence", "--json", "all.json"])
    assert result.exit_code == 0, result.output
    assert "studio/test" in result.output and "wild/test" in result.output
    domains = json.loads((tmp_path / "all.json").read_text())["domains"]
    assert domains["wild/test"]["mpjpe"] > 1.3 * domains["studio/test"]["mpjpe"]
    assert domains["wild/test"]["pck"] < domains["studio/test"]["pck"]
