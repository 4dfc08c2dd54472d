// Whole byte ranges between memory and files through an I/O engine (usrbio on a 3FS mount, else
// io_uring, else psync): each range is cut into chunks, `depth` chunks in flight across all ranges of
// a call, data copied through the engine's registered buffers. With O_DIRECT, reads cover whole blocks
// and copy out the wanted bytes. One EngineIo is used by one thread at a time (as usrbio's rings
// require); a thread that needs I/O in parallel with another gets its own.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/io_engine.h"

namespace threefs {

struct ReadRange {
  std::string path;
  uint64_t offset;
  uint64_t length;
  uint8_t* destination;
};

class EngineIo {
 public:
  // directReads: open files for reading with O_DIRECT (for files written so); else through the page
  // cache, which is faster for input that is already cached.
  EngineIo(EngineOptions base, bool directReads = true, std::size_t chunkBytes = 4 << 20, int depth = 8);
  ~EngineIo();
  EngineIo(const EngineIo&) = delete;
  EngineIo& operator=(const EngineIo&) = delete;

  void read(const std::vector<ReadRange>& ranges);
  // Reads groups of ranges in order with the queue kept full across them. Before g's first request goes
  // out, mayStart(g, wait) says whether it may (e.g. g's destination is free): with wait false it answers
  // at once (false: asked again after the next completion), with wait true (nothing in flight) it blocks
  // until it may, or throws. groupDone(g) runs once g and every group before it are complete. Both run
  // on the calling thread.
  void readGroups(const std::vector<std::vector<ReadRange>>& groups, const std::function<bool(std::size_t, bool)>& mayStart,
                  const std::function<void(std::size_t)>& groupDone);
  // Writes `source` as the whole new content of `path`. direct: O_DIRECT where the filesystem allows
  // it; then keepPadding keeps the last block whole (for files read back with O_DIRECT), else the file
  // is cut to `length`.
  void writeWhole(const std::string& path, const uint8_t* source, uint64_t length, bool direct, bool keepPadding);
  // Writes a stream of whole files (each as writeWhole would) with the queue kept full across them: the
  // next file's first chunks go out while the last ones of the file before are still in flight.
  // nextFile(wait, file) gives the next file and returns true; false with wait false means "none yet"
  // (asked again after the next completion), with wait true (nothing in flight) "no more files", and it
  // may block until it knows which. fileDone(k) runs once file k and every file before it are written and
  // closed (the caller may reuse its source). Both run on the calling thread.
  struct WriteFile {
    std::string path;
    const uint8_t* source = nullptr;
    uint64_t length = 0;
    bool direct = true;
    bool keepPadding = false;
  };
  void writeStream(const std::function<bool(bool, WriteFile&)>& nextFile, const std::function<void(std::size_t)>& fileDone);
  // The engine that ran (empty before the first I/O).
  std::string engineName() const { return name_; }

 private:
  struct OpenFile {
    int fd = -1;
    int handle = -1;
    bool direct = false;
  };
  Engine& engine(bool forRead);
  OpenFile& openForRead(const std::string& path);

  EngineOptions base_;
  std::size_t chunk_;
  int depth_;
  bool directReads_;
  std::unique_ptr<Engine> reader_, writer_;
  std::map<std::string, OpenFile> readFiles_;
  std::string name_;
};

}  // namespace threefs
