#include "core/engine_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <exception>
#include <stdexcept>

#include "core/file_io.h"

namespace threefs {

EngineIo::EngineIo(EngineOptions base, bool directReads, std::size_t chunkBytes, int depth)
    : base_(std::move(base)), chunk_(alignUp(chunkBytes)), depth_(depth), directReads_(directReads) {}

EngineIo::~EngineIo() {
  // Engines first: usrbio deregisters its fds before they are closed.
  reader_.reset();
  writer_.reset();
  for (auto& [path, file] : readFiles_) ::close(file.fd);
}

Engine& EngineIo::engine(bool forRead) {
  auto& slot = forRead ? reader_ : writer_;
  if (!slot) {
    EngineOptions options = base_;
    options.depth = depth_;
    options.bufferBytes = chunk_ * static_cast<std::size_t>(depth_);
    options.forRead = forRead;
    std::string note;
    slot = makeEngine(options, &note);
    name_ = slot->name();
  }
  return *slot;
}

EngineIo::OpenFile& EngineIo::openForRead(const std::string& path) {
  auto found = readFiles_.find(path);
  if (found != readFiles_.end()) return found->second;
  OpenFile file;
  file.fd = directReads_ ? ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT) : -1;
  file.direct = file.fd >= 0;
  if (file.fd < 0) file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  file.handle = engine(true).addFile(file.fd);
  return readFiles_.emplace(path, file).first->second;
}

void EngineIo::read(const std::vector<ReadRange>& ranges) { readGroups({ranges}, nullptr, nullptr); }

