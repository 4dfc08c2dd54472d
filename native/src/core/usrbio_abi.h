// The parts of 3FS's usrbio C interface (hf3fs_usrbio.h) this project calls, declared here so the
// library can be opened with dlopen at run time and never linked: the addon and worker load on machines
// without 3FS. Layouts follow the published header; keep them in step with the 3FS release in use.
#pragma once
#include <cstddef>
#include <cstdint>
#include <ctime>

namespace threefs::usrbio {

// statfs(2) f_type of a 3FS FUSE mount.
constexpr long kSuperMagic = 0x8f3f5fff;

struct Iov {
  uint8_t* base;
  void* handle;
  char id[16];
  char mountPoint[256];
  std::size_t size;
  std::size_t blockSize;
  int numa;
};

struct Ior {
  Iov iov;
  void* handle;
  char mountPoint[256];
  bool forRead;
  int ioDepth;
  int priority;
  int timeout;
  uint64_t flags;
};

struct Cqe {
  int32_t index;
  int32_t reserved;
  int64_t result;
  const void* userdata;
};

using IovCreate = int (*)(Iov*, const char* mountPoint, std::size_t size, std::size_t blockSize, int numa);
using IovDestroy = void (*)(Iov*);
using IorCreate4 = int (*)(Ior*, const char* mountPoint, int entries, bool forRead, int ioDepth, int timeout, int numa, uint64_t flags);
using IorDestroy = void (*)(Ior*);
// Returns <= 0 on success and a POSITIVE errno on failure (unlike every other function here).
using RegFd = int (*)(int fd, uint64_t flags);
using DeregFd = void (*)(int fd);
using PrepIo = int (*)(const Ior*, const Iov*, bool read, void* ptr, int fd, std::size_t offset, uint64_t length, const void* userdata);
using SubmitIos = int (*)(const Ior*);
using WaitForIos = int (*)(const Ior*, Cqe* cqes, int capacity, int minimum, const timespec* absoluteTimeout);
using ExtractMountPoint = int (*)(char* out, int size, const char* path);

}  // namespace threefs::usrbio
