// TEST DOUBLE of 3FS's libhf3fs_api_shared.so, built only for tests: it implements the documented
// usrbio contract over POSIX files and /dev/shm so that the usrbio engine can be exercised where no
// 3FS runs. It keeps the API's conventions, including the odd ones: hf3fs_reg_fd returns a POSITIVE
// errno on failure; prep_io checks the buffer lies inside the iov, the ring's direction and the fd's
// registration; a wrong mount point fails at iov creation with -ENOENT; wait_for_ios takes an absolute
// CLOCK_REALTIME deadline and returns fewer results (not an error) when it passes.
// The mount point it accepts is the directory in USRBIO_DOUBLE_MOUNT.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/usrbio_abi.h"

using threefs::usrbio::Cqe;
using threefs::usrbio::Ior;
using threefs::usrbio::Iov;

namespace {

std::mutex registryMutex;
std::set<int> registered;
std::atomic<int> shmCounter{0};

bool acceptedMount(const char* mountPoint) {
  const char* mount = std::getenv("USRBIO_DOUBLE_MOUNT");
  return mount != nullptr && mountPoint != nullptr && std::strcmp(mount, mountPoint) == 0;
}

struct Pending {
  int index;
  bool read;
  uint8_t* ptr;
  int fd;
  std::size_t offset;
  uint64_t length;
  const void* userdata;
};

struct Ring {
  int entries;
  bool forRead;
  int ioDepth;
  std::vector<Pending> prepared;
  int inFlight = 0;
  std::deque<Cqe> done;
  std::mutex mutex;
  std::condition_variable ready;
  int nextIndex = 0;
};

struct IovState {
  std::string shmPath;
};

}  // namespace

extern "C" {

int hf3fs_iovcreate(Iov* iov, const char* mountPoint, std::size_t size, std::size_t blockSize, int numa) {
  if (!acceptedMount(mountPoint)) return -ENOENT;
  std::memset(iov, 0, sizeof *iov);
  auto* state = new IovState;
  state->shmPath = "/dev/shm/3fs-cli-usrbio-double-" + std::to_string(::getpid()) + "-" + std::to_string(shmCounter++);
  const int fd = ::open(state->shmPath.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    delete state;
    return -errno;
  }
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    const int error = errno;
    ::close(fd);
    ::unlink(state->shmPath.c_str());
    delete state;
    return -error;
  }
  void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) {
    ::unlink(state->shmPath.c_str());
    delete state;
    return -ENOMEM;
  }
  iov->base = static_cast<uint8_t*>(base);
  iov->handle = state;
  std::strncpy(iov->mountPoint, mountPoint, sizeof iov->mountPoint - 1);
  iov->size = size;
  iov->blockSize = blockSize;
  iov->numa = numa;
  return 0;
}

void hf3fs_iovdestroy(Iov* iov) {
  auto* state = static_cast<IovState*>(iov->handle);
  if (iov->base != nullptr) ::munmap(iov->base, iov->size);
  if (state != nullptr) {
    ::unlink(state->shmPath.c_str());
    delete state;
  }
  iov->base = nullptr;
  iov->handle = nullptr;
}

int hf3fs_iorcreate4(Ior* ior, const char* mountPoint, int entries, bool forRead, int ioDepth, int timeout, int numa, uint64_t flags) {
  if (!acceptedMount(mountPoint)) return -ENOENT;
  if (entries <= 0) return -EINVAL;
  std::memset(ior, 0, sizeof *ior);
  auto* ring = new Ring{entries, forRead, ioDepth, {}, 0, {}, {}, {}, 0};
  ior->handle = ring;
  std::strncpy(ior->mountPoint, mountPoint, sizeof ior->mountPoint - 1);
  ior->forRead = forRead;
  ior->ioDepth = ioDepth;
  ior->timeout = timeout;
  ior->flags = flags;
  (void)numa;
  return 0;
}

void hf3fs_iordestroy(Ior* ior) {
  delete static_cast<Ring*>(ior->handle);
  ior->handle = nullptr;
}

