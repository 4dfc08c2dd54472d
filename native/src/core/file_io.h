// Whole-range file reads and writes with large positional requests (psync), the portable path the
// sort uses on any filesystem. Errors carry the path and the system's reason.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace threefs {

class FileHandle {
 public:
  // WriteDirect: O_DIRECT (no page cache) when the filesystem supports it, else buffered; writes
  // must then use aligned buffers, offsets and lengths (kDirectAlignment).
  enum class Mode { Read, WriteTruncate, ReadWrite, WriteDirect };
  FileHandle(const std::string& path, Mode mode);
  ~FileHandle();
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  uint64_t size() const;
  // Reads exactly `length` bytes at `offset` (throws on a short file).
  void readAt(uint8_t* buffer, std::size_t length, uint64_t offset) const;
  void writeAt(const uint8_t* buffer, std::size_t length, uint64_t offset) const;
  void truncate(uint64_t length) const;
  void sync() const;
  int fd() const { return fd_; }
  bool direct() const { return direct_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool direct_ = false;
};

constexpr std::size_t kDirectAlignment = 4096;
inline uint64_t alignUp(uint64_t value) { return (value + kDirectAlignment - 1) / kDirectAlignment * kDirectAlignment; }

// Reads `length` bytes at `offset` of `path` with `threads` parallel requests.
void readRange(const std::string& path, uint64_t offset, uint8_t* buffer, std::size_t length, int threads);
// Writes the buffer as the whole content of `path` (created or truncated) with parallel requests.
void writeWhole(const std::string& path, const uint8_t* buffer, std::size_t length, int threads);
uint64_t fileSize(const std::string& path);
// The share (0 to 1) of the file's pages in the page cache, from mincore over a mapping of it; 1 for an
// empty file, 0 when the file cannot be mapped (then nothing is known to be cached).
double cachedShare(const std::string& path);
// Whether at least half of the files' bytes together are in the page cache.
bool mostlyInPageCache(const std::vector<std::string>& paths);


}  // namespace threefs
