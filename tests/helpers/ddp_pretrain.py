"""Run by the DDP tests under ``torchrun`` (or alone): pretrain the micro denoiser on the test clips.

    python -m torch.distributed.run --standalone --nproc-per-node 2 tests/helpers/ddp_pretrain.py OUT STEPS \
        [STOP_AFTER] [--resume] [--fail-rank K] [--videopose]

``--videopose``: a micro VideoPose denoiser (batch norm, no dropout) instead of the micro MixSTE.

Each rank counts the files it wrote (checkpoint, train state, metrics) into ``OUT.rank<k>.json``, so
the test can check that only rank 0 wrote; ``--fail-rank K`` makes rank K fail at its first step.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for `tests.helpers`

import posynda.pretrain as pretraining  # noqa: E402
import posynda.training.loop as loop  # noqa: E402
from posynda.models import DenoiserConfig  # noqa: E402
from posynda.threads import use_threads  # noqa: E402
from tests.helpers.clips import make_clips  # noqa: E402
from tests.helpers.models import MICRO  # noqa: E402

MICRO_VIDEOPOSE = DenoiserConfig(arch="videopose", frames=9, dim=32, filter_widths=(3, 3), dropout=0.0)

# computed as in the test session (tests/conftest.py): device "auto" on the CPU, threads as cores are idle
os.environ["POSYNDA_DEVICE"] = "cpu"
use_threads(None)

RECIPE = pretraining.TrainRecipe(batch_size=8, lr=3e-3, warmup_steps=0, log_every=1, checkpoint_every=2)


def counting(module, name: str, counts: dict):
    """Count the calls of ``module.name`` (the files a rank writes) into ``counts``."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        counts[name] = counts.get(name, 0) + 1
        return original(*args, **kwargs)

    setattr(module, name, wrapper)


def failing_at_first_step():
    def wrapper(*args, **kwargs):
        raise RuntimeError("this rank fails on purpose")

    pretraining.step_batch = wrapper


def main(argv: list[str]) -> None:
    resume, videopose = "--resume" in argv, "--videopose" in argv
    fail = int(argv[argv.index("--fail-rank") + 1]) if "--fail-rank" in argv else None
    flags = ("--resume", "--fail-rank", "--videopose")
    args = [a for i, a in enumerate(argv) if a not in flags and argv[i - 1] != "--fail-rank"]
    out, steps = Path(args[0]), int(args[1])
    stop_after = int(args[2]) if len(args) > 2 else None
    rank = int(os.environ.get("RANK", "0"))
    counts: dict = {}
    counting(pretraining, "save_checkpoint", counts)  # the model file, written by pretraining at each checkpoint
    for name in ("save_state", "write_metrics"):  # the run state and metrics, written by the training loop
        counting(loop, name, counts)
    if fail == rank:
        failing_at_first_step()
    config = MICRO_VIDEOPOSE if videopose else MICRO
    pretraining.pretrain(make_clips((50, 30)), config, steps, out, recipe=RECIPE, progress=False, seed=3,
                         stop_after=stop_after, resume=resume)  # fmt: skip
    (out.parent / f"{out.name}.rank{rank}.json").write_text(json.dumps(counts))


if __name__ == "__main__":
    main(sys.argv[1:])
