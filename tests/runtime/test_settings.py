"""Sampling settings: defaults and the values that are refused."""

import pytest

from posynda.errors import InputError
from posynda.runtime import SamplingSettings


def test_defaults_are_one_hypothesis_one_step_with_flip():
    s = SamplingSettings()
    assert (s.hypotheses, s.steps, s.flip, s.aggregate, s.batch_size, s.seed, s.stride) == (
        1,
        1,
        True,
        "joint",
        64,
        0,
        None,
    )


@pytest.mark.parametrize(
    "bad, needle",
    [({"hypotheses": 0}, r"hypotheses must be in \[1, 100\]"), ({"steps": 0}, r"steps must be in \[1, 1000\]"),
     ({"batch_size": 0}, "batch_size must be in"), ({"hypotheses": 101}, "hypotheses"), ({"steps": 5000}, "got 5000"),
     ({"batch_size": 10**6}, "batch_size"), ({"stride": 0}, "stride"),
     ({"aggregate": "median"}, "unknown aggregation")],
)  # fmt: skip
def test_bad_values(bad, needle):
    with pytest.raises(InputError, match=needle):
        SamplingSettings(**bad)
