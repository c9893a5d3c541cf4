"""The bounds are one table: posynda/limits.py and the C library's libposynda/src/limits.hpp state the same
numbers for every name they share (the C side needs no model-architecture bounds)."""

import re
from pathlib import Path

import pytest

from posynda import limits

HEADER = Path(__file__).resolve().parents[1] / "libposynda" / "src" / "limits.hpp"
PYTHON_ONLY = {"MAX_MODEL_WIDTH", "MAX_MODEL_DEPTH"}  # checkpoint architectures: the C library reads ONNX only


def c_limits() -> dict[str, float]:
    pattern = re.compile(r"constexpr\s+\w+\s+(MAX_\w+|MIN_\w+)\s*=\s*([0-9.e+]+)\s*;")
    return {name: float(value) for name, value in pattern.findall(HEADER.read_text())}


def python_limits() -> dict[str, float]:
    return {k: float(v) for k, v in vars(limits).items() if re.fullmatch(r"(MAX|MIN)_\w+", k)}


def test_python_and_c_state_the_same_bounds():
    c, py = c_limits(), python_limits()
    assert set(py) - PYTHON_ONLY == set(c)
    assert {k: py[k] for k in c} == c


@pytest.mark.parametrize(
    "value, expected",
    [(5, True), (0, True), (10, True), (11, False), (-1, False), (float("nan"), False), (float("inf"), False),
     ("5", False), (None, False)],
)  # fmt: skip
def test_in_range_refuses_non_numbers_and_non_finite(value, expected):
    assert limits.in_range(value, 0, 10) is expected
