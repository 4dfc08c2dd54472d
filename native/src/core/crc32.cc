#include "core/crc32.h"

#include <immintrin.h>

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

// Carry-less multiplication folding (Intel's "Fast CRC Computation for Generic Polynomials Using
// PCLMULQDQ"): the running remainder is kept as a 128-bit value and folded over each next 16 bytes;
// at the end it is reduced to 64, then to 32 bits (Barrett). The constants are powers of x modulo the
// reflected CRC-32 polynomial: x^(128+32) and x^(128-32) for one 128-bit fold, x^64 for the 64-bit step,
// and the polynomial with its Barrett quotient. Works on the raw (pre-inverted) state; needs length >= 16
// and a multiple of 16.
__attribute__((target("pclmul,sse4.1"))) uint32_t foldBlocks(const uint8_t* data, std::size_t length, uint32_t state) {
  const __m128i foldBy128 = _mm_set_epi64x(0x00ccaa009eLL, 0x01751997d0LL);
  const __m128i foldBy64 = _mm_set_epi64x(0, 0x0163cd6124LL);
  const __m128i barrett = _mm_set_epi64x(0x01f7011641LL, 0x01db710641LL);
  const __m128i low32Mask = _mm_setr_epi32(~0, 0, ~0, 0);

  __m128i remainder = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data)), _mm_cvtsi32_si128(static_cast<int>(state)));
  for (std::size_t at = 16; at < length; at += 16) {
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
    const __m128i low = _mm_clmulepi64_si128(remainder, foldBy128, 0x00);
    const __m128i high = _mm_clmulepi64_si128(remainder, foldBy128, 0x11);
    remainder = _mm_xor_si128(_mm_xor_si128(low, high), next);
  }
  // 128 -> 64 bits.
  __m128i folded = _mm_clmulepi64_si128(remainder, foldBy128, 0x10);
  remainder = _mm_xor_si128(_mm_srli_si128(remainder, 8), folded);
  folded = _mm_srli_si128(remainder, 4);
  remainder = _mm_and_si128(remainder, low32Mask);
  remainder = _mm_xor_si128(_mm_clmulepi64_si128(remainder, foldBy64, 0x00), folded);
  // 64 -> 32 bits (Barrett reduction).
  folded = _mm_and_si128(remainder, low32Mask);
  folded = _mm_clmulepi64_si128(folded, barrett, 0x10);
  folded = _mm_and_si128(folded, low32Mask);
  folded = _mm_clmulepi64_si128(folded, barrett, 0x00);
  remainder = _mm_xor_si128(remainder, folded);
  return static_cast<uint32_t>(_mm_extract_epi32(remainder, 1));
}

const bool kHasCarrylessMultiply = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");

uint32_t tableUpdate(uint32_t crc, const uint8_t* data, std::size_t length);

}  // namespace

uint32_t crc32(const uint8_t* data, std::size_t length) {
  uint32_t state = 0xFFFFFFFFu;
  if (kHasCarrylessMultiply && length >= 32) {
    const std::size_t blocks = length & ~static_cast<std::size_t>(15);
    state = foldBlocks(data, blocks, state);
    data += blocks;
    length -= blocks;
  }
  return tableUpdate(state, data, length) ^ 0xFFFFFFFFu;
}

uint32_t crc32Portable(const uint8_t* data, std::size_t length) { return tableUpdate(0xFFFFFFFFu, data, length) ^ 0xFFFFFFFFu; }

namespace {

// Slicing-by-8 over the raw state.
uint32_t tableUpdate(uint32_t crc, const uint8_t* data, std::size_t length) {
  const auto& t = kTables.t;
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
  return crc;
}

}  // namespace

}  // namespace threefs
