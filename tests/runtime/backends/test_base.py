"""The backend interface: a call above ``max_batch`` is split into calls the backend can take."""

import torch

from posynda.diffusion import SchedulerConfig
from posynda.runtime.backends import Backend


class Recording(Backend):
    """x0 = 2D padded with zeros; records the batch size of every call."""

    name = "recording"

    def __init__(self, max_batch=None):
        super().__init__(9, 17, SchedulerConfig(), {"graph": "denoiser"})
        self.max_batch, self.calls = max_batch, []

    def _run(self, keypoints_2d, noisy_3d, t):
        self.calls.append(int(keypoints_2d.shape[0]))
        return torch.cat([keypoints_2d, t[:, None, None, None].expand(-1, 9, 17, 1).float()], dim=-1)


def test_calls_above_max_batch_are_split_in_order():
    kp, noisy, t = torch.randn(11, 9, 17, 2), torch.randn(11, 9, 17, 3), torch.arange(11)
    whole = Recording()(kp, noisy, t)
    backend = Recording(max_batch=4)
    split = backend(kp, noisy, t)
    assert backend.calls == [4, 4, 3]
    torch.testing.assert_close(split, whole)
    assert backend.describe() == "recording (cpu)" and backend.metadata == {"graph": "denoiser"}
