"""What the session's ``shipped_export`` fixture exports: ``denoiser.onnx`` + ``sampler.onnx`` with these
steps K, hypotheses H and flip."""

SAMPLER_STEPS, SAMPLER_HYPOTHESES, SAMPLER_FLIP = 2, 2, True
