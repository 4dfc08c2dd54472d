// The whole distributed sort on one node in one process: sample, splitters (node 0), map, reduce, with
// barriers through files in the shared work directory (core/barrier.h). One process keeps its buffers
// from map to reduce. No Node.js, no command line: the worker parses its options and prints the result.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/io_engine.h"
#include "core/shuffle.h"

namespace threefs {

struct SortNodeOptions {
  uint64_t index = 0;  // this node, 0-based; node 0 computes the splitters
  uint64_t nodes = 1;
  std::vector<std::string> inputs;
  // Shared by every node: sample-<i>.keys, splitters.keys, map-<i>* and the failure markers.
  std::string workDir;
  std::string outputDir;
  uint32_t partitions = 1;
  uint64_t samplePerFile = 10000;
  uint64_t memoryBytes = 1ull << 30;
  int threads = 1;
  double barrierTimeoutSeconds = 24 * 3600;
  // Keep the map output in memory (one node only): no map files are written.
  bool inMemoryShuffle = false;
  // Decide between the two (one node only): through files when memory this machine frees goes back to its
  // host (core/host_memory.h), else in memory. There each page of the map's arena is a host fault, and
  // populating a gigabyte beside the map's reads slowed them 4x: 1 GB sorted in 1.3 s through files and
  // in 2.4-3.0 s in memory on this project's VMs. A timed probe of 32 MiB could not tell: it got pages the
  // host still backed (12 GiB/s) while the rest of the arena came at 1 GiB/s.
  bool decideShuffle = false;
  // Where the virtio devices are listed (tests point it at a tree of their own).
  std::string virtioDevices = "/sys/bus/virtio/devices";
  // The engine chosen for the run; its dataDir is set per phase (workDir for map, outputDir for reduce).
  EngineOptions engine;
};

struct SortNodeResult {
  MapResult map;  // its `memory` view is cleared: the buffers it pointed into are gone
  ReduceResult reduce;
  // Waiting for the other nodes' maps, between this node's map and reduce.
  double waitSeconds = 0;
  // The shuffle that ran, and (decideShuffle) whether freed memory goes back to the host.
  bool inMemory = false;
  bool memoryReturnedToHost = false;
  double seconds = 0;
};

// Called when a phase (sample, map, reduce) ends on this node, with its duration.
using PhaseCallback = std::function<void(const char* phase, double seconds)>;

// Throws std::invalid_argument for options that cannot work (index >= nodes, an in-memory shuffle on
// more than one node); on any failure it leaves failed-<index> in workDir so the other nodes stop waiting.
SortNodeResult runSortNode(const SortNodeOptions& options, const ProgressCallback& progress, const PhaseCallback& phaseDone);

}  // namespace threefs
