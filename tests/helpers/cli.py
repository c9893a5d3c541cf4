"""Running ``posynda`` in-process and reading what it printed and wrote: tables, error lines, PNGs, folders."""

from click.testing import CliRunner

from posynda.cli import main

PNG = b"\x89PNG\r\n\x1a\n"  # the first bytes of every PNG file


def run(args, catch: bool = False):
    """``posynda ARGS`` through click's runner (exceptions propagate unless ``catch``)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=catch)


def markdown_rows(text: str) -> list[list[str]]:
    """The cells of every row of the Markdown tables in ``text`` (alignment rows left out), stripped."""
    rows = [line.strip().strip("|").split("|") for line in text.splitlines() if line.strip().startswith("|")]
    return [[c.strip() for c in row] for row in rows if not all(set(c.strip()) <= set(":-") for c in row)]


def error_lines(result) -> list[str]:
    """The ``posynda: error: ...`` lines of a CLI result."""
    return [line for line in result.output.splitlines() if line.startswith("posynda: error")]


def tree_digest(root):
    """{relative path: bytes} of every file under ``root`` (empty when it does not exist)."""
    return (
        {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}
    )
