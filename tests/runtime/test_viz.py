"""The --viz figure: evenly spaced frames, written atomically as a PNG."""

import pytest

from posynda.runtime.viz import draw_lift
from tests.conftest import PNG, make_clips


def test_draws_evenly_spaced_frames(tmp_path):
    pytest.importorskip("matplotlib")
    clips = make_clips((30,))
    picks = draw_lift(clips, clips.joints_3d, tmp_path / "v.png", frames=4)
    assert picks == [0, 9, 19, 29]
    assert (tmp_path / "v.png").read_bytes()[:8] == PNG
    assert draw_lift(make_clips((2,)), make_clips((2,)).joints_3d, tmp_path / "w.png", frames=4) == [0, 1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.png", "w.png"]  # no temporary files left
