#include "core/partition.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "core/buffer.h"
#include "core/parallel.h"

namespace threefs {

Partitioner::Partitioner(std::vector<Key> splitters) : splitters_(std::move(splitters)), firstByPrefix_(65536) {
  if (!std::is_sorted(splitters_.begin(), splitters_.end())) throw std::runtime_error("splitters are not sorted");
  std::size_t p = 0;
  for (uint32_t prefix = 0; prefix < 65536; ++prefix) {
    // Splitters at or below the smallest key with this prefix are below every such key.
    const Key smallest{static_cast<uint64_t>(prefix) << 48, 0};
    while (p < splitters_.size() && splitters_[p] <= smallest) ++p;
    firstByPrefix_[prefix] = static_cast<uint32_t>(p);
  }
}

uint32_t Partitioner::partitionOf(const Key& key) const {
  std::size_t p = firstByPrefix_[key.high >> 48];
  while (p < splitters_.size() && splitters_[p] <= key) ++p;
  return static_cast<uint32_t>(p);
}

std::vector<Key> splittersFromSample(std::vector<Key> sample, uint32_t partitions) {
  if (partitions == 0) throw std::runtime_error("partitions must be at least 1");
  std::sort(sample.begin(), sample.end());
  std::vector<Key> splitters;
  if (sample.empty()) return uniformSplitters(partitions);
  for (uint32_t i = 1; i < partitions; ++i) splitters.push_back(sample[static_cast<std::size_t>(sample.size()) * i / partitions]);
  return splitters;
}

std::vector<Key> uniformSplitters(uint32_t partitions) {
  std::vector<Key> splitters;
  for (uint32_t i = 1; i < partitions; ++i) {
    const unsigned __int128 point = (static_cast<unsigned __int128>(1) << 80) * i / partitions;
    splitters.push_back(Key{static_cast<uint64_t>(point >> 16), static_cast<uint16_t>(point & 0xFFFF)});
  }
  return splitters;
}

void partitionRecords(const uint8_t* in, std::size_t count, const Partitioner& partitioner, uint8_t* out, std::vector<uint64_t>& offsets, int threads,
                      Buffer* scratch) {
  const uint32_t parts = partitioner.partitions();
  threads = std::max(1, std::min<int>(threads, static_cast<int>(count / 4096 + 1)));
  std::vector<std::vector<uint64_t>> cursors(threads, std::vector<uint64_t>(parts, 0));
  Buffer own;
  if (scratch == nullptr || scratch->size() < count * sizeof(uint32_t)) {
    own = Buffer(count * sizeof(uint32_t));
    scratch = &own;
  }
  uint32_t* owner = scratch->as<uint32_t>();
  auto slice = [&](int t) { return std::make_pair(count * t / threads, count * (t + 1) / threads); };
  runParallel(threads, [&](int t) {
    auto [begin, end] = slice(t);
    for (std::size_t i = begin; i < end; ++i) {
      const uint32_t p = partitioner.partitionOf(keyOf(in + i * kRecordSize));
      owner[i] = p;
      ++cursors[t][p];
    }
  });
  offsets.assign(parts + 1, 0);
  uint64_t offset = 0;
  for (uint32_t p = 0; p < parts; ++p) {
    offsets[p] = offset * kRecordSize;
    for (int t = 0; t < threads; ++t) {
      const uint64_t n = cursors[t][p];
      cursors[t][p] = offset;
      offset += n;
    }
  }
  offsets[parts] = offset * kRecordSize;
  runParallel(threads, [&](int t) {
    auto [begin, end] = slice(t);
    auto& cursor = cursors[t];
    for (std::size_t i = begin; i < end; ++i) std::memcpy(out + (cursor[owner[i]]++) * kRecordSize, in + i * kRecordSize, kRecordSize);
  });
}

}  // namespace threefs
