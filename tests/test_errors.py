"""InputError: bad input is a ValueError the CLI turns into one line and exit code 2."""

from click.testing import CliRunner

from posynda.cli import main
from posynda.errors import InputError


def test_input_errors_are_value_errors_and_exit_2_in_one_line(tmp_path):
    assert issubclass(InputError, ValueError)
    result = CliRunner().invoke(main, ["data", "info", str(tmp_path / "missing.npz")])
    assert result.exit_code == 2 and result.output == f"posynda: error: {tmp_path / 'missing.npz'}: no such clip file\n"
