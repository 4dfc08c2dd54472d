// 128-bit unsigned arithmetic (GCC/Clang's __int128) and the hex form valsort prints.
#pragma once
#include <cstdint>
#include <string>

namespace threefs {

using u128 = unsigned __int128;

inline u128 makeU128(uint64_t high, uint64_t low) { return (static_cast<u128>(high) << 64) | low; }
inline uint64_t highOf(u128 value) { return static_cast<uint64_t>(value >> 64); }
inline uint64_t lowOf(u128 value) { return static_cast<uint64_t>(value); }

// Lower-case hex without leading zeros ("0" for zero), as valsort and gensort -c print a checksum.
std::string toHex(u128 value);

}  // namespace threefs
