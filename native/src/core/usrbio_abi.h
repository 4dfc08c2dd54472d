// The parts of 3FS's usrbio C interface (hf3fs_usrbio.h) this project calls, declared here so the
// library can be opened with dlopen at run time and never linked: the addon and worker load on machines
// without 3FS. Layouts follow the published header; keep them in step with the 3FS release in use.
#pragma once
#include <cstddef>
#include <cstdint>
#include <ctime>

namespace threefs::usrbio {

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
// Returns the mount point's length + 1, or -1 when the path is not on 3FS. At 3FS ee9a5ce it opens
// /proc/self/mountinfo and never closes it (UsrbIo.cc:50, no fclose): call it rarely.
using ExtractMountPoint = int (*)(char* out, int size, const char* path);
// Asks the fd's filesystem for 3FS's magic with an ioctl (UsrbIo.cc:33-42); statfs cannot tell.
using IsHf3fs = bool (*)(int fd);
// Unlinks the iov's /dev/shm file while the mapping (and the fuse daemon's, made when the iov was
// linked under 3fs-virt/iovs) stays.
using IovUnlink = void (*)(Iov*);

}  // namespace threefs::usrbio
