// The standalone worker uploaded to nodes: no Node.js needed there. Each command prints JSON lines on
// stdout ({"type":"progress",...} at most once a second, then one {"type":"result",...}), logs on
// stderr, and on failure prints {"type":"error","message":...} and exits 1 (2 for bad usage).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/file_io.h"
#include "core/gensort.h"
#include "core/json.h"
#include "core/parallel.h"
#include "core/partition.h"
#include "core/shuffle.h"
#include "core/sort_node.h"
#include "core/throughput.h"
#include "core/valsort.h"
#include "core/version.h"
#include "worker/args.h"

using namespace threefs;

namespace {

void emit(const JsonLine& line) {
  std::printf("%s\n", line.str().c_str());
  std::fflush(stdout);
}

int defaultThreads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

// Emits progress lines no more often than once a second.
ProgressCallback throttledProgress() {
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [last](const Progress& progress) {
    const auto now = std::chrono::steady_clock::now();
    if (now - *last < std::chrono::seconds(1) && progress.bytesDone < progress.bytesTotal) return;
    *last = now;
    emit(JsonLine().add("type", "progress").add("phase", progress.phase).add("bytesDone", progress.bytesDone).add("bytesTotal", progress.bytesTotal));
  };
}

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

JsonLine summaryJson(const ValidationSummary& summary) {
  JsonLine line;
  line.add("records", summary.records).add("duplicates", summary.duplicates).add("unordered", summary.unordered);
  line.add("firstUnordered", summary.firstUnordered).add("checksum", toHex(summary.checksum));
  return line;
}

std::string keyHex(const Key& key) {
  char text[21];
  std::snprintf(text, sizeof text, "%016llx%04x", static_cast<unsigned long long>(key.high), key.low);
  return text;
}

// --engine auto|usrbio|io_uring|psync, --mount (3FS mount point, default: the data path) and --usrbio-lib.
// --engine, --mount and --usrbio-lib mean the same for every subcommand that reads or writes data: parsed here
// only, once per command; the caller (or core, per phase) sets the directory the data is in.
EngineOptions engineOptions(const Args& args, const std::string& dataPath = "") {
  EngineOptions engine;
  engine.kind = parseEngineKind(args.text("engine", "auto"));
  engine.dataDir = dataPath;
  engine.mountPoint = args.text("mount", "");  // empty: the root of the 3FS mount holding dataPath
  engine.usrbioLibrary = args.text("usrbio-lib", "");
  return engine;
}

int commandGen(const Args& args) {
  const uint64_t start = args.number("start", 0);
  const uint64_t count = args.number("count");
  const std::string mode = args.text("mode", "binary");
  if (mode != "binary" && mode != "ascii") throw UsageError("--mode must be binary or ascii, got " + mode);
  const std::string output = args.text("output");
  const int threads = static_cast<int>(args.number("threads", defaultThreads()));
  const auto started = std::chrono::steady_clock::now();
  // Generated in 64 MiB blocks, `threads` blocks at a time, each block written where it belongs.
  constexpr uint64_t kBlockRecords = (64ull << 20) / kRecordSize;
  FileHandle file(output, FileHandle::Mode::WriteTruncate);
  file.truncate(count * kRecordSize);
  const uint64_t blocks = (count + kBlockRecords - 1) / kBlockRecords;
  std::vector<u128> sums(blocks, 0);
  runParallel(threads, [&](int t) {
    std::unique_ptr<uint8_t[]> buffer(new uint8_t[kBlockRecords * kRecordSize]);
    for (uint64_t block = t; block < blocks; block += threads) {
      const uint64_t first = block * kBlockRecords;
      const uint64_t n = std::min(kBlockRecords, count - first);
      RecordGenerator generator(mode == "ascii" ? RecordMode::Ascii : RecordMode::Binary, start + first);
      generator.generate(buffer.get(), n);
      sums[block] = recordChecksum(buffer.get(), n);
      file.writeAt(buffer.get(), n * kRecordSize, first * kRecordSize);
    }
  });
  // Durable before the sort starts, so that the sort does not compete with writing back its own input.
  file.sync();
  u128 checksum = 0;
  for (auto sum : sums) checksum += sum;
  emit(JsonLine().add("type", "result").add("records", count).add("bytes", count * kRecordSize).add("checksum", toHex(checksum)).add("seconds", since(started)));
  return 0;
}

int commandValidate(const Args& args) {
  const auto inputs = args.list("inputs");
  const int threads = static_cast<int>(args.number("threads", defaultThreads()));
  const auto started = std::chrono::steady_clock::now();
  ValidationSummary total;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ValidationSummary summary;
    try {
      summary = validateFile(inputs[i], threads);
    } catch (const std::exception& error) {
      // A missing or truncated file is reported by name; the others are still checked.
      emit(JsonLine().add("type", "file").add("path", inputs[i]).add("index", static_cast<uint64_t>(i)).add("error", error.what()));
      continue;
    }
    JsonLine line = summaryJson(summary);
    line.add("type", "file").add("path", inputs[i]).add("index", static_cast<uint64_t>(i));
    if (summary.records > 0) line.add("firstKey", keyHex(summary.firstKey)).add("lastKey", keyHex(summary.lastKey));
    emit(line);
    total = mergeSummaries(total, summary);
  }
  JsonLine result = summaryJson(total);
  result.add("type", "result").add("files", static_cast<uint64_t>(inputs.size())).add("seconds", since(started));
  emit(result);
  return 0;
}

