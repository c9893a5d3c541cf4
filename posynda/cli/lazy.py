"""A click group whose commands are imported only when they run (``posynda --help`` imports no torch).

Each command is registered as ``name -> "module:function"``. Listing the commands (``--help``)
reads each function's docstring from its module's source with :mod:`ast`, without importing the
module; running a command (or asking for its own help) imports its module. The group also draws
the CLI's error boundary, one line on stderr for every failure: posynda's
:class:`~posynda.errors.InputError` and click's usage errors (a bad option value, an unknown
option) exit with code 2, and so does a missing optional library (the line names the extra to
install, :mod:`posynda.extras`); Ctrl-C exits with code 130 (a training run says how to resume it), any other
exception with code 1 (``POSYNDA_DEBUG=1`` re-raises).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
from functools import lru_cache

import click

from posynda.cli import cleanup
from posynda.errors import InputError, RunInterrupted
from posynda.extras import missing_extra_message


@lru_cache(maxsize=None)
def _docstring(target: str) -> str:
    """The docstring of ``module:function`` read from the module's source (no import)."""
    module, function = target.split(":")
    spec = importlib.util.find_spec(module)
    tree = ast.parse(open(spec.origin, encoding="utf-8").read())
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    return ast.get_docstring(node) or ""


class LazyGroup(click.Group):
    """A group of ``{name: "module:function"}`` commands, imported on use."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx) -> list[str]:
        return list(self.lazy_commands) + [n for n in super().list_commands(ctx) if n not in self.lazy_commands]

    def get_command(self, ctx, name: str):
        target = self.lazy_commands.get(name)
        if target is None:
            return super().get_command(ctx, name)
        module, function = target.split(":")
        return getattr(importlib.import_module(module), function)

    def format_commands(self, ctx, formatter) -> None:
        """The command list with each command's first docstring line, as click prints it, without imports."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            target = self.lazy_commands.get(name)
            if target is None:
                rows.append((name, super().get_command(ctx, name).get_short_help_str(limit)))
            else:
                rows.append((name, click.Command(name, help=_docstring(target)).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's ``main`` with usage errors on one line: ``posynda: error: <what> (see '<command> --help')``."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # a group called without a command: its help
                exc.show()
                sys.exit(exc.exit_code)
            hint = f" (see '{exc.ctx.command_path} --help')" if getattr(exc, "ctx", None) is not None else ""
            click.echo(f"posynda: error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except SystemExit as exc:  # a nested group already reported it
            if exc.code not in (0, None):
                cleanup.remove_empty()
            raise
        except BaseException as exc:  # a failed command leaves no empty run folder (posynda.cli.cleanup)
            cleanup.remove_empty()
            if isinstance(exc, (click.ClickException, click.exceptions.Abort)):
                raise
            self._report(exc, ctx)

    @staticmethod
    def _report(exc: BaseException, ctx) -> None:
        """One line on stderr for ``exc`` and the exit code: 130 Ctrl-C, 2 bad input or a missing extra, 1 else."""
        if isinstance(exc, KeyboardInterrupt):  # Ctrl-C: one line, the shell's code for SIGINT
            what = str(exc) if isinstance(exc, RunInterrupted) else "stopped by Ctrl-C"
            click.echo(f"posynda: interrupted: {what}", err=True)
            sys.exit(130)
        if os.environ.get("POSYNDA_DEBUG") or not isinstance(exc, Exception):
            raise exc
        if isinstance(exc, InputError):
            click.echo(f"posynda: error: {_in_flags(exc, ctx)}", err=True)
            sys.exit(2)
        command = f"{ctx.command_path} {ctx.invoked_subcommand or ''}".strip()
        missing = missing_extra_message(exc.name or "", command) if isinstance(exc, ModuleNotFoundError) else None
        if missing:  # an optional stack that the command did not check for first
            click.echo(f"posynda: error: {missing}", err=True)
            sys.exit(2)
        click.echo(f"posynda: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)


def _in_flags(exc: InputError, ctx) -> str:
    """``exc``'s message with the library parameter it names (``exc.parameter``) shown as the invoked command's
    flag: the option whose destination is that parameter (``rank`` -> ``--rank``)."""
    message = str(exc)
    if not exc.parameter or not ctx.invoked_subcommand:
        return message
    command = ctx.command.get_command(ctx, ctx.invoked_subcommand)
    for param in getattr(command, "params", []):
        if param.name == exc.parameter and getattr(param, "opts", None):
            flag = max(param.opts, key=len)  # the long name
            return message.replace(exc.parameter, flag, 1) if message.startswith(exc.parameter) else message
    return message
