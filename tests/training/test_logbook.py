"""The metrics lines: means over the steps since the last line, in mm, with the step's rate and the time."""

import json

import torch

from posynda.distributed import World
from posynda.training.logbook import Logbook


def test_a_line_is_the_mean_of_the_steps_since_the_last_in_mm():
    book = Logbook(World(), ["kept"])
    for loss in (0.010, 0.020, 0.030):
        book.add({"loss": torch.tensor(loss), "source": torch.tensor(float("nan"))})
    means = book.log(3, lr=0.5)
    line = json.loads(book.lines[-1])
    assert list(line) == ["step", "loss_mm", "source_mm", "lr", "seconds", "world_size"]
    assert line["step"] == 3 and line["lr"] == 0.5 and line["world_size"] == 1 and line["seconds"] >= 0
    assert means["loss"] == line["loss_mm"] == float(torch.tensor([0.06]) / 3) * 1000.0
    assert line["source_mm"] != line["source_mm"]  # a domain without clips: NaN
    book.add({"loss": torch.tensor(0.004), "source": torch.tensor(0.0)})
    assert book.log(4, lr=0.25)["loss"] == float(torch.tensor(0.004)) * 1000.0  # new sums after a line
    assert book.lines[0] == "kept" and len(book.lines) == 3


def test_notes_carry_other_facts_of_a_step():
    book = Logbook(World(), [])
    book.note(5, {"val_mpjpe": 41.0}, seconds=2.5)
    assert json.loads(book.lines[0]) == {"step": 5, "val_mpjpe": 41.0, "seconds": 2.5}