int commandSample(const Args& args) {
  const auto keys = sampleKeys(args.list("inputs"), args.number("per-file", 10000));
  writeKeys(args.text("output"), keys);
  emit(JsonLine().add("type", "result").add("keys", static_cast<uint64_t>(keys.size())));
  return 0;
}

int commandSplitters(const Args& args) {
  std::vector<Key> sample;
  for (const auto& file : args.list("samples")) {
    auto keys = readKeys(file);
    sample.insert(sample.end(), keys.begin(), keys.end());
  }
  const auto partitions = static_cast<uint32_t>(args.number("partitions"));
  if (partitions == 0 || partitions > 1'000'000) throw UsageError("--partitions must be between 1 and 1000000");
  const auto splitters = splittersFromSample(std::move(sample), partitions);
  writeKeys(args.text("output"), splitters);
  emit(JsonLine().add("type", "result").add("splitters", static_cast<uint64_t>(splitters.size())));
  return 0;
}

int commandTestMap(const Args& args) {
  MapOptions options;
  options.inputs = args.list("inputs");
  options.splitters = readKeys(args.text("splitters"));
  options.outputPrefix = args.text("output");
  options.memoryBytes = args.number("memory", 1ull << 30);
  options.threads = static_cast<int>(args.number("threads", defaultThreads()));
  options.engine = engineOptions(args, options.outputPrefix);
  const auto started = std::chrono::steady_clock::now();
  const MapResult result = runMap(options, throttledProgress());
  emit(JsonLine()
           .add("type", "result")
           .add("records", result.records)
           .add("bytes", result.bytes)
           .add("runs", static_cast<uint64_t>(result.runs))
           .add("readSeconds", result.readSeconds)
           .add("partitionSeconds", result.partitionSeconds)
           .add("writeSeconds", result.writeSeconds)
           .add("seconds", since(started)));
  return 0;
}

int commandTestReduce(const Args& args) {
  ReduceOptions options;
  options.maps = args.list("maps");
  options.firstPartition = static_cast<uint32_t>(args.number("first"));
  options.endPartition = static_cast<uint32_t>(args.number("end"));
  options.outputDir = args.text("output-dir");
  options.threads = static_cast<int>(args.number("threads", defaultThreads()));
  options.engine = engineOptions(args, options.outputDir);
  const auto started = std::chrono::steady_clock::now();
  const ReduceResult result = runReduce(options, throttledProgress());
  emit(JsonLine()
           .add("type", "result")
           .add("records", result.records)
           .add("bytes", result.bytes)
           .add("partitions", static_cast<uint64_t>(result.partitions))
           .add("largestPartitionBytes", result.largestPartitionBytes)
           .add("readWaitSeconds", result.readSeconds)
           .add("sortSeconds", result.sortSeconds)
           .add("writeSeconds", result.writeSeconds)
           .add("seconds", since(started)));
  return 0;
}

