#include "core/engine_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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
  Engine& io = engine(false);
  int fd = wantDirect ? ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0644) : -1;
  const bool direct = fd >= 0;
  if (fd < 0) fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  const int handle = io.addFile(fd);
  const uint64_t end = direct ? alignUp(length) : length;
  std::vector<IoCompletion> done(static_cast<std::size_t>(depth_));
  std::vector<int> freeSlots;
  for (int slot = depth_ - 1; slot >= 0; --slot) freeSlots.push_back(slot);
  std::vector<uint64_t> sizeOfSlot(static_cast<std::size_t>(depth_));
  // Whole chunks of the source go out straight from it where the engine takes any memory (and, with
  // O_DIRECT, the source is block-aligned); the padded last block is copied through the region.
  const bool anyBuffer = io.acceptsAnyBuffer();
  uint64_t next = 0;
  auto finish = [&] {
    io.removeFile(handle);
    ::close(fd);
  };
  try {
    auto issue = [&](int slot) {
      const uint64_t size = std::min<uint64_t>(chunk_, end - next);
      const uint64_t real = next < length ? std::min<uint64_t>(size, length - next) : 0;
      const bool straight = anyBuffer && real == size && (!direct || reinterpret_cast<uintptr_t>(source + next) % kDirectAlignment == 0);
      uint8_t* buffer = straight ? const_cast<uint8_t*>(source + next) : io.buffers() + static_cast<std::size_t>(slot) * chunk_;
      if (!straight) {
        std::memcpy(buffer, source + next, real);
        if (real < size) std::memset(buffer + real, 0, size - real);  // block padding
      }
      sizeOfSlot[slot] = size;
      io.queue(IoRequest{handle, next, static_cast<uint32_t>(size), buffer, true, static_cast<uint64_t>(slot), straight});
      next += size;
    };
    while (next < end || freeSlots.size() < static_cast<std::size_t>(depth_)) {
      while (next < end && !freeSlots.empty()) {
        issue(freeSlots.back());
        freeSlots.pop_back();
      }
      const std::size_t n = io.submitAndReap(done.data(), 1, 1);
      for (std::size_t i = 0; i < n; ++i) {
        const int slot = static_cast<int>(done[i].tag);
        if (done[i].result < 0) throw std::runtime_error(std::string(io.name()) + " write to " + path + " failed: " + std::strerror(static_cast<int>(-done[i].result)));
        if (static_cast<uint64_t>(done[i].result) != sizeOfSlot[slot]) throw std::runtime_error(std::string(io.name()) + " short write to " + path);
        freeSlots.push_back(slot);
      }
    }
  } catch (...) {
    finish();
    throw;
  }
  if (direct && !keepPadding && ::ftruncate(fd, static_cast<off_t>(length)) != 0) {
    const std::string reason = std::strerror(errno);
    finish();
    throw std::runtime_error("cannot size " + path + ": " + reason);
  }
  finish();
}

}  // namespace threefs
