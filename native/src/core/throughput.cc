#include "core/throughput.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "core/buffer.h"
#include "core/file_io.h"
#include "core/latency.h"
#include "core/parallel.h"

namespace threefs {
namespace {

using Clock = std::chrono::steady_clock;

int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// xorshift64: cheap pseudo-random data (incompressible test data, shuffles); not for anything secret.
inline uint64_t nextRandom(uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// Fills whole 8-byte words of `bytes` with pseudo-random data.
void fillPseudoRandom(uint8_t* data, std::size_t bytes, uint64_t seed) {
  for (std::size_t i = 0; i + 8 <= bytes; i += 8) {
    const uint64_t word = nextRandom(seed);
    std::memcpy(data + i, &word, 8);
  }
}

std::string jobFile(const ThroughputOptions& options, int job) { return options.dir + "/3fs-cli-bench." + std::to_string(job) + ".dat"; }

bool isWrite(Pattern pattern) { return pattern == Pattern::SeqWrite || pattern == Pattern::RandWrite; }
bool isRandom(Pattern pattern) { return pattern == Pattern::RandRead || pattern == Pattern::RandWrite; }

// Read tests need files full of data; write tests need them allocated. Existing files of the right
// size are reused.
void layOut(const ThroughputOptions& options, int job) {
  const std::string path = jobFile(options, job);
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && static_cast<uint64_t>(info.st_size) == options.fileSize) return;
  FileHandle file(path, FileHandle::Mode::WriteDirect);
  constexpr std::size_t kChunk = 8 << 20;
  Buffer chunk(kChunk);
  fillPseudoRandom(chunk.data(), kChunk, 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(job));
  for (uint64_t at = 0; at < options.fileSize; at += kChunk) {
    const uint64_t length = std::min<uint64_t>(kChunk, options.fileSize - at);
    file.writeAt(chunk.data(), file.direct() ? alignUp(length) : length, at);
  }
  file.truncate(options.fileSize);
  file.sync();
}

struct JobResult {
  uint64_t bytes = 0, ios = 0;
  LatencyHistogram latency;
  double latencySumNs = 0;
  std::vector<uint64_t> perSecond;
  std::string engine, note;
  Clock::time_point end;
};

}  // namespace

Pattern parsePattern(const std::string& text) {
  if (text == "read") return Pattern::SeqRead;
  if (text == "write") return Pattern::SeqWrite;
  if (text == "randread") return Pattern::RandRead;
  if (text == "randwrite") return Pattern::RandWrite;
  throw std::runtime_error("--rw must be read, write, randread or randwrite, got " + text);
}

ThroughputResult runThroughput(const ThroughputOptions& options, const std::function<void(uint64_t, uint64_t)>& progress) {
  if (options.blockSize == 0 || options.fileSize < options.blockSize) throw std::runtime_error("--size must be at least one block (--bs)");
  if (options.direct && options.blockSize % kDirectAlignment != 0) throw std::runtime_error("direct I/O needs --bs to be a multiple of 4096");
  const auto layoutStart = Clock::now();
  runParallel(options.jobs, [&](int job) { layOut(options, job); });
  const double layoutSeconds = std::chrono::duration<double>(Clock::now() - layoutStart).count();
  if (options.layoutOnly) {
    ThroughputResult laidOut;
    laidOut.layoutSeconds = layoutSeconds;
    return laidOut;
  }

  // Every job starts at the agreed instant (or now).
  if (options.startAtEpochMs > 0) {
    const int64_t wait = options.startAtEpochMs - epochMs();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
  const int64_t startEpoch = epochMs();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.runtimeSeconds));
  const uint64_t blocks = options.fileSize / options.blockSize;
  const uint64_t iosPerJob = options.runtimeSeconds > 0 ? UINT64_MAX : blocks;
  std::atomic<uint64_t> doneBytes{0};
  std::atomic<bool> finished{false};
  const uint64_t totalBytes = options.runtimeSeconds > 0 ? 0 : iosPerJob * options.blockSize * options.jobs;

