// The sampler's portable noise (docs/noise.md; Python: posynda/diffusion/philox.py): Philox4x32-10
// (Salmon et al., SC 2011) on the counter (n/4 lo, n/4 hi, window, sequence) under the key (seed lo,
// seed hi), uniforms (x + 0.5) / 2^32, Box-Muller pairs in float64, rounded to float32.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace posynda::core {

inline std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> c, uint32_t k0, uint32_t k1) {
  constexpr uint64_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
  constexpr uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = M0 * c[0], p1 = M1 * c[2];  // 32 x 32 -> 64 bits
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0, static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1, static_cast<uint32_t>(p0)};
    k0 += W0;
    k1 += W1;
  }
  return c;
}

// The first `count` normals of the stream of `window` of `sequence` under `seed` -> out[0 .. count-1].
inline void philox_normal(uint64_t seed, uint32_t sequence, uint32_t window, int64_t count, float* out) {
  const uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  const double two_pi = 2.0 * 3.141592653589793, scale = 1.0 / 4294967296.0;
  for (int64_t n = 0; n < count; n += 4) {
    const uint64_t block = static_cast<uint64_t>(n / 4);
    const auto x = philox4x32_10({static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), window, sequence},
                                 k0, k1);
    double v[4];
    for (int pair = 0; pair < 2; ++pair) {
      const double u0 = (static_cast<double>(x[2 * pair]) + 0.5) * scale;
      const double u1 = (static_cast<double>(x[2 * pair + 1]) + 0.5) * scale;
      const double r = std::sqrt(-2.0 * std::log(u0)), angle = two_pi * u1;
      v[2 * pair] = r * std::cos(angle);
      v[2 * pair + 1] = r * std::sin(angle);
    }
    for (int lane = 0; lane < 4 && n + lane < count; ++lane) out[n + lane] = static_cast<float>(v[lane]);
  }
}

}  // namespace posynda::core
