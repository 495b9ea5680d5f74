// Conversions between JSON numbers (doubles) and the 16-bit float formats FP16 (IEEE
// binary16) and BF16 (bfloat16), as raw bit patterns.
//
//   uint16_t h = DoubleToHalf(0.1);      // round to nearest, ties to even
//   float f = HalfToFloat(h);            // exact: every FP16 value is a float
//   uint16_t b = DoubleToBfloat16(0.1);
//   float g = Bfloat16ToFloat(b);
//
// Doubles are rounded to the 16-bit format directly (not through float) so that a value
// is never rounded twice. Values too large for the format become infinity; callers that
// want to reject them check IsInfiniteHalf / IsInfiniteBfloat16. NaN stays NaN (quiet).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace tensord::http {

inline uint16_t DoubleToHalf(double value) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  const uint16_t sign = static_cast<uint16_t>((bits >> 48) & 0x8000);
  bits &= ~(uint64_t{1} << 63);
  constexpr uint64_t kInfinity = uint64_t{0x7ff} << 52;
  if (bits > kInfinity) return sign | 0x7e00;  // NaN
  // 2^16 and above round to infinity; so does everything from 65520 up, which the
  // carry of the rounding below produces on its own.
  constexpr uint64_t kTwoPow16 = uint64_t{1023 + 16} << 52;
  if (bits >= kTwoPow16) return sign | 0x7c00;
  constexpr uint64_t kTwoPowMinus14 = uint64_t{1023 - 14} << 52;  // smallest normal half
  if (bits < kTwoPowMinus14) {
    // Subnormal or zero: adding 2^28 (whose ulp is 2^-24, the subnormal step of FP16)
    // lets the FPU round to nearest even; the low bits are then the half's mantissa.
    constexpr double kMagic = 268435456.0;  // 2^28
    const double rounded = std::bit_cast<double>(bits) + kMagic;
    return sign | static_cast<uint16_t>(std::bit_cast<uint64_t>(rounded) -
                                        std::bit_cast<uint64_t>(kMagic));
  }
  // Normal: drop 42 mantissa bits with round-to-nearest-even, rebias the exponent.
  const uint64_t odd = (bits >> 42) & 1;
  bits += (uint64_t{1} << 41) - 1 + odd;
  bits -= uint64_t{1023 - 15} << 52;
  return sign | static_cast<uint16_t>(bits >> 42);
}

inline uint16_t DoubleToBfloat16(double value) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  const uint16_t sign = static_cast<uint16_t>((bits >> 48) & 0x8000);
  bits &= ~(uint64_t{1} << 63);
  constexpr uint64_t kInfinity = uint64_t{0x7ff} << 52;
  if (bits > kInfinity) return sign | 0x7fc0;  // NaN
  constexpr uint64_t kTwoPow128 = uint64_t{1023 + 128} << 52;
  if (bits >= kTwoPow128) return sign | 0x7f80;
  constexpr uint64_t kTwoPowMinus126 = uint64_t{1023 - 126} << 52;  // smallest normal
  if (bits < kTwoPowMinus126) {
    // Subnormal step of BF16 is 2^-133; 2^-81 has that ulp as a double.
    const double magic = std::ldexp(1.0, -81);
    const double rounded = std::bit_cast<double>(bits) + magic;
    return sign |
           static_cast<uint16_t>(std::bit_cast<uint64_t>(rounded) - std::bit_cast<uint64_t>(magic));
  }
  const uint64_t odd = (bits >> 45) & 1;
  bits += (uint64_t{1} << 44) - 1 + odd;
  bits -= uint64_t{1023 - 127} << 52;
  return sign | static_cast<uint16_t>(bits >> 45);
}

inline float HalfToFloat(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000) << 16;
  const uint32_t exponent = (half >> 10) & 0x1f;
  const uint32_t mantissa = half & 0x3ff;
  if (exponent == 0x1f) {  // infinity or NaN
    return std::bit_cast<float>(sign | 0x7f800000 | (mantissa << 13));
  }
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in float
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

inline float Bfloat16ToFloat(uint16_t bf16) {
  return std::bit_cast<float>(static_cast<uint32_t>(bf16) << 16);
}

inline bool IsInfiniteHalf(uint16_t half) { return (half & 0x7fff) == 0x7c00; }
inline bool IsInfiniteBfloat16(uint16_t bf16) { return (bf16 & 0x7fff) == 0x7f80; }

}  // namespace tensord::http