  std::vector<JobResult> results(options.jobs);
  std::vector<std::exception_ptr> errors(options.jobs);
  std::vector<std::thread> jobs;
  for (int job = 0; job < options.jobs; ++job) {
    jobs.emplace_back([&, job] {
      int fd = -1;
      try {
        JobResult& result = results[job];
        const std::string path = jobFile(options, job);
        fd = ::open(path.c_str(), (isWrite(options.pattern) ? O_WRONLY : O_RDONLY) | O_CLOEXEC | (options.direct ? O_DIRECT : 0));
        if (fd < 0 && options.direct && errno == EINVAL) fd = ::open(path.c_str(), (isWrite(options.pattern) ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
        if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
        EngineOptions engineOptions = options.engine;
        engineOptions.depth = options.depth;
        engineOptions.bufferBytes = static_cast<std::size_t>(options.depth) * options.blockSize;
        engineOptions.forRead = !isWrite(options.pattern);
        auto engine = makeEngine(engineOptions, &result.note);
        result.engine = engine->name();
        const int file = engine->addFile(fd);
        if (isWrite(options.pattern)) fillPseudoRandom(engine->buffers(), engine->bufferBytes(), 0xD1B54A32D192ED03ull + static_cast<uint64_t>(job));
        uint64_t cursor = static_cast<uint64_t>(job) * 7919 % blocks;  // jobs start at different places
        // Random order visits every block once per pass, as fio's random map does: a bijection on
        // [0, 2^k) (add, odd multiply, xor-shift, all invertible), skipping values past the last block.
        // Repeats are not free here: with them, fio itself loses about 10% of its random-read IOPS.
        int bits = 1;
        while ((uint64_t{1} << bits) < blocks) ++bits;
        const uint64_t mask = (uint64_t{1} << bits) - 1;
        const uint64_t seed = 0x2545F4914F6CDD1Dull * (static_cast<uint64_t>(job) + 1);
        uint64_t counter = 0;
        auto permute = [&](uint64_t x) {
          x = (x + seed) & mask;
          x = (x * 0x9E3779B97F4A7C15ull) & mask;
          x ^= x >> (bits / 2 + 1);
          x = (x * 0xD1B54A32D192ED03ull) & mask;
          x ^= x >> (bits / 2 + 1);
          return x;
        };
        auto nextOffset = [&]() {
          if (isRandom(options.pattern)) {
            uint64_t block;
            do block = permute(counter++ & mask);
            while (block >= blocks);
            return block * options.blockSize;
          }
          const uint64_t offset = cursor * options.blockSize;
          cursor = (cursor + 1) % blocks;
          return offset;
        };
        std::vector<Clock::time_point> issued(options.depth);
        uint64_t started = 0, inFlight = 0;
        auto issue = [&](int slot) {
          IoRequest request;
          request.file = file;
          request.offset = nextOffset();
          request.length = options.blockSize;
          request.buffer = engine->buffers() + static_cast<std::size_t>(slot) * options.blockSize;
          request.write = isWrite(options.pattern);
          request.tag = static_cast<uint64_t>(slot);
          issued[slot] = Clock::now();
          engine->queue(request);
          ++started;
          ++inFlight;
        };
        for (int slot = 0; slot < options.depth && started < iosPerJob; ++slot) issue(slot);
        std::vector<IoCompletion> completions(options.depth);
        // One completion per call, its replacement submitted at once (fio's default too): the device
        // sees a steady stream. Reaping whole batches lets completions pile up and resubmits them in
        // bursts, which cost 10% of the random-read IOPS on the virtio disk this was measured on.
        constexpr std::size_t reapBatch = 1;
        while (inFlight > 0) {
          const std::size_t n = engine->submitAndReap(completions.data(), reapBatch, 1);
          const auto now = Clock::now();
          const bool stop = finished.load(std::memory_order_relaxed) || (options.runtimeSeconds > 0 && now >= deadline);
          for (std::size_t i = 0; i < n; ++i) {
            const int slot = static_cast<int>(completions[i].tag);
            --inFlight;
            if (completions[i].result < 0) throw std::runtime_error(std::string(engine->name()) + " " + (isWrite(options.pattern) ? "write" : "read") + " failed on " + path + ": " + std::strerror(static_cast<int>(-completions[i].result)));
            if (completions[i].result != options.blockSize) throw std::runtime_error("short " + std::string(isWrite(options.pattern) ? "write" : "read") + " on " + path + ": " + std::to_string(completions[i].result) + " of " + std::to_string(options.blockSize) + " bytes");
            const auto latency = std::chrono::duration_cast<std::chrono::nanoseconds>(now - issued[slot]).count();
            result.latency.record(static_cast<uint64_t>(latency));
            result.latencySumNs += static_cast<double>(latency);
            result.bytes += options.blockSize;
            ++result.ios;
            const auto second = static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count() / 1000);
            if (result.perSecond.size() <= second) result.perSecond.resize(second + 1, 0);
            result.perSecond[second] += options.blockSize;
            doneBytes.fetch_add(options.blockSize, std::memory_order_relaxed);
            if (!stop && started < iosPerJob) issue(slot);
          }
        }
        result.end = Clock::now();
      } catch (...) {
        errors[job] = std::current_exception();
        finished.store(true);
      }
      if (fd >= 0) ::close(fd);
    });
  }
  // Progress once a second while the jobs run.
  std::thread reporter([&] {
    while (!finished.load()) {
      for (int i = 0; i < 10 && !finished.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (progress && !finished.load()) progress(doneBytes.load(), totalBytes);
    }
  });
  for (auto& thread : jobs) thread.join();
  finished.store(true);
  reporter.join();
  for (auto& error : errors)
    if (error) std::rethrow_exception(error);

  ThroughputResult total;
  total.layoutSeconds = layoutSeconds;
  total.startEpochMs = startEpoch;
  LatencyHistogram latency;
  double latencySum = 0;
  Clock::time_point end = start;
  for (auto& result : results) {
    total.bytes += result.bytes;
    total.ios += result.ios;
    latency.merge(result.latency);
    latencySum += result.latencySumNs;
    end = std::max(end, result.end);
    if (total.bytesPerSecond.size() < result.perSecond.size()) total.bytesPerSecond.resize(result.perSecond.size(), 0);
    for (std::size_t s = 0; s < result.perSecond.size(); ++s) total.bytesPerSecond[s] += result.perSecond[s];
    total.engine = result.engine;
    if (!result.note.empty()) total.engineNote = result.note;
  }
  total.seconds = std::chrono::duration<double>(end - start).count();
  total.endEpochMs = startEpoch + static_cast<int64_t>(total.seconds * 1000);
  total.latencyP50Us = latency.percentile(0.50) / 1000;
  total.latencyP99Us = latency.percentile(0.99) / 1000;
  total.latencyP999Us = latency.percentile(0.999) / 1000;
  total.latencyHistogram = latency.sparseJson();
  total.latencyMeanUs = total.ios > 0 ? latencySum / static_cast<double>(total.ios) / 1000 : 0;
  if (!options.keepFiles) {
    for (int job = 0; job < options.jobs; ++job) ::unlink(jobFile(options, job).c_str());
  }
  return total;
}

namespace {

uint8_t patternByte(uint32_t block, uint32_t at) {
  uint32_t x = block * 2654435761u ^ (at * 40503u + 0x9E37u);
  x ^= x >> 15;
  return static_cast<uint8_t>(x ^ (x >> 8));
}

// Runs every block once through `engine`, `depth` at a time, in `order`; `before`/`after` see each
// block's buffer before it is queued and after it completes.
template <typename Before, typename After>
void passOver(Engine& engine, int file, const std::vector<uint32_t>& order, uint32_t blockSize, int depth, bool write, Before before, After after) {
  std::vector<uint32_t> blockOfSlot(static_cast<std::size_t>(depth));
  std::vector<IoCompletion> done(static_cast<std::size_t>(depth));
  std::size_t next = 0, inFlight = 0;
  auto issue = [&](int slot) {
    const uint32_t block = order[next++];
    blockOfSlot[slot] = block;
    uint8_t* buffer = engine.buffers() + static_cast<std::size_t>(slot) * blockSize;
    before(block, buffer);
    engine.queue(IoRequest{file, uint64_t{block} * blockSize, blockSize, buffer, write, static_cast<uint64_t>(slot)});
    ++inFlight;
  };
  for (int slot = 0; slot < depth && next < order.size(); ++slot) issue(slot);
  while (inFlight > 0) {
    const std::size_t n = engine.submitAndReap(done.data(), done.size(), 1);
    for (std::size_t i = 0; i < n; ++i) {
      const int slot = static_cast<int>(done[i].tag);
      --inFlight;
      if (done[i].result != blockSize) throw std::runtime_error(std::string(engine.name()) + (write ? " write" : " read") + " of block " + std::to_string(blockOfSlot[slot]) + " returned " + std::to_string(done[i].result));
      after(blockOfSlot[slot], engine.buffers() + static_cast<std::size_t>(slot) * blockSize);
      if (next < order.size()) issue(slot);
    }
  }
}

}  // namespace

std::string verifyEngine(const EngineOptions& base, const std::string& dir, uint32_t blockSize, uint32_t blocks, int depth, bool direct, std::string* engineNote) {
  const std::string path = dir + "/3fs-cli-engine-check.dat";
  {
    FileHandle create(path, FileHandle::Mode::WriteTruncate);
    create.truncate(uint64_t{blocks} * blockSize);
  }
  std::vector<uint32_t> order(blocks);
  for (uint32_t i = 0; i < blocks; ++i) order[i] = i;
  uint64_t seed = 0x243F6A8885A308D3ull;
  auto shuffle = [&] {
    for (uint32_t i = blocks; i > 1; --i) std::swap(order[i - 1], order[nextRandom(seed) % i]);
  };
  std::string name;
  for (bool write : {true, false}) {
    EngineOptions options = base;
    options.depth = depth;
    options.bufferBytes = static_cast<std::size_t>(depth) * blockSize;
    options.forRead = !write;
    std::string note;
    if (options.dataDir.empty()) options.dataDir = dir;
    auto engine = makeEngine(options, &note);
    name = engine->name();
    if (engineNote != nullptr) *engineNote = note;
    const int fd = ::open(path.c_str(), (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC | (direct ? O_DIRECT : 0));
    if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    try {
      const int file = engine->addFile(fd);
      shuffle();
      passOver(*engine, file, order, blockSize, depth, write,
               [&](uint32_t block, uint8_t* buffer) {
                 if (write) for (uint32_t at = 0; at < blockSize; ++at) buffer[at] = patternByte(block, at);
               },
               [&](uint32_t block, const uint8_t* buffer) {
                 if (write) return;
                 for (uint32_t at = 0; at < blockSize; ++at)
                   if (buffer[at] != patternByte(block, at)) throw std::runtime_error(name + ": block " + std::to_string(block) + " differs at byte " + std::to_string(at));
               });
      if (write && ::fsync(fd) != 0) throw std::runtime_error("fsync failed on " + path);
    } catch (...) {
      engine.reset();
      ::close(fd);
      throw;
    }
    engine.reset();  // deregisters the fd before it is closed
    ::close(fd);
  }
  ::unlink(path.c_str());
  return name;
}

}  // namespace threefs
