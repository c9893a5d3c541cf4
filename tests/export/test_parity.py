"""Parity gates: an exported graph passes when ONNX Runtime reproduces PyTorch within its precision's gate."""

import numpy as np
import pytest
import torch

from posynda.export import parity
from posynda.export.onnx_graphs import SamplerGraph
from posynda.runtime.metadata import DENOISER_INPUTS, SAMPLER_INPUTS
from tests.helpers.models import MICRO, micro_checkpoint


class FakeSession:
    """Stands in for an ONNX Runtime session: runs ``fn`` on the feeds and adds ``error`` to its output."""

    def __init__(self, fn, inputs, error=0.0):
        self.fn, self.inputs, self.error = fn, inputs, error

    def run(self, outputs, feeds):
        args = [torch.from_numpy(feeds[name]) for name in self.inputs]
        with torch.no_grad():
            return [self.fn(*args).numpy() + self.error]

    def get_providers(self):
        return ["FakeExecutionProvider"]


@pytest.mark.parametrize(
    "error, fp16, passed",
    [(0.0, False, True), (5e-5, False, True), (2e-4, False, False), (2e-4, True, True), (0.05, True, False)],
    ids=["exact", "fp32-in-gate", "fp32-out", "fp16-in-gate", "fp16-out"],
)
def test_denoiser_gate(error, fp16, passed):
    model = micro_checkpoint().model
    verdict = parity.denoiser_parity(FakeSession(model, DENOISER_INPUTS, error), model, MICRO.frames, 17, fp16=fp16)
    assert verdict["passed"] is passed and verdict["precision"] == ("fp16" if fp16 else "fp32")
    assert verdict["max_abs_m"] == pytest.approx(error, abs=1e-6) and verdict["provider"] == "FakeExecutionProvider"
    assert verdict["mpjpe_delta_mm"] == pytest.approx(np.sqrt(3) * error * 1000, rel=1e-3, abs=1e-3)


def test_sampler_gate_runs_the_graph_on_the_same_noise():
    checkpoint = micro_checkpoint()
    graph = SamplerGraph(checkpoint.model, checkpoint.diffusion, steps=2, hypotheses=2, flip=False)
    verdict = parity.sampler_parity(FakeSession(graph, SAMPLER_INPUTS), graph, MICRO.frames, 17)
    assert verdict["passed"] and verdict["max_abs_m"] == 0.0
