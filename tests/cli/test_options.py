"""Shared CLI option blocks: sampling settings, keypoint input, run directories."""

import click
import pytest
from click.testing import CliRunner

from posynda.cli.options import keypoint_input_options, run_dir, sampling_options
from posynda.errors import InputError


def test_run_directories(in_tmp):
    made = run_dir(None, "thing")
    assert made.is_dir() and made.parent.name == "runs" and made.name.startswith("thing-")
    given = run_dir("out", "thing")
    assert str(given) == "out" and not given.exists()  # created by the command once its inputs are checked
    with pytest.raises(InputError, match="--resume needs --out"):
        run_dir(None, "thing", resume=True)


def test_sampling_options_build_the_settings():
    @click.command()
    @sampling_options
    def show(settings):
        click.echo(repr(settings))

    result = CliRunner().invoke(show, ["-H", "3", "-K", "2", "--aggregate", "frame", "--no-flip", "--seed", "7"])
    assert "hypotheses=3, steps=2, flip=False, aggregate='frame', batch_size=64, seed=7" in result.output


@pytest.fixture
def show_keypoints():
    @click.command()
    @keypoint_input_options("--input")
    def show(keypoints):
        click.echo(repr(keypoints))

    return show


def test_keypoint_input_options_build_the_reading(show_keypoints):
    args = ["--format", "coco", "--image-size", "1920x1080", "--fov", "60", "--min-confidence", "0.5"]
    result = CliRunner().invoke(show_keypoints, [*args, "--joint-order", "halpe26", "--tracking", "greedy"])
    assert result.exit_code == 0, result.output
    assert (
        "KeypointInput(format='coco', options=ReadOptions(image_size=(1920, 1080), intrinsics=None, fov=60.0, "
        in result.output
    )
    assert "min_confidence=0.5, joint_order='halpe26', tracking='greedy'" in result.output
    result = CliRunner().invoke(show_keypoints, [])
    assert (
        "format='auto', options=ReadOptions(image_size=None, intrinsics=None, fov=None, min_confidence=None"
        in result.output
    )


def test_intrinsics_and_a_field_of_view_together_are_a_usage_error(show_keypoints):
    result = CliRunner().invoke(show_keypoints, ["--intrinsics", "1,1,1,1", "--fov", "60"])
    assert result.exit_code == 2 and "--intrinsics and --fov both set the camera" in result.output
