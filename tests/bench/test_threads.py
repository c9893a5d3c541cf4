"""bench threads: each policy's environment, fresh worker processes, idle and loaded rows, the table."""

import pytest

from posynda.bench import threads
from posynda.threads import SPIN_COUNT, THREADS_ENV
from tests.helpers.cli import markdown_rows


@pytest.mark.parametrize(
    "policy, spin, count",
    [("posynda", str(SPIN_COUNT), None), ("pytorch", None, None), ("one-thread", None, "1")],
)
def test_each_policy_sets_only_its_own_variables(monkeypatch, policy, spin, count):
    monkeypatch.setenv("GOMP_SPINCOUNT", "7")  # this process's settings never leak into a worker
    monkeypatch.setenv(THREADS_ENV, "5")
    env = threads.policy_env(policy)
    assert env.get("GOMP_SPINCOUNT") == spin and env.get(THREADS_ENV) == count


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="unknown thread policy"):
        threads.policy_env("fast")


@pytest.mark.slow
def test_a_run_times_every_policy_idle_and_loaded_and_writes_each_row(tmp_path):
    written = []
    result = threads.run(load=1, repeats=3, workloads=("denoiser-b1",), log=lambda _m: None,
                         on_row=lambda r: written.append(len(r["rows"])))  # fmt: skip
    assert [r["policy"] for r in result["rows"]] == list(threads.POLICIES) and written == [1, 2, 3]
    one = next(r for r in result["rows"] if r["policy"] == "one-thread")
    assert one["threads_idle"] == one["threads_loaded"] == 1
    for row in result["rows"]:
        assert row["idle_ms"] > 0 and row["loaded_ms"] > 0
        assert row["slowdown"] == pytest.approx(row["loaded_ms"] / row["idle_ms"])
    table = markdown_rows(threads.markdown(result))
    assert table[0][:3] == ["workload", "threads policy", "threads idle / loaded"] and len(table) == 4
