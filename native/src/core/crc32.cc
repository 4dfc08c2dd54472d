#include "core/crc32.h"

#include <array>
#include <cstring>

namespace threefs {
namespace {

// Slicing-by-8 tables for the reflected polynomial 0xEDB88320, built once at start-up.
struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  Tables() {
    for (uint32_t byte = 0; byte < 256; ++byte) {
      uint32_t crc = byte;
      for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
      t[0][byte] = crc;
    }
    for (uint32_t byte = 0; byte < 256; ++byte) {
      for (int slice = 1; slice < 8; ++slice) t[slice][byte] = (t[slice - 1][byte] >> 8) ^ t[0][t[slice - 1][byte] & 0xFF];
    }
  }
};

const Tables kTables;

}  // namespace

uint32_t crc32(const uint8_t* data, std::size_t length) {
  const auto& t = kTables.t;
  uint32_t crc = 0xFFFFFFFFu;
  while (length >= 8) {
    uint32_t low;
    uint32_t high;
    std::memcpy(&low, data, 4);
    std::memcpy(&high, data + 4, 4);
    low ^= crc;
    crc = t[7][low & 0xFF] ^ t[6][(low >> 8) & 0xFF] ^ t[5][(low >> 16) & 0xFF] ^ t[4][low >> 24] ^ t[3][high & 0xFF] ^
          t[2][(high >> 8) & 0xFF] ^ t[1][(high >> 16) & 0xFF] ^ t[0][high >> 24];
    data += 8;
    length -= 8;
  }
  while (length-- != 0) crc = (crc >> 8) ^ t[0][(crc ^ *data++) & 0xFF];
  return crc ^ 0xFFFFFFFFu;
}

}  // namespace threefs
