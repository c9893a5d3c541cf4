"""Resumable run-state files: the payload and the torch RNG come back exactly; bad or older files are input errors."""

import json
import signal

import pytest
import torch

from posynda.errors import InputError
from posynda.runstate import (
    STATE_FORMAT,
    load_state,
    read_metrics,
    restore_rng,
    save_state,
    stop_on_interrupt,
    write_metrics,
)


def test_state_round_trip_restores_the_rng_and_the_payload(tmp_path):
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    save_state(tmp_path / "s.pt", 7, optimizer=opt.state_dict(), extra={"w": torch.ones(2)})
    expected_torch = torch.rand(1)
    opt2 = torch.optim.Adam(torch.nn.Linear(3, 2).parameters())
    state = load_state(tmp_path / "s.pt")
    restore_rng(state)
    opt2.load_state_dict(state["optimizer"])
    assert state["step"] == 7 and state["format"] == STATE_FORMAT and torch.equal(state["extra"]["w"], torch.ones(2))
    assert torch.equal(torch.rand(1), expected_torch)
    assert opt2.state_dict()["state"][0]["step"] == opt.state_dict()["state"][0]["step"]


@pytest.mark.parametrize("content", [None, b"not a torch file"])
def test_missing_or_corrupt_state_is_an_input_error_about_resume(tmp_path, content):
    path = tmp_path / "s.pt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match="^resume: ") as refused:
        load_state(path)
    assert refused.value.parameter == "resume"


def test_a_state_of_an_older_layout_is_refused_with_one_line(tmp_path):
    """Format 1 (before the shared training loop) had no scheduler, scaler or EMA count: it cannot resume exactly."""
    torch.save({"step": 3, "optimizer": {}, "torch_rng": torch.get_rng_state()}, tmp_path / "old.pt")
    with pytest.raises(InputError, match=r"written by an older posynda \(run state format 1, this one reads 2\)"):
        load_state(tmp_path / "old.pt")


def test_metrics_are_truncated_to_the_resumed_step(tmp_path):
    path = tmp_path / "m.jsonl"
    write_metrics(path, [json.dumps({"step": s}) for s in (10, 20, 30)])
    assert [json.loads(x)["step"] for x in read_metrics(path, 20)] == [10, 20]
    assert read_metrics(tmp_path / "absent.jsonl", 5) == []


@pytest.fixture
def sigint():
    """Sets SIGINT's handler for a test (whatever the test run was started with) and puts the old one back."""
    before = signal.getsignal(signal.SIGINT)
    yield lambda handler: signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGINT, before)


def test_the_first_ctrl_c_only_requests_a_stop_and_the_second_interrupts(sigint):
    sigint(signal.default_int_handler)  # Python's own, as a terminal starts it
    with stop_on_interrupt() as stop:
        assert not stop.requested
        signal.raise_signal(signal.SIGINT)  # to this thread: the handler runs before the next bytecode
        assert stop.requested
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_process_that_ignores_ctrl_c_keeps_ignoring_it(sigint):
    """Started by nohup or as a background job (SIGINT ignored): a training run there is not stopped by it."""
    sigint(signal.SIG_IGN)
    with stop_on_interrupt() as stop:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        assert not stop.requested
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