int hf3fs_reg_fd(int fd, uint64_t /*flags*/) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return EBADF;  // positive errno: the API's one exception
  std::lock_guard<std::mutex> lock(registryMutex);
  if (registered.count(fd) != 0) return EINVAL;
  registered.insert(fd);
  return 0;
}

void hf3fs_dereg_fd(int fd) {
  std::lock_guard<std::mutex> lock(registryMutex);
  registered.erase(fd);
}

int hf3fs_prep_io(const Ior* ior, const Iov* iov, bool read, void* ptr, int fd, std::size_t offset, uint64_t length, const void* userdata) {
  auto* ring = static_cast<Ring*>(ior->handle);
  auto* bytes = static_cast<uint8_t*>(ptr);
  if (bytes < iov->base || bytes + length > iov->base + iov->size) return -EINVAL;
  if (read != ring->forRead) return -EINVAL;
  if (iov->blockSize > 0 && (bytes - iov->base) / iov->blockSize != (bytes - iov->base + length - 1) / iov->blockSize) return -EINVAL;
  {
    std::lock_guard<std::mutex> lock(registryMutex);
    if (registered.count(fd) == 0) return -EBADF;
  }
  std::lock_guard<std::mutex> lock(ring->mutex);
  if (static_cast<int>(ring->prepared.size()) + ring->inFlight + static_cast<int>(ring->done.size()) >= ring->entries) return -EAGAIN;
  const int index = ring->nextIndex++ % ring->entries;
  ring->prepared.push_back(Pending{index, read, bytes, fd, offset, length, userdata});
  return index;
}

int hf3fs_submit_ios(const Ior* ior) {
  auto* ring = static_cast<Ring*>(ior->handle);
  std::vector<Pending> batch;
  {
    std::lock_guard<std::mutex> lock(ring->mutex);
    // io_depth > 0 processes exactly that many at a time; the rest waits for more.
    std::size_t take = ring->prepared.size();
    if (ring->ioDepth > 0) take = take / static_cast<std::size_t>(ring->ioDepth) * static_cast<std::size_t>(ring->ioDepth);
    else if (ring->ioDepth < 0) take = std::min(take, static_cast<std::size_t>(-ring->ioDepth));
    batch.assign(ring->prepared.begin(), ring->prepared.begin() + static_cast<long>(take));
    ring->prepared.erase(ring->prepared.begin(), ring->prepared.begin() + static_cast<long>(take));
    ring->inFlight += static_cast<int>(batch.size());
  }
  for (const auto& io : batch) {
    int64_t result = io.read ? ::pread(io.fd, io.ptr, io.length, static_cast<off_t>(io.offset)) : ::pwrite(io.fd, io.ptr, io.length, static_cast<off_t>(io.offset));
    if (result < 0) result = -errno;
    std::lock_guard<std::mutex> lock(ring->mutex);
    --ring->inFlight;
    ring->done.push_back(Cqe{io.index, 0, result, io.userdata});
    ring->ready.notify_all();
  }
  return 0;
}

int hf3fs_wait_for_ios(const Ior* ior, Cqe* cqes, int capacity, int minimum, const timespec* deadline) {
  auto* ring = static_cast<Ring*>(ior->handle);
  std::unique_lock<std::mutex> lock(ring->mutex);
  const auto until = std::chrono::system_clock::time_point(std::chrono::seconds(deadline->tv_sec) + std::chrono::nanoseconds(deadline->tv_nsec));
  ring->ready.wait_until(lock, until, [&] { return static_cast<int>(ring->done.size()) >= minimum; });
  int n = 0;
  while (n < capacity && !ring->done.empty()) {
    cqes[n++] = ring->done.front();
    ring->done.pop_front();
  }
  return n;
}

int hf3fs_extract_mount_point(char* out, int size, const char* path) {
  const char* mount = std::getenv("USRBIO_DOUBLE_MOUNT");
  if (mount == nullptr || std::strncmp(path, mount, std::strlen(mount)) != 0) return -1;
  const int length = static_cast<int>(std::strlen(mount));
  if (length + 1 > size) return length + 1;
  std::memcpy(out, mount, static_cast<std::size_t>(length) + 1);
  return length + 1;
}

bool hf3fs_is_hf3fs(int /*fd*/) { return false; }

}  // extern "C"
