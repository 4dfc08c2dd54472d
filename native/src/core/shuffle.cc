#include "core/shuffle.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>
#include <mutex>
#include <condition_variable>

#include <fcntl.h>
#include <sys/resource.h>

#include "core/buffer.h"
#include "core/engine_io.h"
#include "core/file_io.h"
#include "core/partition.h"
#include "core/sorter.h"

namespace threefs {
namespace {

constexpr char kIndexMagic[8] = {'3', 'F', 'S', 'S', 'H', 'U', 'F', '1'};

// A reducer keeps nodes x runs files open; lift the soft limit to the hard one.
void raiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// Joins a helper thread when leaving a scope, also by an exception: a joinable std::thread that is
// destroyed ends the process.
struct JoinOnExit {
  std::thread& thread;
  ~JoinOnExit() {
    if (thread.joinable()) thread.join();
  }
};

// The reduce's outputs, written by one thread for the whole reduce (EngineIo::writeStream), so that the
// device's queue stays full from one output file to the next: a writer per file drained the queue at
// every file's end. The reducer queues a file once it is sorted and waits for an older one to be
// written before it sorts into that file's buffer again.
class OutputWriter {
 public:
  explicit OutputWriter(EngineIo& io) : thread_([this, &io] { run(io); }) {}
  ~OutputWriter() {
    close();
    if (thread_.joinable()) thread_.join();
  }
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  void queue(EngineIo::WriteFile file) {
    std::lock_guard lock(mutex_);
    files_.push_back(std::move(file));
    changed_.notify_all();
  }
  // Blocks until the first `count` queued files are written; rethrows the writer's failure.
  void waitWritten(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return written_ >= count || error_; });
    if (error_) std::rethrow_exception(error_);
  }
  // No more files: waits for every queued one to be written; rethrows the writer's failure.
  void finish() {
    close();
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  void run(EngineIo& io) {
    try {
      io.writeStream(
          [this](bool wait, EngineIo::WriteFile& file) {
            std::unique_lock lock(mutex_);
            if (wait) changed_.wait(lock, [&] { return !files_.empty() || closed_; });
            if (files_.empty()) return false;
            file = std::move(files_.front());
            files_.pop_front();
            return true;
          },
          [this](std::size_t index) {
            std::lock_guard lock(mutex_);
            written_ = index + 1;
            changed_.notify_all();
          });
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<EngineIo::WriteFile> files_;
  bool closed_ = false;
  std::size_t written_ = 0;
  std::exception_ptr error_;
  std::thread thread_;  // last: it starts once the members above exist
};

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct MapIndex {
  uint32_t partitions = 0;
  // runs x (partitions + 1) absolute byte offsets into the .dat file
  std::vector<std::vector<uint64_t>> runs;
};

void writeIndex(const std::string& path, const MapIndex& index) {
  std::vector<uint8_t> bytes(16);
  std::memcpy(bytes.data(), kIndexMagic, 8);
  const uint32_t runs = static_cast<uint32_t>(index.runs.size());
  std::memcpy(bytes.data() + 8, &index.partitions, 4);
  std::memcpy(bytes.data() + 12, &runs, 4);
  for (const auto& offsets : index.runs) {
    const auto* raw = reinterpret_cast<const uint8_t*>(offsets.data());
    bytes.insert(bytes.end(), raw, raw + offsets.size() * 8);
  }
  // Written under a temporary name and renamed: a reader never sees half an index.
  const std::string temp = path + ".tmp";
  writeWhole(temp, bytes.data(), bytes.size(), 1);
  if (std::rename(temp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + temp);
}

MapIndex readIndex(const std::string& path) {
  const uint64_t size = fileSize(path);
  if (size < 16) throw std::runtime_error(path + " is not a map index (too short)");
  std::vector<uint8_t> bytes(size);
  readRange(path, 0, bytes.data(), size, 1);
  if (std::memcmp(bytes.data(), kIndexMagic, 8) != 0) throw std::runtime_error(path + " is not a map index");
  MapIndex index;
  uint32_t runs;
  std::memcpy(&index.partitions, bytes.data() + 8, 4);
  std::memcpy(&runs, bytes.data() + 12, 4);
  if (size != 16 + uint64_t{runs} * (index.partitions + 1) * 8) throw std::runtime_error(path + " is truncated");
  for (uint32_t r = 0; r < runs; ++r) {
    std::vector<uint64_t> offsets(index.partitions + 1);
    std::memcpy(offsets.data(), bytes.data() + 16 + uint64_t{r} * (index.partitions + 1) * 8, offsets.size() * 8);
    index.runs.push_back(std::move(offsets));
  }
  return index;
}

}  // namespace

std::string runFileName(const std::string& prefix, uint32_t run) {
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "-r%05u.dat", run);
  return prefix + suffix;
}

std::string partitionFileName(uint32_t partition) {
  char name[32];
  std::snprintf(name, sizeof name, "part-%05u.dat", partition);
  return name;
}

MapResult runMap(const MapOptions& options, const ProgressCallback& progress, BufferPool* pool) {
  BufferPool own;
  if (pool == nullptr) pool = &own;
  Partitioner partitioner(options.splitters);
  std::vector<uint64_t> sizes;
  uint64_t total = 0;
  for (const auto& input : options.inputs) {
    const uint64_t size = fileSize(input);
    if (size % kRecordSize != 0) throw std::runtime_error(input + " is not a whole number of 100-byte records");
    sizes.push_back(size);
    total += size;
  }
  // Runs of 64 MiB so that reading run k+1, partitioning run k and writing run k-1 overlap; larger
  // when that would make more than 64 runs (a reducer reads one segment per run); never more than a
  // quarter of the memory (four run buffers). Keep in step with runBytesFor in src/bench/graysort/plan.ts.
  auto wholeRecords = [](uint64_t bytes) { return (bytes + kRecordSize - 1) / kRecordSize * kRecordSize; };
  const uint64_t wanted = std::max(wholeRecords(64ull << 20), wholeRecords((total + 63) / 64));
  const uint64_t limit = std::max<uint64_t>(kRecordSize, options.memoryBytes / 4 / kRecordSize * kRecordSize);
  const uint64_t runBytes = std::min({limit, wanted, std::max<uint64_t>(total, kRecordSize)});
  Buffer* input[2] = {&pool->get(0, runBytes), &pool->get(1, runBytes)};
  Buffer* grouped[2] = {nullptr, nullptr};
  Buffer& owners = pool->get(6, runBytes / kRecordSize * sizeof(uint32_t));

  // Where each run comes from: consecutive byte ranges over the inputs, file after file.
  struct Piece {
    std::size_t file;
    uint64_t offset, length;
  };
  std::vector<std::vector<Piece>> runs;
  {
    std::vector<Piece> current;
    uint64_t filled = 0;
    for (std::size_t file = 0; file < sizes.size(); ++file) {
      uint64_t offset = 0;
      while (offset < sizes[file]) {
        const uint64_t take = std::min(runBytes - filled, sizes[file] - offset);
        current.push_back(Piece{file, offset, take});
        offset += take;
        filled += take;
        if (filled == runBytes) {
          runs.push_back(std::move(current));
          current.clear();
          filled = 0;
        }
      }
    }
    if (!current.empty() || runs.empty()) runs.push_back(std::move(current));
  }
  // All data I/O goes through the engine; one EngineIo per direction, each used by one thread at a time.
  // Input mostly in the page cache (just generated, or read before) is read through it; input that is not
  // is read with O_DIRECT: buffered reads of a cold file went at readahead's pace (map 0.98-1.44 s for
  // 1 GB here, against 1.0 s for fio's direct read of it), and its pages would only be thrown away.
  const bool directInput = options.directInput >= 0 ? options.directInput == 1 : !mostlyInPageCache(options.inputs);
  EngineIo readIo(options.engine, directInput), writeIo(options.engine);
  // Run r is read into input[r % 2]: the ranges of its pieces, laid end to end.
  std::vector<std::vector<ReadRange>> runRanges(runs.size());
  std::vector<uint64_t> runLength(runs.size(), 0);
  for (std::size_t run = 0; run < runs.size(); ++run) {
    for (const auto& piece : runs[run]) {
      runRanges[run].push_back(ReadRange{options.inputs[piece.file], piece.offset, piece.length, input[run % 2]->data() + runLength[run]});
      runLength[run] += piece.length;
    }
  }

  MapResult result;
  result.inputDirect = directInput;
  MapIndex index;
  index.partitions = partitioner.partitions();
  // In memory: every run keeps its own region of one arena, filled (page by page) while the first run is read.
  // Run regions start at whole records from the arena's start (the reduce sorts straight from them and
  // names records by their number from the arena) and at whole blocks: a multiple of 100 and of 4096.
  constexpr uint64_t kRecordsAndBlocks = 102400;
  const uint64_t stride = (runBytes + kRecordsAndBlocks - 1) / kRecordsAndBlocks * kRecordsAndBlocks;
  Buffer* arena = nullptr;
  std::thread populate;
  JoinOnExit joinPopulate{populate};
  // Run regions are faulted in by a helper thread ahead of the partitioner (zeroing a gigabyte of fresh
  // pages takes a third of a second here): the partitioner only waits when it catches up.
  std::mutex populatedMutex;
  std::condition_variable populatedChanged;
  std::size_t populated = 0;
  if (options.inMemory) {
    arena = &pool->get(5, stride * runs.size(), false);
    populate = std::thread([&] {
      for (std::size_t run = 0; run < runs.size(); ++run) {
        arena->populate(stride * run, stride);
        {
          std::lock_guard<std::mutex> lock(populatedMutex);
          populated = run + 1;
        }
        populatedChanged.notify_all();
      }
    });
  } else {
    grouped[0] = &pool->get(2, stride);
    grouped[1] = &pool->get(3, stride);
  }
  auto groupedFor = [&](std::size_t run) { return options.inMemory ? arena->data() + stride * run : grouped[run % 2]->data(); };
  // One file per run, written straight to the device (O_DIRECT, padded to whole blocks): building a
  // gigabyte of page cache costs a page fault per 4 KiB, more than the device needs to take the data;
  // on a 3FS mount the data goes to the storage nodes anyway.
  uint64_t written = 0;
  std::exception_ptr writeError;
  std::thread writer;
  JoinOnExit joinWriter{writer};
  // One reader thread for the whole input, the queue kept full from one run to the next; it waits only
  // for the buffer of run r - 2 to be partitioned before reading run r into it.
  std::mutex readMutex;
  std::condition_variable readChanged;
  std::size_t runsRead = 0, runsPartitioned = 0;
  bool stopReading = false;
  std::exception_ptr readError;
  std::thread reader([&] {
    try {
      readIo.readGroups(
          runRanges,
          [&](std::size_t run, bool wait) {
            if (run < 2) return true;
            std::unique_lock<std::mutex> lock(readMutex);
            auto free = [&] { return stopReading || runsPartitioned + 1 >= run; };
            if (wait) readChanged.wait(lock, free);
            if (stopReading) throw std::runtime_error("map stopped");
            return free();
          },
          [&](std::size_t run) {
            {
              std::lock_guard<std::mutex> lock(readMutex);
              runsRead = run + 1;
            }
            readChanged.notify_all();
          });
    } catch (...) {
      std::lock_guard<std::mutex> lock(readMutex);
      readError = std::current_exception();
    }
    readChanged.notify_all();
  });
  // However the map ends (also by an exception here), the reader is told to stop and joined.
  struct StopReader {
    std::thread& thread;
    std::mutex& mutex;
    std::condition_variable& changed;
    bool& stop;
    ~StopReader() {
      {
        std::lock_guard<std::mutex> lock(mutex);
        stop = true;
      }
      changed.notify_all();
      if (thread.joinable()) thread.join();
    }
  } stopReader{reader, readMutex, readChanged, stopReading};
  for (std::size_t run = 0; run < runs.size(); ++run) {
    auto started = std::chrono::steady_clock::now();
    {
      std::unique_lock<std::mutex> lock(readMutex);
      readChanged.wait(lock, [&] { return readError != nullptr || runsRead > run; });
      if (readError) std::rethrow_exception(readError);
    }
    result.readSeconds += secondsSince(started);
    const uint64_t filled = runLength[run];
    started = std::chrono::steady_clock::now();
    if (options.inMemory) {
      std::unique_lock<std::mutex> lock(populatedMutex);
      populatedChanged.wait(lock, [&] { return populated > run; });
      result.populateWaitSeconds += secondsSince(started);
      started = std::chrono::steady_clock::now();
    }
    std::vector<uint64_t> offsets;
    partitionRecords(input[run % 2]->data(), filled / kRecordSize, partitioner, groupedFor(run), offsets, options.threads, &owners);
    result.partitionSeconds += secondsSince(started);
    {
      std::lock_guard<std::mutex> lock(readMutex);
      runsPartitioned = run + 1;
    }
    readChanged.notify_all();
    if (options.inMemory) {
      // The run stays in its arena region; nothing to write.
      index.runs.push_back(std::move(offsets));
    } else {
      // The previous run's write must be done before this run's starts (and before its buffer is reused).
      started = std::chrono::steady_clock::now();
      if (writer.joinable()) writer.join();
      result.writeSeconds += secondsSince(started);
      if (writeError) std::rethrow_exception(writeError);
      index.runs.push_back(std::move(offsets));
      writer = std::thread([&, run, filled] {
        try {
          // Block-padded: reducers read the run back with O_DIRECT in whole blocks.
          writeIo.writeWhole(runFileName(options.outputPrefix, static_cast<uint32_t>(run)), grouped[run % 2]->data(), filled, true, true);
        } catch (...) {
          writeError = std::current_exception();
        }
      });
    }
    written += filled;
    result.records += filled / kRecordSize;
    result.bytes += filled;
    if (progress) progress(Progress{"map", result.bytes, total});
  }
  auto started = std::chrono::steady_clock::now();
  if (writer.joinable()) writer.join();
  result.writeSeconds += secondsSince(started);
  if (writeError) std::rethrow_exception(writeError);
  result.runs = static_cast<uint32_t>(index.runs.size());
  if (options.inMemory) {
    // Offsets within each run, as the reduce copies them.
    result.memory = MemoryShuffle{arena->data(), stride, std::move(index.runs), arena};
    result.engine = readIo.engineName();
    return result;
  }
  writeIndex(options.outputPrefix + ".idx", index);
  result.engine = !writeIo.engineName().empty() ? writeIo.engineName() : readIo.engineName();
  return result;
}

ReduceResult runReduce(const ReduceOptions& options, const ProgressCallback& progress, BufferPool* pool) {
  BufferPool own;
  if (pool == nullptr) pool = &own;
  struct Segment {
    std::size_t map, run;
    uint64_t offset, length;
  };
  std::vector<MapIndex> indexes;
  // Every run file of every map stays open for the whole reduce (the EngineIo caches them).
  raiseOpenFileLimit();
  if (options.memory != nullptr) {
    MapIndex inMemory;
    inMemory.runs = options.memory->runs;
    inMemory.partitions = inMemory.runs.empty() ? 0 : static_cast<uint32_t>(inMemory.runs.front().size() - 1);
    indexes.push_back(std::move(inMemory));
  }
  for (const auto& prefix : options.maps) {
    indexes.push_back(readIndex(prefix + ".idx"));
    if (indexes.back().partitions != indexes.front().partitions) throw std::runtime_error(prefix + ".idx has a different partition count");
  }
  if (indexes.empty()) throw std::runtime_error("no map outputs given");
  const uint32_t partitions = indexes.front().partitions;
  if (options.endPartition > partitions || options.firstPartition > options.endPartition) {
    throw std::runtime_error("partition range " + std::to_string(options.firstPartition) + "-" + std::to_string(options.endPartition) +
                             " is outside the " + std::to_string(partitions) + " partitions of the map outputs");
  }
  auto segmentsOf = [&](uint32_t p) {
    std::vector<Segment> segments;
    for (std::size_t m = 0; m < indexes.size(); ++m)
      for (std::size_t r = 0; r < indexes[m].runs.size(); ++r) {
        const auto& run = indexes[m].runs[r];
        if (run[p + 1] > run[p]) segments.push_back(Segment{m, r, run[p], run[p + 1] - run[p]});
      }
    return segments;
  };
  uint64_t totalBytes = 0;
  uint64_t largest = 0;
  for (uint32_t p = options.firstPartition; p < options.endPartition; ++p) {
    uint64_t bytes = 0;
    for (const auto& segment : segmentsOf(p)) bytes += segment.length;
    totalBytes += bytes;
    largest = std::max(largest, bytes);
  }

  ReduceResult result;
  result.largestPartitionBytes = largest;
  // Two input buffers: the next partition is read while the current one is sorted. Two sorted buffers:
  // the previous partition is written while the current one is sorted. Read, sort and write overlap.
  // (An in-memory shuffle sorts from the map arena and needs no input buffers.)
  Buffer* buffers[2] = {nullptr, nullptr};
  if (options.memory == nullptr) {
    buffers[0] = &pool->get(0, largest);
    buffers[1] = &pool->get(1, largest);
  }
  // In memory, the map's two input buffers (slots 0 and 1, no longer needed) take the sorted partitions:
  // pages already faulted in. Memory that is new to the process costs more here than the sort that fills
  // it (this VM's host backs guest pages lazily: test/bench/memory-pages.cc).
  const std::size_t sortedSlot = options.memory != nullptr ? 0 : 2;
  Buffer* sorted[2] = {&pool->get(sortedSlot, alignUp(largest)), &pool->get(sortedSlot + 1, alignUp(largest))};
  Buffer& scratch = pool->get(4, sortScratchBytes(largest / kRecordSize));
  // Reads of the next partition (one thread at a time) and writes of outputs each have their engine.
  EngineIo readIo(options.engine, true, 4 << 20, 16), writeIo(options.engine);
  auto readPartition = [&](uint32_t p, uint8_t* into) {
    std::vector<ReadRange> ranges;
    uint64_t at = 0;
    for (const auto& segment : segmentsOf(p)) {
      if (options.memory != nullptr) {
        std::memcpy(into + at, options.memory->base + options.memory->runStride * segment.run + segment.offset, segment.length);
        at += segment.length;
        continue;
      }
      ranges.push_back(ReadRange{runFileName(options.maps[segment.map], static_cast<uint32_t>(segment.run)), segment.offset, segment.length, into + at});
      at += segment.length;
    }
    if (!ranges.empty()) readIo.read(ranges);
    return at;
  };

  uint64_t done = 0;
  uint64_t pendingBytes = 0;
  std::exception_ptr readError;
  std::thread reader;
  JoinOnExit joinReader{reader};
  {
    const auto start = std::chrono::steady_clock::now();
    if (options.firstPartition < options.endPartition && options.memory == nullptr) pendingBytes = readPartition(options.firstPartition, buffers[0]->data());
    result.readSeconds += secondsSince(start);
  }
  // Straight to the device (where allowed): building page cache for a gigabyte of output costs more
  // here than the device needs to take it. Declared after the reader so that it is stopped first.
  OutputWriter writer(writeIo);
  // Partition i (from the first) is sorted into sorted[i % 2], which held partition i - 2: that one
  // must be written first. Only the time spent waiting for the writer is counted.
  auto sortedBufferFree = [&](uint32_t index) {
    if (index < 2) return;
    const auto start = std::chrono::steady_clock::now();
    writer.waitWritten(index - 1);
    result.writeSeconds += secondsSince(start);
  };
  auto queueOutput = [&](uint32_t p, int current, uint64_t bytes) {
    writer.queue(EngineIo::WriteFile{options.outputDir + "/" + partitionFileName(p), sorted[current]->data(), bytes, true, false});
  };
  for (uint32_t p = options.firstPartition; p < options.endPartition; ++p) {
    const uint32_t index = p - options.firstPartition;
    const int current = index % 2;
    if (options.memory != nullptr) {
      // In memory: sort straight from the partition's segments of the map arena, no copy first.
      std::vector<RecordSegment> pieces;
      uint64_t bytes = 0;
      for (const auto& segment : segmentsOf(p)) {
        pieces.push_back(RecordSegment{options.memory->base + options.memory->runStride * segment.run + segment.offset, segment.length / kRecordSize});
        bytes += segment.length;
      }
      sortedBufferFree(index);
      auto start = std::chrono::steady_clock::now();
      sortRecordSegments(pieces, options.memory->base, sorted[current]->data(), options.threads, &scratch);
      result.sortSeconds += secondsSince(start);
      queueOutput(p, current, bytes);
      // The partition now lives in sorted[current]: its arena pages go back while the writer is busy,
      // instead of a gigabyte of unmapping (0.07 s here) after the last write.
      if (options.memory->arena != nullptr) {
        for (const auto& segment : segmentsOf(p)) options.memory->arena->release(options.memory->runStride * segment.run + segment.offset, segment.length);
      }
      done += bytes;
      result.records += bytes / kRecordSize;
      ++result.partitions;
      if (progress) progress(Progress{"reduce", done, totalBytes});
      continue;
    }
    const uint64_t bytes = pendingBytes;
    if (p + 1 < options.endPartition) {
      reader = std::thread([&, p, current] {
        try {
          pendingBytes = readPartition(p + 1, buffers[1 - current]->data());
        } catch (...) {
          readError = std::current_exception();
        }
      });
    }
    sortedBufferFree(index);
    auto start = std::chrono::steady_clock::now();
    sortRecords(buffers[current]->data(), sorted[current]->data(), bytes / kRecordSize, options.threads, &scratch);
    result.sortSeconds += secondsSince(start);
    queueOutput(p, current, bytes);
    // Reads overlap sorting and writing; only the wait for a read that is still running is counted.
    start = std::chrono::steady_clock::now();
    if (reader.joinable()) reader.join();
    result.readSeconds += secondsSince(start);
    if (readError) std::rethrow_exception(readError);
    done += bytes;
    result.records += bytes / kRecordSize;
    ++result.partitions;
    if (progress) progress(Progress{"reduce", done, totalBytes});
  }
  {
    const auto start = std::chrono::steady_clock::now();
    writer.finish();
    result.writeSeconds += secondsSince(start);
  }
  result.bytes = done;
  result.engine = !readIo.engineName().empty() ? readIo.engineName() : writeIo.engineName();
  return result;
}

std::vector<Key> sampleKeys(const std::vector<std::string>& inputs, uint64_t perFile) {
  std::vector<Key> keys;
  uint8_t record[kRecordSize];
  for (const auto& input : inputs) {
    FileHandle file(input, FileHandle::Mode::Read);
    const uint64_t records = file.size() / kRecordSize;
    const uint64_t take = std::min(records, perFile);
    // On a cold file each sampled record is a read from the device; asked one at a time they took 0.11 s
    // for 1,600 records here. Announced together first, the device gets them all at once.
    for (uint64_t i = 0; i < take; ++i) {
      const uint64_t at = records * i / take * kRecordSize;
      ::posix_fadvise(file.fd(), static_cast<off_t>(at), kKeySize, POSIX_FADV_WILLNEED);
    }
    for (uint64_t i = 0; i < take; ++i) {
      const uint64_t at = records * i / take;
      file.readAt(record, kKeySize, at * kRecordSize);
      keys.push_back(keyOf(record));
    }
  }
  return keys;
}

void writeKeys(const std::string& path, const std::vector<Key>& keys) {
  std::vector<uint8_t> bytes(keys.size() * kKeySize);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const uint64_t high = __builtin_bswap64(keys[i].high);
    const uint16_t low = __builtin_bswap16(keys[i].low);
    std::memcpy(bytes.data() + i * kKeySize, &high, 8);
    std::memcpy(bytes.data() + i * kKeySize + 8, &low, 2);
  }
  const std::string temp = path + ".tmp";
  writeWhole(temp, bytes.data(), bytes.size(), 1);
  if (std::rename(temp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + temp);
}

std::vector<Key> readKeys(const std::string& path) {
  const uint64_t size = fileSize(path);
  if (size % kKeySize != 0) throw std::runtime_error(path + " is not a key file");
  std::vector<uint8_t> bytes(size);
  if (size > 0) readRange(path, 0, bytes.data(), size, 1);
  std::vector<Key> keys;
  for (uint64_t at = 0; at < size; at += kKeySize) keys.push_back(keyOf(bytes.data() + at));
  return keys;
}

}  // namespace threefs
