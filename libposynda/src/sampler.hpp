// Multi-hypothesis DDIM sampling of a denoiser: the same float operations as posynda/diffusion
// (schedule.py, scheduling_ddim.py, sampler.py), so the poses equal Python's to float rounding
// (built with -ffp-contract=off: no fused multiply-adds where Python has none).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "metadata.hpp"

namespace posynda::core {

// alpha_bar_t, t = 0..T-1 (cosine schedule of Nichol & Dhariwal; paper Eq. 7), float64.
std::vector<double> cosine_alphas_cumprod(int timesteps, double s);

// The K (t, t_next) pairs of DDIMScheduler.set_timesteps: float32 linspace(-1, T-1, K+1) truncated, reversed.
std::vector<std::pair<int, int>> ddim_timesteps(int timesteps, int steps);

// Mirror poses [rows, J, C]: out[j] = in[flip[j]] with x negated.
void flip_poses(const float* in, float* out, int64_t rows, const std::vector<int>& flip, int channels);

// denoiser(keypoints [n,T,J,2], noisy [n,T,J,3], t [n], n, x0 out [n,T,J,3])
using Denoise = std::function<void(const float*, const float*, const int64_t*, int64_t, float*)>;

// keypoints [B,T,J,2] canonical screen, noise [K+1,B,H,T,J,3] -> hypotheses [B,H,T,J,3] (metres, root 0).
std::vector<float> sample_poses(const Denoise& denoise, const ModelMetadata& meta, const float* keypoints,
                                const float* noise, int64_t B, int H, int K, bool flip);

}  // namespace posynda::core
