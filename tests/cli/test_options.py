"""Shared CLI pieces: parameter types, choices from Literal settings, run directories."""

import click
import pytest
from click.testing import CliRunner

from posynda.cli.options import (
    BatchProfile,
    FloatVector,
    ImageSize,
    IntList,
    Intrinsics,
    NameList,
    PresetName,
    choice,
    keypoint_input_options,
    run_dir,
)
from posynda.errors import InputError
from posynda.hypotheses import Aggregation


def convert(param_type, value):
    return param_type.convert(value, None, None)


@pytest.mark.parametrize("text, expected", [("1:8:32", (1, 8, 32)), ("4", (4, 4, 4)), ("2:2:2", (2, 2, 2))])
def test_batch_profiles(text, expected):
    assert convert(BatchProfile(), text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("8:4:1", "min 8 > max 1"),
        ("2:1:4", "opt 1"),
        ("0:1:2", "min must be >= 1"),
        ("a:b:c", "integers"),
        ("1:2", "MIN:OPT:MAX"),
    ],
)
def test_bad_batch_profiles(text, message):
    with pytest.raises(click.BadParameter, match=message):
        convert(BatchProfile(), text)


@pytest.mark.parametrize(
    "param_type, text, expected",
    [
        (IntList(), "1,8,32", (1, 8, 32)),
        (IntList(), "4,", (4,)),
        (NameList(("a", "b"), "thing"), "b, a", ("b", "a")),
        (NameList(("a",), "thing", allow_empty=True), "", ()),
        (FloatVector(4, "fx,fy,cx,cy"), "1,2,3.5,4", (1.0, 2.0, 3.5, 4.0)),
        (PresetName(), "tiny", "tiny"),
        (ImageSize(), "1920x1080", (1920, 1080)),
        (ImageSize(), "640X480", (640, 480)),
        (Intrinsics(), "1000,1000,960,540", (1000.0, 1000.0, 960.0, 540.0)),
        (Intrinsics(), "1000,1000,960,540,0.1,0,0,0,0", (1000.0, 1000.0, 960.0, 540.0, 0.1, 0.0, 0.0, 0.0, 0.0)),
    ],
)
def test_lists_and_vectors(param_type, text, expected):
    assert convert(param_type, text) == expected


@pytest.mark.parametrize(
    "param_type, text, message",
    [
        (IntList(), "1,x", "comma-separated integers"),
        (IntList(), "0,2", "values must be >= 1"),
        (NameList(("a", "b"), "thing"), "a,c", r"unknown thing\(s\) \['c'\]"),
        (NameList(("a",), "thing"), "", "unknown thing"),
        (FloatVector(4, "fx,fy,cx,cy"), "1,2,3", "must be 4 numbers"),
        (PresetName("config"), "huge", "unknown config 'huge'"),
        (ImageSize(), "1920by1080", "expected WxH in pixels"),
        (ImageSize(), "0x1080", "expected WxH"),
        (Intrinsics(), "1000,1000,960", "4 to 9 numbers"),
        (Intrinsics(), "0,1000,960,540", "focal lengths fx, fy must be in \\[1, 1e\\+07\\] px"),
    ],
)
def test_bad_lists_and_vectors(param_type, text, message):
    with pytest.raises(click.BadParameter, match=message):
        convert(param_type, text)


def test_choices_come_from_the_literal():
    assert choice(Aggregation).choices == ("joint", "frame", "mean")


def test_run_directories(in_tmp):
    made = run_dir(None, "thing")
    assert made.is_dir() and made.parent.name == "runs" and made.name.startswith("thing-")
    given = run_dir("out", "thing")
    assert str(given) == "out" and not given.exists()  # created by the command once its inputs are checked
    with pytest.raises(InputError, match="--resume needs --out"):
        run_dir(None, "thing", resume=True)


def test_sampling_options_build_the_settings():
    from posynda.cli.options import sampling_options

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
