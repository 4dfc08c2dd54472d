// The 128-bit linear congruential generator of the sort benchmarks (gensort): x' = a*x + c mod 2^128,
// started from 0, with O(log n) skip-ahead so that any record range can be generated independently.
#pragma once
#include "core/uint128.h"

namespace threefs {

class Lcg128 {
 public:
  // The value after `steps` steps from the seed 0.
  static u128 at(u128 steps);
  static u128 next(u128 value) { return kMultiplier * value + kIncrement; }

  // Published constants of the generator (multiplier from L'Ecuyer's tables; odd increment).
  static constexpr u128 kMultiplier = (static_cast<u128>(0x2360ed051fc65da4ULL) << 64) | 0x4385df649fccf645ULL;
  static constexpr u128 kIncrement = (static_cast<u128>(0x4a696d4772617952ULL) << 64) | 0x4950202020202001ULL;
};

}  // namespace threefs
