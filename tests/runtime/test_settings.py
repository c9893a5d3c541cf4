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
    [({"hypotheses": 0}, ">= 1"), ({"steps": 0}, ">= 1"), ({"batch_size": 0}, ">= 1"), ({"stride": 0}, "stride"),
     ({"aggregate": "median"}, "unknown aggregation")],
)  # fmt: skip
def test_bad_values(bad, needle):
    with pytest.raises(InputError, match=needle):
        SamplingSettings(**bad)
