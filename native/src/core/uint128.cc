#include "core/uint128.h"

namespace threefs {

std::string toHex(u128 value) {
  if (value == 0) return "0";
  std::string digits;
  while (value != 0) {
    digits.insert(digits.begin(), "0123456789abcdef"[static_cast<unsigned>(value & 0xF)]);
    value >>= 4;
  }
  return digits;
}

}  // namespace threefs
