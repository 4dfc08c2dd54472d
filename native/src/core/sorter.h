// In-memory record sort: keys are bucketed by their first 16 bits (one counting pass), each bucket is
// sorted on the full 80-bit key, then records are gathered into the output in key order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace threefs {

class Buffer;

// Bytes of scratch memory sortRecords needs for `count` records.
std::size_t sortScratchBytes(std::size_t count);

// Sorts `count` records from `in` into `out` (both count*100 bytes, not overlapping) using `threads`
// threads. `scratch` (at least sortScratchBytes(count)) is reused across calls when given: fresh memory
// costs a page fault per page, which on a VM is far from free.
void sortRecords(const uint8_t* in, uint8_t* out, std::size_t count, int threads, Buffer* scratch = nullptr);

// Records in place in several pieces of memory (a partition's segments of an in-memory shuffle).
struct RecordSegment {
  const uint8_t* records;
  std::size_t count;
};
// Sorts the records of all `segments` into `out`. Every segment lies at or after `base`, within
// 2^32 records of it (entries keep 32-bit record numbers from base).
void sortRecordSegments(const std::vector<RecordSegment>& segments, const uint8_t* base, uint8_t* out, int threads, Buffer* scratch = nullptr);

}  // namespace threefs
