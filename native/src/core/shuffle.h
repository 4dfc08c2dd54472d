// The two passes of the distributed sort, as files on a shared filesystem:
//   map:    read input records, range-partition them, append each run (a memory-sized batch) to one
//           map file per worker, partition after partition, and write an index of where each starts;
//   reduce: for each partition, read its segment of every run of every map file, sort, write one
//           output file per partition (part-NNNNN.dat).
// One map file per worker (not one per partition) keeps the file count at workers, not workers x partitions.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/records.h"

namespace threefs {

struct Progress {
  std::string phase;
  uint64_t bytesDone = 0;
  uint64_t bytesTotal = 0;
};
using ProgressCallback = std::function<void(const Progress&)>;

struct MapOptions {
  std::vector<std::string> inputs;
  std::vector<Key> splitters;
  // Writes <outputPrefix>.dat and <outputPrefix>.idx
  std::string outputPrefix;
  uint64_t memoryBytes = 1ull << 30;
  int threads = 1;
};

struct MapResult {
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint32_t runs = 0;
  double readSeconds = 0, partitionSeconds = 0, writeSeconds = 0;
};

MapResult runMap(const MapOptions& options, const ProgressCallback& progress);

struct ReduceOptions {
  // Map output prefixes (each with .dat and .idx).
  std::vector<std::string> maps;
  uint32_t firstPartition = 0;
  uint32_t endPartition = 0;  // exclusive
  std::string outputDir;
  int threads = 1;
};

struct ReduceResult {
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint32_t partitions = 0;
  uint64_t largestPartitionBytes = 0;
  double readSeconds = 0, sortSeconds = 0, writeSeconds = 0;
};

ReduceResult runReduce(const ReduceOptions& options, const ProgressCallback& progress);

std::string partitionFileName(uint32_t partition);

// Key sample files: raw 10-byte keys.
std::vector<Key> sampleKeys(const std::vector<std::string>& inputs, uint64_t perFile);
void writeKeys(const std::string& path, const std::vector<Key>& keys);
std::vector<Key> readKeys(const std::string& path);

}  // namespace threefs