// sort-node: options parsed once here, the orchestration in core/sort_node.cc, the result printed here.
SortNodeOptions sortNodeOptions(const Args& args) {
  SortNodeOptions options;
  options.index = args.number("index");
  options.nodes = args.number("nodes");
  if (options.nodes == 0 || options.index >= options.nodes) throw UsageError("--index must be below --nodes");
  options.inputs = args.list("inputs");
  options.workDir = args.text("work");
  options.outputDir = args.text("output-dir");
  options.partitions = static_cast<uint32_t>(args.number("partitions"));
  if (options.partitions == 0) throw UsageError("--partitions must be at least 1");
  options.samplePerFile = args.number("sample-per-file", 10000);
  options.memoryBytes = args.number("memory", 1ull << 30);
  options.threads = static_cast<int>(args.number("threads", defaultThreads()));
  options.barrierTimeoutSeconds = static_cast<double>(args.number("barrier-timeout", 24 * 3600));
  // --shuffle memory: one node whose data fits in memory keeps the map output there; auto: the same node
  // decides by whether its freed memory goes back to its host (SortNodeOptions::decideShuffle).
  const std::string shuffle = args.text("shuffle", "files");
  if (shuffle != "files" && shuffle != "memory" && shuffle != "auto") throw UsageError("--shuffle must be files, memory or auto");
  options.inMemoryShuffle = shuffle == "memory";
  options.decideShuffle = shuffle == "auto";
  if (shuffle != "files" && options.nodes != 1) throw UsageError("--shuffle " + shuffle + " needs --nodes 1");
  options.virtioDevices = args.text("virtio-devices", "/sys/bus/virtio/devices");
  options.engine = engineOptions(args);
  return options;
}

int commandSortNode(const Args& args) {
  const SortNodeOptions options = sortNodeOptions(args);
  const SortNodeResult result = runSortNode(options, throttledProgress(), [](const char* phase, double seconds) {
    emit(JsonLine().add("type", "phase").add("phase", phase).add("seconds", seconds));
  });
  const MapResult& mapped = result.map;
  const ReduceResult& reduced = result.reduce;
  emit(JsonLine()
           .add("type", "result")
           .add("engine", reduced.engine.empty() ? mapped.engine : reduced.engine)
           .add("mapRecords", mapped.records)
           .add("mapRuns", static_cast<uint64_t>(mapped.runs))
           .add("waitSeconds", result.waitSeconds)
           .add("shuffle", result.inMemory ? "memory" : "files")
           .add("memoryReturnedToHost", result.memoryReturnedToHost)
           .add("mapReadWaitSeconds", mapped.readSeconds)
           .add("mapPartitionSeconds", mapped.partitionSeconds)
           .add("mapPopulateWaitSeconds", mapped.populateWaitSeconds)
           .add("mapInputDirect", mapped.inputDirect)
           .add("mapWriteWaitSeconds", mapped.writeSeconds)
           .add("reduceReadWaitSeconds", reduced.readSeconds)
           .add("reduceSortSeconds", reduced.sortSeconds)
           .add("reduceWriteSeconds", reduced.writeSeconds)
           .add("records", reduced.records)
           .add("bytes", reduced.bytes)
           .add("partitions", static_cast<uint64_t>(reduced.partitions))
           .add("seconds", result.seconds));
  return 0;
}

int commandThroughput(const Args& args) {
  ThroughputOptions options;
  options.pattern = parsePattern(args.text("rw", "read"));
  options.blockSize = static_cast<uint32_t>(args.number("bs", 1 << 20));
  options.depth = static_cast<int>(args.number("iodepth", 32));
  options.jobs = static_cast<int>(args.number("jobs", 1));
  options.fileSize = args.number("size", 1ull << 30);
  options.runtimeSeconds = static_cast<double>(args.number("runtime-ms", 0)) / 1000;
  options.direct = args.number("direct", 1) != 0;
  options.dir = args.text("dir");
  options.engine = engineOptions(args, options.dir);
  options.keepFiles = args.number("keep", 0) != 0;
  options.startAtEpochMs = static_cast<int64_t>(args.number("start-at", 0));
  options.layoutOnly = args.number("layout-only", 0) != 0;
  if (options.layoutOnly) options.keepFiles = true;
  if (options.depth < 1 || options.depth > 65536) throw UsageError("--iodepth must be between 1 and 65536");
  if (options.jobs < 1 || options.jobs > 1024) throw UsageError("--jobs must be between 1 and 1024");
  const ThroughputResult result = runThroughput(options, [](uint64_t done, uint64_t total) {
    emit(JsonLine().add("type", "progress").add("phase", "run").add("bytesDone", done).add("bytesTotal", total));
  });
  std::string perSecond = "[";
  for (std::size_t i = 0; i < result.bytesPerSecond.size(); ++i) perSecond += (i ? "," : "") + std::to_string(result.bytesPerSecond[i]);
  perSecond += "]";
  emit(JsonLine()
           .add("type", "result")
           .add("engine", result.engine)
           .add("engineNote", result.engineNote)
           .add("bytes", result.bytes)
           .add("ios", result.ios)
           .add("seconds", result.seconds)
           .add("startEpochMs", static_cast<int64_t>(result.startEpochMs))
           .add("endEpochMs", static_cast<int64_t>(result.endEpochMs))
           .add("latencyP50Us", result.latencyP50Us)
           .add("latencyP99Us", result.latencyP99Us)
           .add("latencyP999Us", result.latencyP999Us)
           .add("latencyMeanUs", result.latencyMeanUs)
           .add("layoutSeconds", result.layoutSeconds)
           .raw("bytesPerSecond", perSecond)
           .raw("latencyHistogram", result.latencyHistogram));
  return 0;
}

