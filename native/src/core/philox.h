// Philox-4x32-10 (Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11) and the per-element samplers
// of Neurite's random ops. The generator is a pure function of (key, counter): element i of a random tensor is
// computed from its own counter, whichever thread or GPU block computes it, so the numbers never depend on how the
// work is split. Plain functions of their arguments, no state, so a CUDA kernel can include this header and draw the
// same streams (uniforms bit for bit; normals up to the last-ulp differences of the device's log and cos).
//
// Counter layout (CPU and CUDA kernels must agree):
//   key     = {low 32 bits of seed, high 32 bits of seed}
//   counter = {low 32 bits of (offset + i), high 32 bits of (offset + i), draw, 0} for element i
// `draw` numbers an element's attempts (truncated_normal redraws rejected values with draw 1, 2, ...); all other
// samplers use draw 0 only. So element i takes kCountersPerElement (one) position of the offset + i sequence, its
// redraws living in the draw word: a caller drawing several tensors from one seed advances offset by
// numel * kCountersPerElement after each, and their streams never overlap.
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define NR_PHILOX_FN __host__ __device__ inline
#else
#define NR_PHILOX_FN inline
#endif

namespace nr::philox {

constexpr int64_t kCountersPerElement = 1;
// truncated_normal's attempts per element; each attempt yields two candidates, so all fail with probability
// 0.0455^16 ~ 3e-22, after which the last candidate is clamped to the interval rather than looping on.
constexpr uint32_t kMaxDraws = 8;

struct Block {
  uint32_t w[4];
};

NR_PHILOX_FN Block philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u, kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kWeyl0;
      k1 += kWeyl1;
    }
    uint64_t p0 = static_cast<uint64_t>(kMul0) * c0, p1 = static_cast<uint64_t>(kMul1) * c2;
    uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  return Block{{c0, c1, c2, c3}};
}

// The 128 random bits of one attempt at element `index` (= offset + i) of a tensor drawn with `seed`.
NR_PHILOX_FN Block element_bits(uint64_t seed, uint64_t index, uint32_t draw) {
  return philox4x32_10(static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), draw, 0,
                       static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// Uniform in [0, 1) with a full mantissa of random bits (24 for float, 53 for double): exact, and never 1.
NR_PHILOX_FN float unit_f32(uint32_t w) { return static_cast<float>(w >> 8) * (1.0f / 16777216.0f); }
NR_PHILOX_FN double unit_f64(uint32_t hi, uint32_t lo) {
  uint64_t bits = (static_cast<uint64_t>(hi) << 21) | (lo >> 11);
  return static_cast<double>(bits) * (1.0 / 9007199254740992.0);
}

// Uniform in [low, high). Rounding of low + (high - low) * u can reach high itself; that value is moved down one ulp.
template <class T>
NR_PHILOX_FN T uniform(const Block& b, T low, T high) {
  T u;
  if constexpr (sizeof(T) == 4) u = unit_f32(b.w[0]);
  else u = unit_f64(b.w[0], b.w[1]);
  T v = low + (high - low) * u;
  if (v < high) return v;
  if (!(low < high)) return low;
  if constexpr (sizeof(T) == 4) return ::nextafterf(high, low);
  else return ::nextafter(high, low);
}

template <class T>
struct NormalPair {
  T a, b;
};

// Box–Muller: two independent standard normals from one block. The radius uses 1 - u, in (0, 1], so log never sees 0.
// Floats take two 24-bit uniforms (|z| <= 5.8), doubles two 53-bit ones (|z| <= 8.6).
template <class T>
NR_PHILOX_FN NormalPair<T> standard_normal_pair(const Block& b) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  if constexpr (sizeof(T) == 4) {
    float r = ::sqrtf(-2.0f * ::logf(1.0f - unit_f32(b.w[0])));
    float theta = static_cast<float>(kTwoPi) * unit_f32(b.w[1]);
    return {r * ::cosf(theta), r * ::sinf(theta)};
  } else {
    double r = ::sqrt(-2.0 * ::log(1.0 - unit_f64(b.w[0], b.w[1])));
    double theta = kTwoPi * unit_f64(b.w[2], b.w[3]);
    return {r * ::cos(theta), r * ::sin(theta)};
  }
}

template <class T>
NR_PHILOX_FN T normal(uint64_t seed, uint64_t index, T mean, T stddev) {
  return mean + stddev * standard_normal_pair<T>(element_bits(seed, index, 0)).a;
}

// A normal with values beyond two standard deviations redrawn, as TensorFlow's truncated_normal.
template <class T>
NR_PHILOX_FN T truncated_normal(uint64_t seed, uint64_t index, T mean, T stddev) {
  T z = 0;
  for (uint32_t draw = 0; draw < kMaxDraws; ++draw) {
    NormalPair<T> p = standard_normal_pair<T>(element_bits(seed, index, draw));
    if (p.a >= T(-2) && p.a <= T(2)) return mean + stddev * p.a;
    if (p.b >= T(-2) && p.b <= T(2)) return mean + stddev * p.b;
    z = p.b;
  }
  return mean + stddev * (z < 0 ? T(-2) : T(2));
}

}  // namespace nr::philox
