// The two passes of the distributed sort, as files on a shared filesystem:
//   map:    read input records, range-partition them, write each run (a memory-sized batch) to its
//           own file, partition after partition, and an index of where each partition starts;
//   reduce: for each partition, read its segment of every run of every map file, sort, write one
//           output file per partition (part-NNNNN.dat).
// Files per worker are runs + 1 (not partitions): the count stays at nodes x runs, not nodes x partitions.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/buffer.h"
#include "core/io_engine.h"
#include "core/records.h"

namespace threefs {

struct Progress {
  std::string phase;
  uint64_t bytesDone = 0;
  uint64_t bytesTotal = 0;
};
using ProgressCallback = std::function<void(const Progress&)>;

// A single-node sort whose data fits in memory keeps the map output in memory: each run's partitioned
// records stay at base + run * runStride, and the reduce copies partitions from there instead of
// writing and reading back a gigabyte of intermediate files.
struct MemoryShuffle {
  const uint8_t* base = nullptr;
  uint64_t runStride = 0;
  // runs x (partitions + 1) byte offsets within each run
  std::vector<std::vector<uint64_t>> runs;
  // The arena `base` points into: the reduce gives back each partition's pages once it is sorted.
  Buffer* arena = nullptr;
};

struct MapOptions {
  std::vector<std::string> inputs;
  std::vector<Key> splitters;
  // Writes <outputPrefix>-rNNNNN.dat (one per run) and <outputPrefix>.idx
  std::string outputPrefix;
  uint64_t memoryBytes = 1ull << 30;
  int threads = 1;
  // How data moves: usrbio on a 3FS mount, else io_uring, else psync (auto), or forced.
  EngineOptions engine;
  // Keep the map output in memory (single node, data well below memoryBytes); no files are written.
  // How to read the inputs: -1 decides now (O_DIRECT when less than half of them is in the page cache),
  // 0 through the page cache, 1 with O_DIRECT. A caller that touches the inputs first (sampling) decides
  // before it does.
  int directInput = -1;
  bool inMemory = false;
};

struct MapResult {
  std::string engine;
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint32_t runs = 0;
  double readSeconds = 0, partitionSeconds = 0, writeSeconds = 0;
  // In memory: time the partitioner waited for fresh arena pages.
  double populateWaitSeconds = 0;
  // The input was read with O_DIRECT (it was mostly not in the page cache).
  bool inputDirect = false;
  // Set when MapOptions::inMemory: where the partitioned runs are (inside the pool's buffers).
  MemoryShuffle memory;
};

// `pool` (optional) lends the buffers, so that a later reduce in the same process reuses them.
MapResult runMap(const MapOptions& options, const ProgressCallback& progress, BufferPool* pool = nullptr);

struct ReduceOptions {
  // Map output prefixes (each with .dat and .idx).
  std::vector<std::string> maps;
  // Or the output of an in-memory map in this process.
  const MemoryShuffle* memory = nullptr;
  uint32_t firstPartition = 0;
  uint32_t endPartition = 0;  // exclusive
  std::string outputDir;
  int threads = 1;
  EngineOptions engine;
};

struct ReduceResult {
  std::string engine;
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint32_t partitions = 0;
  uint64_t largestPartitionBytes = 0;
  double readSeconds = 0, sortSeconds = 0, writeSeconds = 0;
};

ReduceResult runReduce(const ReduceOptions& options, const ProgressCallback& progress, BufferPool* pool = nullptr);

std::string partitionFileName(uint32_t partition);
std::string runFileName(const std::string& prefix, uint32_t run);

// Key sample files: raw 10-byte keys.
std::vector<Key> sampleKeys(const std::vector<std::string>& inputs, uint64_t perFile);
void writeKeys(const std::string& path, const std::vector<Key>& keys);
std::vector<Key> readKeys(const std::string& path);

}  // namespace threefs