int commandTestEngineCheck(const Args& args) {
  const EngineOptions engine = engineOptions(args, args.text("dir"));
  const auto blocks = static_cast<uint32_t>(args.number("blocks", 256));
  std::string note;
  const std::string name = verifyEngine(engine, args.text("dir"), static_cast<uint32_t>(args.number("bs", 65536)), blocks, static_cast<int>(args.number("iodepth", 16)), args.number("direct", 1) != 0, &note);
  emit(JsonLine().add("type", "result").add("engine", name).add("engineNote", note).add("blocks", static_cast<uint64_t>(blocks)).add("verified", true));
  return 0;
}

const char* kUsage =
    "usage: 3fs-worker COMMAND [--option value ...]\n"
    "  version\n"
    "  gen       --count N [--start S] [--mode binary|ascii] --output FILE [--threads T]\n"
    "  validate  --inputs F1,F2,... [--threads T]\n"
    "  sort-node --index I --nodes N --inputs F1,... --work DIR --partitions P --output-dir DIR [--shuffle files|memory|auto [--virtio-devices DIR]]\n"
    "            [--memory BYTES] [--threads T] [--sample-per-file K] [--barrier-timeout S]\n"
    "  throughput --dir DIR [--rw R] [--bs B] [--iodepth D] [--jobs J] [--size BYTES] [--runtime-ms MS] [--engine E]\n"
    "  sample    --inputs F1,... --output KEYS [--per-file K]\n"
    "  splitters --samples K1,... --partitions P --output KEYS\n"
    "test only (sort-node's other steps alone, and the I/O engine self-check; the CLI never runs them):\n"
    "  test:map       --inputs F1,... --splitters KEYS --output PREFIX [--memory BYTES] [--threads T]\n"
    "  test:reduce    --maps P1,... --first A --end B --output-dir DIR [--threads T]\n"
    "  test:engine-check --dir DIR [--engine E] [--blocks N] [--bs B] [--iodepth D]\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  try {
    const Args args(argc, argv, 2);
    if (command == "version") {
      emit(JsonLine().add("type", "version").add("core", threefs::coreVersion()));
      return 0;
    }
    // What the CLI runs (argv built by src/bench/worker-protocol.ts).
    if (command == "gen") return commandGen(args);
    if (command == "validate") return commandValidate(args);
    if (command == "sort-node") return commandSortNode(args);
    if (command == "throughput") return commandThroughput(args);
    // graysort --impl duckdb on a cluster takes its key ranges from these (src/bench/graysort/duckdb-cluster.ts).
    if (command == "sample") return commandSample(args);
    if (command == "splitters") return commandSplitters(args);
    // Test only, always named test:<step>: sort-node's steps one at a time and the engine self-check, for the
    // tests to pin each alone. The CLI never runs them (worker-protocol.ts builds no argv for them).
    if (command == "test:map") return commandTestMap(args);
    if (command == "test:reduce") return commandTestReduce(args);
    if (command == "test:engine-check") return commandTestEngineCheck(args);
    throw UsageError("unknown command " + command);
  } catch (const UsageError& error) {
    emit(JsonLine().add("type", "error").add("message", error.what()));
    std::fprintf(stderr, "3fs-worker: %s\n%s", error.what(), kUsage);
    return 2;
  } catch (const std::exception& error) {
    emit(JsonLine().add("type", "error").add("message", error.what()));
    std::fprintf(stderr, "3fs-worker %s: %s\n", command.c_str(), error.what());
    return 1;
  }
}