void EngineIo::readGroups(const std::vector<std::vector<ReadRange>>& groups, const std::function<bool(std::size_t, bool)>& mayStart,
                          const std::function<void(std::size_t)>& groupDone) {
  if (groups.empty()) return;
  Engine& io = engine(true);
  // Every chunk of every range: which file and bytes to read, and where the wanted part goes.
  struct Chunk {
    const OpenFile* file;
    uint64_t readOffset;
    uint32_t readLength;
    uint32_t skip;      // wanted bytes start this far into the chunk
    uint32_t wanted;
    uint8_t* destination;
    // Read straight into the destination (no copy through the engine's region).
    bool straight;
    std::size_t group;
  };
  // Engines that take any memory read whole wanted chunks straight into place: for a gigabyte of sort
  // input that is a gigabyte less to copy. O_DIRECT needs the destination block-aligned too.
  const bool anyBuffer = io.acceptsAnyBuffer();
  std::vector<Chunk> chunks;
  std::vector<std::size_t> left(groups.size(), 0);  // chunks of each group not yet completed
  for (std::size_t group = 0; group < groups.size(); ++group) {
    for (const auto& range : groups[group]) {
      if (range.length == 0) continue;
      const OpenFile& file = openForRead(range.path);
      const uint64_t start = file.direct ? range.offset / kDirectAlignment * kDirectAlignment : range.offset;
      const uint64_t end = file.direct ? alignUp(range.offset + range.length) : range.offset + range.length;
      for (uint64_t at = start; at < end; at += chunk_) {
        const uint64_t length = std::min<uint64_t>(chunk_, end - at);
        const uint64_t wantedStart = std::max(at, range.offset);
        const uint64_t wantedEnd = std::min(at + length, range.offset + range.length);
        uint8_t* destination = range.destination + (wantedStart - range.offset);
        const bool whole = wantedStart == at && wantedEnd == at + length;
        const bool aligned = !file.direct || reinterpret_cast<uintptr_t>(destination) % kDirectAlignment == 0;
        chunks.push_back(Chunk{&file, at, static_cast<uint32_t>(length), static_cast<uint32_t>(wantedStart - at), static_cast<uint32_t>(wantedEnd - wantedStart), destination, anyBuffer && whole && aligned, group});
        ++left[group];
      }
    }
  }
  // Groups are announced done in order, each once all of its chunks (and every earlier group's) came.
  std::size_t announced = 0;
  auto announce = [&] {
    while (announced < groups.size() && left[announced] == 0) {
      if (groupDone) groupDone(announced);
      ++announced;
    }
  };
  announce();  // groups with nothing to read
  std::vector<std::size_t> chunkOfSlot(static_cast<std::size_t>(depth_));
  std::vector<IoCompletion> done(static_cast<std::size_t>(depth_));
  std::vector<int> freeSlots;
  for (int slot = depth_ - 1; slot >= 0; --slot) freeSlots.push_back(slot);
  std::size_t next = 0, inFlight = 0;
  std::size_t started = 0;  // groups that mayStart let go
  std::exception_ptr failure;
  // The queue stays full across groups: the next group's first chunk goes out while the last ones of
  // the group before are still in flight (a drained queue at every 64 MiB run cost a third of the map).
  // A group that may not start yet is asked again after the next completion; only with nothing in
  // flight does mayStart wait (waiting with requests in flight could wait for their own completion).
  auto mayIssue = [&] {
    const std::size_t group = chunks[next].group;
    for (; started <= group; ++started) {
      if (mayStart && !mayStart(started, inFlight == 0)) return false;
    }
    return true;
  };
  auto issue = [&] {
    const int slot = freeSlots.back();
    freeSlots.pop_back();
    const Chunk& chunk = chunks[next];
    chunkOfSlot[slot] = next++;
    uint8_t* buffer = chunk.straight ? chunk.destination : io.buffers() + static_cast<std::size_t>(slot) * chunk_;
    io.queue(IoRequest{chunk.file->handle, chunk.readOffset, chunk.readLength, buffer, false, static_cast<uint64_t>(slot), chunk.straight});
    ++inFlight;
  };
  for (;;) {
    try {
      while (!failure && next < chunks.size() && !freeSlots.empty() && mayIssue()) issue();
    } catch (...) {
      failure = std::current_exception();
    }
    if (inFlight == 0) break;
    // One completion at a time, its slot refilled at once: the device sees a steady stream. After a
    // failure nothing more is issued, but every request in flight is reaped before throwing: a straight
    // read still lands in the caller's memory.
    const std::size_t n = io.submitAndReap(done.data(), 1, 1);
    for (std::size_t i = 0; i < n; ++i) {
      const int slot = static_cast<int>(done[i].tag);
      const Chunk& chunk = chunks[chunkOfSlot[slot]];
      --inFlight;
      freeSlots.push_back(slot);
      if (failure) continue;
      try {
        // A short read is fine past the end of a file that is not block-padded, as long as the wanted bytes came.
        if (done[i].result < 0) throw std::runtime_error(std::string(io.name()) + " read failed: " + std::strerror(static_cast<int>(-done[i].result)));
        if (static_cast<uint64_t>(done[i].result) < uint64_t{chunk.skip} + chunk.wanted) throw std::runtime_error(std::string(io.name()) + " read came up short (file truncated?)");
        if (!chunk.straight) std::memcpy(chunk.destination, io.buffers() + static_cast<std::size_t>(slot) * chunk_ + chunk.skip, chunk.wanted);
        --left[chunk.group];
        announce();
      } catch (...) {
        failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
}

void EngineIo::writeWhole(const std::string& path, const uint8_t* source, uint64_t length, bool wantDirect, bool keepPadding) {
  bool given = false;
  writeStream(
      [&](bool, WriteFile& file) {
        if (given) return false;
        given = true;
        file = WriteFile{path, source, length, wantDirect, keepPadding};
        return true;
      },
      nullptr);
}

void EngineIo::writeStream(const std::function<bool(bool, WriteFile&)>& nextFile, const std::function<void(std::size_t)>& fileDone) {
  Engine& io = engine(false);
  // Files being written, oldest first: the last one is being issued, the others wait for completions.
  struct Open {
    WriteFile file;
    int fd = -1;
    int handle = -1;
    bool direct = false;
    uint64_t end = 0;   // bytes to write: the length, rounded up to a block with O_DIRECT
    uint64_t next = 0;  // next offset to issue
    std::size_t inFlight = 0;
  };
  std::deque<Open> open;
  std::size_t closedFiles = 0;  // index of open.front()
  std::vector<IoCompletion> done(static_cast<std::size_t>(depth_));
  std::vector<int> freeSlots;
  for (int slot = depth_ - 1; slot >= 0; --slot) freeSlots.push_back(slot);
  struct SlotUse {
    std::size_t file;  // index in the stream
    uint64_t size;
  };
  std::vector<SlotUse> slotUse(static_cast<std::size_t>(depth_));
  // Whole chunks of a source go out straight from it where the engine takes any memory (and, with
  // O_DIRECT, the source is block-aligned); a padded last block is copied through the region.
  const bool anyBuffer = io.acceptsAnyBuffer();
  std::size_t inFlight = 0;
  bool noMore = false;
  std::exception_ptr failure;

  auto openNext = [&](const WriteFile& file) {
    Open entry;
    entry.file = file;
    entry.fd = file.direct ? ::open(file.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0644) : -1;
    entry.direct = entry.fd >= 0;
    if (entry.fd < 0) entry.fd = ::open(file.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (entry.fd < 0) throw std::runtime_error("cannot create " + file.path + ": " + std::strerror(errno));
    entry.handle = io.addFile(entry.fd);
    entry.end = entry.direct ? alignUp(file.length) : file.length;
    open.push_back(std::move(entry));
  };
  auto closeFile = [&](Open& entry) {
    if (entry.fd < 0) return;
    io.removeFile(entry.handle);
    ::close(entry.fd);
    entry.fd = -1;
  };
  // Files whose every chunk was issued and completed are cut to length, closed and announced, in order.
  auto finishDone = [&] {
    while (!open.empty() && open.front().inFlight == 0 && open.front().next >= open.front().end) {
      Open& front = open.front();
      if (front.direct && !front.file.keepPadding && ::ftruncate(front.fd, static_cast<off_t>(front.file.length)) != 0) {
        const std::string reason = std::strerror(errno);
        closeFile(front);
        throw std::runtime_error("cannot size " + front.file.path + ": " + reason);
      }
      closeFile(front);
      open.pop_front();
      if (fileDone) fileDone(closedFiles);
      ++closedFiles;
    }
  };
  auto issue = [&] {
    Open& entry = open.back();
    const int slot = freeSlots.back();
    freeSlots.pop_back();
    const uint64_t size = std::min<uint64_t>(chunk_, entry.end - entry.next);
    const uint64_t real = entry.next < entry.file.length ? std::min<uint64_t>(size, entry.file.length - entry.next) : 0;
    const uint8_t* from = entry.file.source + entry.next;
    const bool straight = anyBuffer && real == size && (!entry.direct || reinterpret_cast<uintptr_t>(from) % kDirectAlignment == 0);
    uint8_t* buffer = straight ? const_cast<uint8_t*>(from) : io.buffers() + static_cast<std::size_t>(slot) * chunk_;
    if (!straight) {
      std::memcpy(buffer, from, real);
      if (real < size) std::memset(buffer + real, 0, size - real);  // block padding
    }
    slotUse[slot] = SlotUse{closedFiles + open.size() - 1, size};
    io.queue(IoRequest{entry.handle, entry.next, static_cast<uint32_t>(size), buffer, true, static_cast<uint64_t>(slot), straight});
    entry.next += size;
    ++entry.inFlight;
    ++inFlight;
  };
  // Whether there is a chunk to issue now: the current file's next one, or a new file's first.
  auto haveWork = [&](bool wait) {
    for (;;) {
      if (!open.empty() && open.back().next < open.back().end) return true;
      if (noMore) return false;
      WriteFile file;
      if (!nextFile(wait, file)) {
        if (wait) noMore = true;
        return false;
      }
      openNext(file);
      // An empty file has nothing to issue: it is finished (and announced) in order, at once if it can be.
      finishDone();
    }
  };
  for (;;) {
    try {
      while (!failure && !freeSlots.empty() && haveWork(false)) issue();
      if (!failure && inFlight == 0) {
        // Nothing in flight and nothing ready: wait for the next file, or the end of the stream.
        if (haveWork(true)) continue;
        finishDone();
        break;
      }
    } catch (...) {
      failure = std::current_exception();
    }
    if (inFlight == 0) break;
    // After a failure nothing more is issued, but every request in flight is reaped before throwing:
    // a straight write still reads the caller's memory.
    const std::size_t n = io.submitAndReap(done.data(), 1, 1);
    for (std::size_t i = 0; i < n; ++i) {
      const int slot = static_cast<int>(done[i].tag);
      const SlotUse use = slotUse[slot];
      Open& entry = open[use.file - closedFiles];
      --entry.inFlight;
      --inFlight;
      freeSlots.push_back(slot);
      if (failure) continue;
      try {
        if (done[i].result < 0) throw std::runtime_error(std::string(io.name()) + " write to " + entry.file.path + " failed: " + std::strerror(static_cast<int>(-done[i].result)));
        if (static_cast<uint64_t>(done[i].result) != use.size) throw std::runtime_error(std::string(io.name()) + " short write to " + entry.file.path);
        finishDone();
      } catch (...) {
        failure = std::current_exception();
      }
    }
  }
  for (auto& entry : open) closeFile(entry);
  if (failure) std::rethrow_exception(failure);
}

}  // namespace threefs
