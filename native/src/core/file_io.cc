#include "core/file_io.h"

#include "core/parallel.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace threefs {
namespace {

constexpr std::size_t kRequest = 8 << 20;

std::runtime_error systemError(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// Splits [0, length) into `threads` pieces aligned to the request size and runs `work` on each in parallel.
template <typename Work>
void parallelRanges(std::size_t length, int threads, Work work) {
  const std::size_t pieces = std::max<std::size_t>(1, std::min<std::size_t>(threads, (length + kRequest - 1) / kRequest));
  std::size_t per = (length + pieces - 1) / pieces;
  per = (per + kRequest - 1) / kRequest * kRequest;
  runParallel(static_cast<int>(pieces), [&](int i) {
    const std::size_t begin = std::min(length, static_cast<std::size_t>(i) * per);
    work(begin, std::min(length, begin + per));
  });
}

}  // namespace

FileHandle::FileHandle(const std::string& path, Mode mode) : path_(path) {
  const int flags = mode == Mode::Read ? O_RDONLY : mode == Mode::ReadWrite ? (O_RDWR | O_CREAT) : (O_WRONLY | O_CREAT | O_TRUNC);
  if (mode == Mode::WriteDirect) {
    fd_ = ::open(path.c_str(), flags | O_CLOEXEC | O_DIRECT, 0644);
    direct_ = fd_ >= 0;
    // tmpfs and some FUSE filesystems refuse O_DIRECT: fall back to the page cache.
    if (fd_ < 0 && errno != EINVAL) throw systemError("cannot create", path);
  }
  if (fd_ < 0) fd_ = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd_ < 0) throw systemError(mode == Mode::Read ? "cannot open" : "cannot create", path);
}

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

uint64_t FileHandle::size() const {
  struct stat info {};
  if (::fstat(fd_, &info) != 0) throw systemError("cannot stat", path_);
  return static_cast<uint64_t>(info.st_size);
}

void FileHandle::readAt(uint8_t* buffer, std::size_t length, uint64_t offset) const {
  while (length > 0) {
    const ssize_t got = ::pread(fd_, buffer, std::min(length, kRequest), static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw systemError("read failed on", path_);
    }
    if (got == 0) throw std::runtime_error("unexpected end of file in " + path_ + " at byte " + std::to_string(offset));
    buffer += got;
    length -= static_cast<std::size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
}

void FileHandle::writeAt(const uint8_t* buffer, std::size_t length, uint64_t offset) const {
  while (length > 0) {
    const ssize_t done = ::pwrite(fd_, buffer, std::min(length, kRequest), static_cast<off_t>(offset));
    if (done < 0) {
      if (errno == EINTR) continue;
      throw systemError("write failed on", path_);
    }
    buffer += done;
    length -= static_cast<std::size_t>(done);
    offset += static_cast<uint64_t>(done);
  }
}

void FileHandle::truncate(uint64_t length) const {
  if (::ftruncate(fd_, static_cast<off_t>(length)) != 0) throw systemError("cannot size", path_);
}

void FileHandle::sync() const {
  if (::fsync(fd_) != 0) throw systemError("cannot sync", path_);
}

void readRange(const std::string& path, uint64_t offset, uint8_t* buffer, std::size_t length, int threads) {
  FileHandle file(path, FileHandle::Mode::Read);
  parallelRanges(length, threads, [&](std::size_t begin, std::size_t end) { file.readAt(buffer + begin, end - begin, offset + begin); });
}

void writeWhole(const std::string& path, const uint8_t* buffer, std::size_t length, int threads) {
  FileHandle file(path, FileHandle::Mode::WriteTruncate);
  file.truncate(length);
  parallelRanges(length, threads, [&](std::size_t begin, std::size_t end) { file.writeAt(buffer + begin, end - begin, begin); });
}

uint64_t fileSize(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw systemError("cannot stat", path);
  return static_cast<uint64_t>(info.st_size);
}

double cachedShare(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || info.st_size <= 0) {
    ::close(fd);
    return info.st_size == 0 ? 1 : 0;
  }
  const std::size_t size = static_cast<std::size_t>(info.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return 0;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((size + page - 1) / page);
  double share = 0;
  if (::mincore(map, size, resident.data()) == 0) {
    std::size_t cached = 0;
    for (unsigned char flags : resident) cached += flags & 1;
    share = static_cast<double>(cached) / static_cast<double>(resident.size());
  }
  ::munmap(map, size);
  return share;
}

bool mostlyInPageCache(const std::vector<std::string>& paths) {
  double cached = 0, total = 0;
  for (const auto& path : paths) {
    // A file that cannot be read is left to the step that reads it, which names the failure.
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) continue;
    const double size = static_cast<double>(info.st_size);
    cached += cachedShare(path) * size;
    total += size;
  }
  return cached * 2 >= total;
}

}  // namespace threefs
