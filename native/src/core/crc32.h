// CRC-32 (IEEE 802.3, as zlib's crc32), which valsort sums over records.
#pragma once
#include <cstddef>
#include <cstdint>

namespace threefs {

uint32_t crc32(const uint8_t* data, std::size_t length);

}  // namespace threefs
