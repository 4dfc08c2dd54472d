// fio-like workloads through an I/O engine: sequential or random reads or writes of one block size,
// `jobs` threads each keeping `depth` requests in flight on its own file, time- or size-based,
// optionally starting at an agreed wall-clock instant so that several nodes run in step.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/io_engine.h"

namespace threefs {

enum class Pattern { SeqRead, SeqWrite, RandRead, RandWrite };
Pattern parsePattern(const std::string& text);

struct ThroughputOptions {
  Pattern pattern = Pattern::SeqRead;
  uint32_t blockSize = 1 << 20;
  int depth = 32;
  int jobs = 1;
  uint64_t fileSize = 1ull << 30;  // per job
  double runtimeSeconds = 0;       // 0: size-based (each job moves fileSize bytes)
  bool direct = true;
  std::string dir;
  EngineOptions engine;
  bool keepFiles = false;
  int64_t startAtEpochMs = 0;      // 0: start at once
  bool layoutOnly = false;         // lay the files out and stop (a coordinator does this on every node
                                   // before it picks the common start instant)
};

struct ThroughputResult {
  std::string engine;
  std::string engineNote;
  uint64_t bytes = 0;
  uint64_t ios = 0;
  double seconds = 0;
  int64_t startEpochMs = 0;
  int64_t endEpochMs = 0;
  // Bytes completed in each whole second after startEpochMs (all jobs together).
  std::vector<uint64_t> bytesPerSecond;
  double latencyP50Us = 0, latencyP99Us = 0, latencyP999Us = 0, latencyMeanUs = 0;
  // The merged histogram of all jobs (LatencyHistogram::sparseJson), for exact merging across nodes.
  std::string latencyHistogram = "[]";
  double layoutSeconds = 0;
};

// Writes `blocks` blocks of a known pattern through the engine in a shuffled order, reads them back
// through a fresh read engine in another order, and checks every byte; returns the engine's name.
std::string verifyEngine(const EngineOptions& engine, const std::string& dir, uint32_t blockSize, uint32_t blocks, int depth, bool direct, std::string* engineNote = nullptr);

ThroughputResult runThroughput(const ThroughputOptions& options, const std::function<void(uint64_t done, uint64_t total)>& progress);

}  // namespace threefs
