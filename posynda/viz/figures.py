"""matplotlib for pictures, and figures written as PNG files atomically.

matplotlib is an optional stack (extra ``[viz]``): :func:`pyplot` looks it up before importing it and
selects the non-interactive Agg backend; :func:`save_figure` lays a figure out, renders it to memory and
writes the file with :func:`posynda.fileio.atomic_write_bytes`, so a failed draw leaves no partial PNG.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from posynda.extras import MissingExtra, installed, missing_extra_message
from posynda.fileio import atomic_write_bytes


def pyplot(purpose: str = "viz", parameter: str | None = None):
    """``matplotlib.pyplot`` on the non-interactive Agg backend.

    Raises:
        MissingExtra: without matplotlib, as ``"<purpose> needs matplotlib: pip install 'posynda[viz]'"``;
            ``parameter`` is the library parameter ``purpose`` names, if any (the command line shows its flag).
    """
    if not installed("matplotlib"):
        raise MissingExtra(missing_extra_message("matplotlib", purpose), parameter=parameter)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | os.PathLike, dpi: int, tight: bool = True) -> Path:
    """Lay out ``fig`` (``tight_layout`` unless ``tight`` is False), write it as a PNG atomically and close it;
    returns the path."""
    plt = pyplot()
    if tight:
        fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return Path(path)
