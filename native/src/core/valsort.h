// Validation with valsort's results: record count, duplicate keys, unordered records (and the first
// one), and the 128-bit sum of record CRC-32s. Summaries of consecutive pieces merge in order, which
// also checks order across piece (and partition file) boundaries.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/records.h"
#include "core/uint128.h"

namespace threefs {

struct ValidationSummary {
  uint64_t records = 0;
  uint64_t duplicates = 0;
  uint64_t unordered = 0;
  // Record index (from the start of everything merged) of the first record smaller than its predecessor.
  int64_t firstUnordered = -1;
  u128 checksum = 0;
  Key firstKey{};
  Key lastKey{};
};

ValidationSummary validateRecords(const uint8_t* records, std::size_t count);
// Summary of `earlier` followed directly by `later`.
ValidationSummary mergeSummaries(const ValidationSummary& earlier, const ValidationSummary& later);
// Validates one file (size must be a multiple of 100) with `threads` threads.
ValidationSummary validateFile(const std::string& path, int threads);

}  // namespace threefs
