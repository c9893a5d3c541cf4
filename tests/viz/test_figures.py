"""matplotlib for pictures: a missing matplotlib names the extra (and the parameter asked for), and a figure is
written as a PNG atomically and closed."""

import sys

import pytest

from posynda.extras import MissingExtra
from posynda.viz.figures import pyplot, save_figure
from tests.helpers.cli import PNG


def test_without_matplotlib_the_purpose_and_the_extra_are_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # not installed
    with pytest.raises(MissingExtra) as error:
        pyplot("viz", parameter="viz")
    assert str(error.value) == "viz needs matplotlib: pip install 'posynda[viz]'" and error.value.parameter == "viz"
    with pytest.raises(MissingExtra, match="^plots needs matplotlib") as error:
        pyplot("plots")
    assert error.value.parameter is None


def test_a_figure_is_written_atomically_and_closed(tmp_path):
    pytest.importorskip("matplotlib")
    plt = pyplot()
    fig = plt.figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    path = save_figure(fig, tmp_path / "f.png", dpi=50)
    assert path == tmp_path / "f.png" and path.read_bytes()[:8] == PNG
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]  # no temporary file left
    assert not plt.fignum_exists(fig.number)
