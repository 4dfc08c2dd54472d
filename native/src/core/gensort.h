// A generator byte-identical to gensort 1.5's binary and ASCII records, written from its published
// description: record r is a pure function of r, so any node can generate any range.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/uint128.h"

namespace threefs {

enum class RecordMode { Binary, Ascii };

class RecordGenerator {
 public:
  RecordGenerator(RecordMode mode, u128 firstRecord);
  // Writes `count` records (100 bytes each) to `out` and continues from there on the next call.
  void generate(uint8_t* out, std::size_t count);
  u128 nextRecord() const { return record_; }

 private:
  void binaryRecord(uint8_t* out) const;
  void asciiRecord(uint8_t* out) const;
  void advance();

  RecordMode mode_;
  u128 record_;
  // Generator values for the current record: a record uses the 10 values after its own index.
  u128 window_[10];
  int head_ = 0;
};

// Sum of the CRC-32 of each record, as `gensort -c` and valsort report it.
u128 recordChecksum(const uint8_t* records, std::size_t count);

}  // namespace threefs
