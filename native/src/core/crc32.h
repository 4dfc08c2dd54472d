// CRC-32 (IEEE 802.3, as zlib's crc32), which valsort sums over records.
#pragma once
#include <cstddef>
#include <cstdint>

namespace threefs {

// Uses carry-less multiplication (PCLMULQDQ) where the CPU has it, else slicing-by-8.
uint32_t crc32(const uint8_t* data, std::size_t length);
// The table-driven version alone, for tests and CPUs without PCLMULQDQ.
uint32_t crc32Portable(const uint8_t* data, std::size_t length);

}  // namespace threefs
