"""The aggregation vocabulary is one list for the library, the CLI choices and the Triton kernel."""

from typing import get_args

from posynda.hypotheses.modes import AGGREGATIONS, SELECTIONS, Aggregation, Selection
from posynda.kernels import triton_support as kernels


def test_the_kernel_knows_every_aggregation():
    assert set(kernels.MODE_CODES) == set(AGGREGATIONS) == set(get_args(Aggregation))
    assert set(SELECTIONS) == set(get_args(Selection)) < set(AGGREGATIONS) and "mean" not in SELECTIONS
