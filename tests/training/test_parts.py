"""The optimiser step: a disabled gradient scaler (fp32, bf16) updates exactly as a plain backward and step."""

import torch

from posynda.training import optimiser_step


def test_a_disabled_scaler_is_a_plain_backward_and_step():
    results = []
    for scaler in (None, torch.amp.GradScaler("cpu", enabled=False)):
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 2)
        optimizer = torch.optim.AdamW(model.parameters(), lr=0.1)
        for _ in range(3):
            optimiser_step(model(torch.ones(4, 3)).pow(2).sum(), optimizer, scaler)
        results.append(model.weight.detach().clone())
    assert torch.equal(results[0], results[1])


def test_gradients_start_from_zero_at_every_step():
    model = torch.nn.Linear(1, 1, bias=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    for _ in range(2):
        optimiser_step(model(torch.ones(1, 1)).sum(), optimizer)
    assert model.weight.grad.item() == 1.0  # not accumulated over the two steps
