// Sort benchmark records: 100 bytes each, ordered by the unsigned bytes of their first 10 (the key).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace threefs {

constexpr std::size_t kRecordSize = 100;
constexpr std::size_t kKeySize = 10;

// A key as two integers that compare like memcmp on the 10 bytes: the first 8 bytes big-endian, then 2.
struct Key {
  uint64_t high;
  uint16_t low;
};

inline Key keyOf(const uint8_t* record) {
  uint64_t high;
  std::memcpy(&high, record, 8);
  uint16_t low;
  std::memcpy(&low, record + 8, 2);
  return Key{__builtin_bswap64(high), __builtin_bswap16(low)};
}

inline bool operator<(const Key& a, const Key& b) { return a.high < b.high || (a.high == b.high && a.low < b.low); }
inline bool operator==(const Key& a, const Key& b) { return a.high == b.high && a.low == b.low; }
inline bool operator<=(const Key& a, const Key& b) { return !(b < a); }

}  // namespace threefs
