"""The FLOPs report: numbers truncated (not rounded) like the paper, the paper's reference beside our count only
where the settings match it, and the Markdown tables of a counted result."""

import pytest

from posynda.bench import flops, flops_report
from tests.helpers.cli import markdown_rows


@pytest.mark.parametrize(
    "value, text",
    [(277.2627, "277.26"), (196.659, "196.65"), (0.5, "0.50"), (12, "12.00")],
)
def test_truncate_never_rounds_up(value, text):
    assert flops_report.truncate(value) == text


@pytest.mark.parametrize("count, text", [(836_656_898_048, "836.65"), (180_988_928, "0.1809"), (10**9, "1.00")])
def test_gflops_keep_four_decimals_below_one(count, text):
    assert flops_report.gflops(count) == text


def test_the_paper_reference_only_for_the_paper_model():
    assert flops_report.paper_reference("tiny", 4, 3) is None
    reference = flops_report.paper_reference("paper", 4, 3)
    assert reference is not None and "table3" in reference


@pytest.fixture(scope="module")
def tiny_result():
    return flops.count_flops("tiny")


def test_rows_and_markdown_agree(tiny_result):
    rows = flops_report.rows(tiny_result)
    assert [r["quantity"] for r in rows][:2] == ["denoiser parameters", "LoRA parameters (r = 4)"]
    assert all(r["paper"] == "" for r in rows)  # no paper column values for a model the paper does not have
    text = flops_report.markdown(tiny_result)
    assert text.startswith("# FLOPs and parameters: `tiny`")
    table = {row[0]: row[1:] for row in markdown_rows(text)}
    for row in rows:
        assert table[row["quantity"]][0] == row["value"]
