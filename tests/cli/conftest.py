"""Fixtures of the CLI tests: a working folder with a labelled clip file and the micro checkpoint."""

import pytest

from posynda.data import save_clips
from tests.helpers.clips import make_clips


@pytest.fixture
def files(in_tmp, micro_file):
    """``(folder, labelled clip file, micro checkpoint, its clips)``; the test runs in the folder."""
    clips = make_clips((30, 12))
    return in_tmp, save_clips(in_tmp / "data.npz", clips), micro_file, clips
