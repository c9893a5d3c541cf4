"""The cross-dataset embedding (paper Eq. 11): a zero-initialised per-joint offset added to the output."""

import torch

from posynda.adapt.embedding import CrossDatasetEmbedding
from tests.helpers.models import MICRO, micro_checkpoint


def test_offset_starts_at_zero_and_is_added_to_every_frame():
    base = micro_checkpoint().model
    wrapped = CrossDatasetEmbedding(base, MICRO.joints)
    inputs = torch.randn(2, 9, 17, 2), torch.randn(2, 9, 17, 3), torch.tensor([0, 500])
    assert wrapped.offset.shape == (17, 3) and not wrapped.offset.any()
    with torch.no_grad():
        plain = base(*inputs)
        torch.testing.assert_close(wrapped(*inputs), plain)
        wrapped.offset.copy_(torch.arange(51.0).reshape(17, 3))
        torch.testing.assert_close(wrapped(*inputs) - plain, wrapped.offset.expand(2, 9, 17, 3))
    assert [n for n, p in wrapped.named_parameters() if n == "offset"] == ["offset"]
