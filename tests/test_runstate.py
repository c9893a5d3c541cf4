"""Resumable run state: the torch RNG and the optimizer come back exactly; bad files are input errors."""

import json
import signal

import pytest
import torch

from posynda.errors import InputError
from posynda.runstate import load_state, read_metrics, restore_state, save_state, stop_on_interrupt, write_metrics


def test_state_round_trip_restores_the_rng_optimizer_and_payload(tmp_path):
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    save_state(tmp_path / "s.pt", 7, opt, extra={"w": torch.ones(2)})
    expected_torch = torch.rand(1)
    opt2 = torch.optim.Adam(torch.nn.Linear(3, 2).parameters())
    state = load_state(tmp_path / "s.pt")
    assert restore_state(state, opt2) == 7 and torch.equal(state["extra"]["w"], torch.ones(2))
    assert torch.equal(torch.rand(1), expected_torch)
    assert opt2.state_dict()["state"][0]["step"] == opt.state_dict()["state"][0]["step"]


@pytest.mark.parametrize("content", [None, b"not a torch file"])
def test_missing_or_corrupt_state_is_an_input_error(tmp_path, content):
    path = tmp_path / "s.pt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match="--resume"):
        load_state(path)


def test_metrics_are_truncated_to_the_resumed_step(tmp_path):
    path = tmp_path / "m.jsonl"
    write_metrics(path, [json.dumps({"step": s}) for s in (10, 20, 30)])
    assert [json.loads(x)["step"] for x in read_metrics(path, 20)] == [10, 20]
    assert read_metrics(tmp_path / "absent.jsonl", 5) == []


def test_the_first_ctrl_c_only_requests_a_stop_and_the_second_interrupts():
    before = signal.getsignal(signal.SIGINT)
    with stop_on_interrupt() as stop:
        assert not stop.requested
        signal.raise_signal(signal.SIGINT)  # to this thread: the handler runs before the next bytecode
        assert stop.requested
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before
