"""Click parameter types: lists, vectors, batch profiles, image sizes, intrinsics, output paths, choices from
Literal settings; a bad value is a BadParameter naming what was expected."""

import click
import pytest

from posynda.cli.param_types import (
    OUT_FILE,
    BatchProfile,
    FloatVector,
    ImageSize,
    IntList,
    Intrinsics,
    NameList,
    PresetName,
    choice,
)
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


def test_an_output_file_in_a_folder_that_cannot_be_written_is_refused_before_any_work(tmp_path):
    assert OUT_FILE.convert(str(tmp_path / "poses.json"), None, None) == str(tmp_path / "poses.json")
    with pytest.raises(click.BadParameter, match="is a directory"):
        OUT_FILE.convert(str(tmp_path), None, None)
    (tmp_path / "a.txt").write_text("")
    with pytest.raises(click.BadParameter, match="a.txt is a file, not a folder"):
        OUT_FILE.convert(str(tmp_path / "a.txt" / "poses.json"), None, None)
