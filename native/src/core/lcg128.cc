#include "core/lcg128.h"

namespace threefs {

u128 Lcg128::at(u128 steps) {
  // Applying f 2^i times is again affine: f^(2^i)(x) = A_i x + C_i, and f^(2^(i+1)) = f^(2^i) o f^(2^i)
  // gives A_{i+1} = A_i^2 and C_{i+1} = A_i C_i + C_i. Powers of one map commute, so the set bits of
  // `steps` can be applied in any order.
  u128 value = 0;
  u128 multiplier = kMultiplier;
  u128 increment = kIncrement;
  while (steps != 0) {
    if (steps & 1) value = multiplier * value + increment;
    increment = multiplier * increment + increment;
    multiplier = multiplier * multiplier;
    steps >>= 1;
  }
  return value;
}

}  // namespace threefs
