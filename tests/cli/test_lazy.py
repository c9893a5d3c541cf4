"""The lazy command group: commands listed from their own docstrings without importing them, and the
error boundary (bad input: one line, exit 2; anything else: one line, exit 1)."""

import importlib

import pytest
from click.testing import CliRunner

from posynda import __version__
from posynda.cli import COMMANDS, main
from tests.helpers.cli import error_lines, run


def test_help_lists_every_command_with_its_own_docstring():
    result = run(["--help"])
    listed = result.output.split("Commands:")[1]
    for name, target in COMMANDS.items():
        module, function = target.split(":")
        command = getattr(importlib.import_module(module), function)
        line = next(x for x in listed.splitlines() if x.split() and x.split()[0] == name)
        shown = line.split(None, 1)[1].rstrip(".")
        assert command.help.startswith(shown.rstrip(".").rstrip()), (name, shown)
    assert run(["--version"]).output.strip() == f"posynda, version {__version__}"


def test_unknown_command_and_internal_errors(tmp_path):
    result = CliRunner().invoke(main, ["frobnicate"])
    assert result.exit_code == 2 and "No such command" in result.output
    (tmp_path / "x.json").write_text('{"rows": "not a list"}')  # an internal failure: one line, exit 1
    result = CliRunner().invoke(main, ["bench", "plot", "--latency", str(tmp_path / "x.json")])
    assert result.exit_code == 1 and result.output.startswith("posynda: internal error:")
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args, needle",
    [
        (["data", "synth", "--domain", "moon", "--split", "train", "--out", "x.npz"], "'moon' is not one of"),
        (["data", "synth", "--domain", "wild", "--split", "test", "--scale", "0", "--out", "x.npz"], "--scale"),
        (["--bogus"], "No such option '--bogus'"),
        (["adapt", "--resume"], "--resume needs --out"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args, needle):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert result.output.startswith("posynda: error: ") and needle in result.output


def test_a_group_without_a_command_shows_its_help():
    result = CliRunner().invoke(main, ["bench"])
    assert result.exit_code == 2 and "Commands:" in result.output and "throughput" in result.output


def test_ctrl_c_exits_130_with_one_line(monkeypatch, in_tmp):
    import posynda.cli.evaluate

    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(posynda.cli.evaluate, "evaluate_all", pressed)
    result = CliRunner().invoke(main, ["eval"])
    assert result.exit_code == 130 and result.output.splitlines()[-1] == "posynda: interrupted: stopped by Ctrl-C"
    assert error_lines(result) == [] and result.output.count("posynda:") == 1


@pytest.mark.parametrize(
    "args, line",
    [(["adapt", "--rank", "0", "--lora"], "posynda: error: --rank must be in [1, 1024], got 0"),
     (["adapt", "--view-pitch", "120"], "posynda: error: --view-pitch must be between 0 and 90 degrees, got 120.0"),
     (["adapt", "--ema-decay", "1.5"], "posynda: error: --ema-decay must be in [0, 1), got 1.5"),
     (["adapt", "-H", "0"], "posynda: error: --hypotheses must be in [1, 100], got 0")],
)  # fmt: skip
def test_library_errors_name_parameters_and_the_cli_shows_the_flag(in_tmp, args, line):
    result = run(args, catch=True)
    assert result.exit_code == 2 and error_lines(result) == [line], result.output


def test_a_python_caller_sees_the_parameter_name():
    from posynda.adapt import AdaptSettings
    from posynda.errors import InputError

    with pytest.raises(InputError, match=r"^view_pitch_degrees must be between 0 and 90") as info:
        AdaptSettings(view_pitch_degrees=120.0)
    assert info.value.parameter == "view_pitch_degrees"
