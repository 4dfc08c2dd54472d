// Range partitioning by key: P-1 splitters (sorted keys) cut the key space into P partitions, so that
// concatenating the sorted partitions in order gives the sorted whole.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/buffer.h"
#include "core/records.h"

namespace threefs {

class Partitioner {
 public:
  explicit Partitioner(std::vector<Key> splitters);
  uint32_t partitions() const { return static_cast<uint32_t>(splitters_.size() + 1); }
  // Partition p holds keys k with splitter[p-1] <= k < splitter[p].
  uint32_t partitionOf(const Key& key) const;

 private:
  std::vector<Key> splitters_;
  // For each value of a key's first 16 bits, the first partition that can hold such a key.
  std::vector<uint32_t> firstByPrefix_;
};

// Splitters that cut a sample of keys into `partitions` equal parts (sorts the sample).
std::vector<Key> splittersFromSample(std::vector<Key> sample, uint32_t partitions);
// Evenly spaced splitters over the whole key space (for uniformly random keys and tests).
std::vector<Key> uniformSplitters(uint32_t partitions);

// Groups records by partition: writes them to `out` partition after partition and fills `offsets`
// (partitions+1 byte offsets). Order inside a partition is not kept. `scratch` (optional, grown when
// short) holds each record's partition between the two passes; a caller that partitions many batches
// lends one, so that its pages are faulted in once, not once per batch.
void partitionRecords(const uint8_t* in, std::size_t count, const Partitioner& partitioner, uint8_t* out, std::vector<uint64_t>& offsets, int threads,
                      Buffer* scratch = nullptr);

}  // namespace threefs
