"""Denoiser building blocks: the timestep embedding, attention shape, stochastic depth."""

import pytest
import torch

from posynda.models.layers import Attention, DropPath, SinusoidalTimestepEmbedding


def test_timestep_embedding_is_half_sine_half_cosine():
    emb = SinusoidalTimestepEmbedding(8)(torch.tensor([0, 10]))
    assert emb.shape == (2, 8)
    torch.testing.assert_close(emb[0], torch.tensor([0.0] * 4 + [1.0] * 4))
    torch.testing.assert_close(emb[1, :4] ** 2 + emb[1, 4:] ** 2, torch.ones(4))


def test_timestep_frequencies_follow_the_module_but_are_no_state():
    """A constant, not a buffer: moved and cast with the module, absent from buffers() and the state dict."""
    emb = SinusoidalTimestepEmbedding(8)
    reference = emb.freqs.clone()
    assert list(emb.buffers()) == [] and emb.state_dict() == {}
    assert emb.double().freqs.dtype == torch.float64 and emb.half().freqs.dtype == torch.float16
    emb.float()
    torch.testing.assert_close(emb.freqs, reference, rtol=1e-3, atol=0)  # back from fp16, as a buffer would be
    assert torch.equal(SinusoidalTimestepEmbedding(8).to("cpu").freqs, reference)


def test_attention_keeps_the_shape_and_refuses_indivisible_heads():
    assert Attention(16, 4)(torch.randn(3, 5, 16)).shape == (3, 5, 16)
    with pytest.raises(ValueError, match="not divisible"):
        Attention(10, 4)


def test_drop_path_is_identity_in_eval_and_drops_whole_samples_in_training():
    x = torch.ones(1000, 4)
    layer = DropPath(0.5)
    assert torch.equal(layer.eval()(x), x)
    out = layer.train()(x)
    kept = (out != 0).all(dim=1)
    assert torch.equal(out[kept], torch.full_like(out[kept], 2.0)) and 0.4 < kept.float().mean() < 0.6
