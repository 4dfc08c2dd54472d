#include "core/sort_node.h"

#include <chrono>
#include <stdexcept>

#include "core/barrier.h"
#include "core/buffer.h"
#include "core/file_io.h"
#include "core/host_memory.h"
#include "core/partition.h"

namespace threefs {
namespace {

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

SortNodeResult sortNode(const SortNodeOptions& options, const ProgressCallback& progress, const PhaseCallback& phaseDone) {
  const std::string node = std::to_string(options.index);
  auto path = [&](const std::string& name) { return options.workDir + "/" + name; };
  const double timeout = options.barrierTimeoutSeconds;
  SortNodeResult result;
  const auto started = std::chrono::steady_clock::now();

  // Whether the inputs are in the page cache, asked before sampling reads some of them in.
  const int directInput = mostlyInPageCache(options.inputs) ? 0 : 1;
  BufferPool pool;
  result.inMemory = options.inMemoryShuffle;
  if (options.decideShuffle) {
    result.memoryReturnedToHost = freedMemoryReturnedToHost(options.virtioDevices);
    result.inMemory = !result.memoryReturnedToHost;
  }
  // Sample: every node writes its keys; node 0 waits for all of them and writes the splitters.
  auto step = started;
  writeKeys(path("sample-" + node + ".keys"), sampleKeys(options.inputs, options.samplePerFile));
  std::vector<std::string> samples;
  for (uint64_t i = 0; i < options.nodes; ++i) samples.push_back(path("sample-" + std::to_string(i) + ".keys"));
  if (options.index == 0) {
    waitForFiles(samples, options.workDir, timeout);
    std::vector<Key> sample;
    for (const auto& file : samples) {
      auto keys = readKeys(file);
      sample.insert(sample.end(), keys.begin(), keys.end());
    }
    writeKeys(path("splitters.keys"), splittersFromSample(std::move(sample), options.partitions));
  }
  waitForFiles({path("splitters.keys")}, options.workDir, timeout);
  phaseDone("sample", since(step));

  // Map: this node's inputs partitioned by the splitters, into files in the work directory (or memory).
  step = std::chrono::steady_clock::now();
  MapOptions map;
  map.inputs = options.inputs;
  map.splitters = readKeys(path("splitters.keys"));
  map.outputPrefix = path("map-" + node);
  map.memoryBytes = options.memoryBytes;
  map.threads = options.threads;
  map.engine = options.engine;
  map.engine.dataDir = options.workDir;
  map.inMemory = result.inMemory;
  map.directInput = directInput;
  result.map = runMap(map, progress, &pool);
  phaseDone("map", since(step));

  // Every node's index is written last and atomically: its presence means that node's map is complete.
  ReduceOptions reduce;
  std::vector<std::string> indexes;
  if (map.inMemory) {
    reduce.memory = &result.map.memory;
  } else {
    for (uint64_t i = 0; i < options.nodes; ++i) {
      reduce.maps.push_back(path("map-" + std::to_string(i)));
      indexes.push_back(reduce.maps.back() + ".idx");
    }
  }
  step = std::chrono::steady_clock::now();
  waitForFiles(indexes, options.workDir, timeout);
  result.waitSeconds = since(step);

  // Reduce: this node's contiguous share of the partitions.
  step = std::chrono::steady_clock::now();
  reduce.firstPartition = static_cast<uint32_t>(options.partitions * options.index / options.nodes);
  reduce.endPartition = static_cast<uint32_t>(options.partitions * (options.index + 1) / options.nodes);
  reduce.outputDir = options.outputDir;
  reduce.threads = options.threads;
  reduce.engine = options.engine;
  reduce.engine.dataDir = options.outputDir;
  result.reduce = runReduce(reduce, progress, &pool);
  phaseDone("reduce", since(step));

  result.map.memory = MemoryShuffle{};
  result.seconds = since(started);
  return result;
}

}  // namespace

SortNodeResult runSortNode(const SortNodeOptions& options, const ProgressCallback& progress, const PhaseCallback& phaseDone) {
  if (options.nodes == 0 || options.index >= options.nodes) throw std::invalid_argument("--index must be below --nodes");
  if ((options.inMemoryShuffle || options.decideShuffle) && options.nodes != 1)
    throw std::invalid_argument("--shuffle memory or auto needs --nodes 1");
  if (options.partitions == 0) throw std::invalid_argument("--partitions must be at least 1");
  try {
    return sortNode(options, progress, phaseDone);
  } catch (const std::exception& error) {
    announceFailure(options.workDir, std::to_string(options.index), error.what());
    throw;
  }
}

}  // namespace threefs
