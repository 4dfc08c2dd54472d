// TEST DOUBLE of 3FS's libhf3fs_api_shared.so, for tests only: built by test/helpers/usrbio-double.ts
// with g++ into a temp directory, never by `npm ci`, never in the package (package.json "files" has no
// test/). It follows what 3FS's library does at commit ee9a5ce (src/lib/api/UsrbIo.cc, cited by line)
// and what its fuse daemon does on the other side of the ring, so that the engine meets the same
// refusals as on a real mount, never kinder ones:
// - a file is "on 3FS" when its device is a mount of fstype fuse.hf3fs (the real library asks the fuse
//   daemon with an ioctl, :33-42; a bindfs mount with -o subtype=hf3fs cannot answer that ioctl);
// - the daemon exposes <mount root>/3fs-virt/iovs: this double creates that directory at the root of
//   every fuse.hf3fs mount when loaded; iovs and rings are symlinks made there, so any other mount
//   point string fails with ENOENT (:144-157), while a trailing slash or any directory that has
//   3fs-virt/iovs under it is accepted, as the library accepts them;
// - hf3fs_reg_fd dup()s the fd and keeps the file open until dereg, returns -dupfd (<= 0) on success,
//   a POSITIVE EBADF for a non-3FS fd and EINVAL for a registered fd number (:556-594); hf3fs_dereg_fd
//   ignores fds that are not (any longer) 3FS files, so the registration leaks (:596-610);
// - hf3fs_prep_io's checks and errnos in the library's order (:622-645); I/O uses the dup (the real
//   ring names the inode, so a closed fd still works: hf3fs_usrbio.h:138);
// - I/O runs on a separate thread per ring, in the io_depth batches of fuse/IoRing.cc:19-63, each
//   request after a small random delay, completing out of order; a slot is freed only when its
//   completion is reaped (:730); wait_for_ios follows :681-768 (absolute CLOCK_REALTIME deadline,
//   fewer results on timeout, -EINVAL for cqec <= 0);
// - iov shared memory is /dev/shm/hf3fs-iov-<uuid>, unlinked by hf3fs_iovdestroy or hf3fs_iovunlink
//   (:183-220, :283-286); a ring's own shm is unlinked at creation (:158-160).
// Not modelled: RDMA, the daemon's limits, iov block-size registration, priorities, the submit
// semaphore symlink. USRBIO_DOUBLE_LOG=<file>: each destroyed ring appends "ring <r|w> ios=N bytes=M".
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/usrbio_abi.h"

using threefs::usrbio::Cqe;
using threefs::usrbio::Ior;
using threefs::usrbio::Iov;

namespace {

struct Hf3fsMount {
  std::string point;
  unsigned major, minor;
};

std::string decodeOctal(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      out.push_back(static_cast<char>(std::strtol(text.substr(i + 1, 3).c_str(), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The fuse.hf3fs mounts in /proc/self/mountinfo (fstype is the third field from the end, as :74 reads it).
std::vector<Hf3fsMount> hf3fsMounts() {
  std::vector<Hf3fsMount> out;
  std::ifstream file("/proc/self/mountinfo");
  for (std::string line; std::getline(file, line);) {
    std::istringstream words(line);
    std::vector<std::string> parts;
    for (std::string word; words >> word;) parts.push_back(word);
    if (parts.size() < 10 || parts[parts.size() - 3] != "fuse.hf3fs") continue;
    unsigned major = 0, minor = 0;
    if (std::sscanf(parts[2].c_str(), "%u:%u", &major, &minor) != 2) continue;
    out.push_back(Hf3fsMount{decodeOctal(parts[4]), major, minor});
  }
  return out;
}

// What the daemon shows at each mount root.
void exposeVirtualDirs() {
  for (const auto& mount : hf3fsMounts()) {
    ::mkdir((mount.point + "/3fs-virt").c_str(), 0755);
    ::mkdir((mount.point + "/3fs-virt/iovs").c_str(), 0755);
  }
}

__attribute__((constructor)) void onLoad() { exposeVirtualDirs(); }

std::string randomHex(std::size_t bytes) {
  static std::mutex lock;
  static std::mt19937_64 random{std::random_device{}()};
  std::lock_guard<std::mutex> guard(lock);
  std::string out;
  char two[3];
  for (std::size_t i = 0; i < bytes; ++i) {
    std::snprintf(two, sizeof two, "%02x", static_cast<unsigned>(random() & 0xff));
    out += two;
  }
  return out;
}

// ---- registered fds (:529-610) ----
struct Registered {
  Registered(int f, int d, int s) : fd(f), dupfd(d), status(s) {}
  Registered(const Registered&) = delete;
  int fd;
  int dupfd;
  int status;
  ~Registered() { ::close(dupfd); }
};

std::mutex registryLock;
std::vector<std::shared_ptr<Registered>>& registry() {
  // Sized by the hard RLIMIT_NOFILE as :543-554 does (capped here so a huge limit costs no memory).
  static auto* table = [] {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    const rlim_t size = std::min<rlim_t>(limit.rlim_max, rlim_t{1} << 20);
    return new std::vector<std::shared_ptr<Registered>>(static_cast<std::size_t>(size));
  }();
  return *table;
}

// ---- iovs ----
struct Shm {
  std::string name;  // shm_open name, "/hf3fs-iov-<hex>"
  std::string link;  // <mount>/3fs-virt/iovs/<id>...
  uint8_t* base = nullptr;
  std::size_t size = 0;
};

// Creates and maps the shared memory and links it under <mount>/3fs-virt/iovs, as :127-157 do;
// returns 0 or -errno.
int makeShm(Shm& shm, const char* mountPoint, std::size_t size, const std::string& suffix, char id[16]) {
  const std::string hex = randomHex(16);
  shm.name = "/hf3fs-iov-" + hex;
  shm.size = size;
  const int fd = ::shm_open(shm.name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0666);
  if (fd < 0) return -EIO;  // ShmBuf throws, :132-135
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    ::close(fd);
    ::shm_unlink(shm.name.c_str());
    return -EIO;
  }
  void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) {
    ::shm_unlink(shm.name.c_str());
    return -EIO;
  }
  shm.base = static_cast<uint8_t*>(base);
  for (int i = 0; i < 16; ++i) id[i] = static_cast<char>(std::strtol(hex.substr(static_cast<std::size_t>(i) * 2, 2).c_str(), nullptr, 16));
  shm.link = std::string(mountPoint) + "/3fs-virt/iovs/" + hex + suffix;
  if (::symlink(("/dev/shm" + shm.name).c_str(), shm.link.c_str()) < 0) {
    const int error = errno;
    ::munmap(shm.base, size);
    ::shm_unlink(shm.name.c_str());
    return -error;
  }
  return 0;
}

// ---- rings ----
struct Sqe {
  int index;
  bool read;
  uint8_t* ptr;
  std::shared_ptr<Registered> file;
  std::size_t offset;
  uint64_t length;
  const void* userdata;
};

struct Ring {
  Shm shm;
  int entries = 0;
  bool forRead = true;
  int ioDepth = 0;
  std::mutex lock;
  std::condition_variable work, done;
  std::vector<bool> slotUsed;
  std::deque<Sqe> sqes;
  std::deque<Cqe> cqes;
  int running = 0;
  bool stop = false;
  uint64_t ios = 0, bytes = 0;
  std::thread worker;

  // The daemon's side: take a batch as fuse/IoRing.cc:19-63 does, run it in random order with small
  // random delays, post each completion as it finishes.
  void serve() {
    std::mt19937 random{std::random_device{}()};
    std::unique_lock<std::mutex> guard(lock);
    while (!stop) {
      const int available = entries - static_cast<int>(cqes.size()) - running;  // room for the results
      const int queued = static_cast<int>(sqes.size());
      int take = 0;
      if (ioDepth > 0) take = queued >= ioDepth && available >= ioDepth ? ioDepth : 0;
      else take = std::min(queued, available), take = ioDepth < 0 ? std::min(take, -ioDepth) : take;
      if (take == 0) {
        work.wait_for(guard, std::chrono::milliseconds(1));
        continue;
      }
      std::vector<Sqe> batch(sqes.begin(), sqes.begin() + take);
      sqes.erase(sqes.begin(), sqes.begin() + take);
      running += take;
      guard.unlock();
      std::shuffle(batch.begin(), batch.end(), random);
      for (const Sqe& sqe : batch) {
        std::this_thread::sleep_for(std::chrono::microseconds(random() % 200));
        const int fd = sqe.file->dupfd;
        ssize_t result = sqe.read ? ::pread(fd, sqe.ptr, sqe.length, static_cast<off_t>(sqe.offset)) : ::pwrite(fd, sqe.ptr, sqe.length, static_cast<off_t>(sqe.offset));
        if (result < 0) result = -errno;
        std::lock_guard<std::mutex> post(lock);
        --running;
        ++ios;
        if (result > 0) bytes += static_cast<uint64_t>(result);
        cqes.push_back(Cqe{sqe.index, 0, result, sqe.userdata});
        done.notify_all();
      }
      guard.lock();
    }
  }
};

std::string binary(uint64_t value) {
  std::string out;
  for (; value != 0; value >>= 1) out.insert(out.begin(), static_cast<char>('0' + (value & 1)));
  return out;
}

}  // namespace

extern "C" {

bool hf3fs_is_hf3fs(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return false;
  for (const auto& mount : hf3fsMounts())
    if (major(info.st_dev) == mount.major && minor(info.st_dev) == mount.minor) return true;
  return false;
}

// :44-105: fuse.hf3fs mounts whose point is named 3fs-virt give their parent, others count when they
// have 3fs-virt; the canonical path is matched against them, longest first.
int hf3fs_extract_mount_point(char* out, int size, const char* path) {
  std::vector<std::string> roots;
  for (const auto& mount : hf3fsMounts()) {
    std::string point = mount.point;
    const auto slash = point.find_last_of('/');
    if (point.substr(slash + 1) == "3fs-virt") roots.push_back(point.substr(0, slash == 0 ? 1 : slash));
    else if (struct stat info {}; ::stat((point + "/3fs-virt").c_str(), &info) == 0) roots.push_back(point);
  }
  char real[PATH_MAX];
  if (::realpath(path, real) == nullptr) return -1;
  const std::string canonical = real;
  std::sort(roots.rbegin(), roots.rend());
  for (const auto& root : roots) {
    const bool under = root == "/" || (canonical.compare(0, root.size(), root) == 0 && (canonical.size() == root.size() || canonical[root.size()] == '/'));
    if (!under) continue;
    if (static_cast<int>(root.size()) < size) std::strcpy(out, root.c_str());
    return static_cast<int>(root.size()) + 1;
  }
  return -1;
}

int hf3fs_iovcreate(Iov* iov, const char* mountPoint, std::size_t size, std::size_t blockSize, int numa) {
  if (iov == nullptr) return -EINVAL;
  if (std::strlen(mountPoint) >= sizeof iov->mountPoint) return -EINVAL;  // :122-125
  exposeVirtualDirs();
  auto* shm = new Shm;
  char id[16];
  const int rc = makeShm(*shm, mountPoint, size, blockSize != 0 ? ".b" + std::to_string(blockSize) : "", id);
  if (rc < 0) {
    delete shm;
    return rc;
  }
  iov->base = shm->base;
  iov->handle = shm;
  std::memcpy(iov->id, id, sizeof iov->id);
  std::strcpy(iov->mountPoint, mountPoint);
  iov->size = size;
  iov->blockSize = blockSize;
  iov->numa = numa;
  return 0;
}

void hf3fs_iovunlink(Iov* iov) { ::shm_unlink(static_cast<Shm*>(iov->handle)->name.c_str()); }

void hf3fs_iovdestroy(Iov* iov) {
  if (iov == nullptr || iov->handle == nullptr) return;
  auto* shm = static_cast<Shm*>(iov->handle);
  ::unlink(shm->link.c_str());
  ::munmap(shm->base, shm->size);
  ::shm_unlink(shm->name.c_str());  // the owner unlinks when unmapping (lib/common/Shm.cc:128-137)
  delete shm;
  iov->handle = nullptr;
}

int hf3fs_iorcreate4(Ior* ior, const char* mountPoint, int entries, bool forRead, int ioDepth, int timeout, int numa, uint64_t flags) {
  if (ior == nullptr || mountPoint == nullptr || *mountPoint == 0 || timeout < 0) return -EINVAL;  // :485-487
  if (std::strlen(mountPoint) >= sizeof ior->mountPoint) return -EINVAL;
  if (entries <= 0) return -EINVAL;
  exposeVirtualDirs();
  auto* ring = new Ring;
  // The daemon refuses a batch size larger than the ring (fuse/IovTable.cc:151-152).
  if (ioDepth > entries) {
    delete ring;
    return -EINVAL;
  }
  std::string suffix = std::string(".") + (forRead ? "r" : "w") + std::to_string(ioDepth) + ".t" + std::to_string(timeout);
  if (flags != 0) suffix += ".f" + binary(flags);
  std::memset(ior, 0, sizeof *ior);
  const int rc = makeShm(ring->shm, mountPoint, static_cast<std::size_t>(entries) * 128 + 4096, suffix, ior->iov.id);
  if (rc < 0) {
    delete ring;
    return rc;
  }
  ::shm_unlink(ring->shm.name.c_str());  // :158-160
  ring->entries = entries;
  ring->forRead = forRead;
  ring->ioDepth = ioDepth;
  ring->slotUsed.assign(static_cast<std::size_t>(entries), false);
  ring->worker = std::thread([ring] { ring->serve(); });
  ior->iov.base = ring->shm.base;
  ior->iov.size = ring->shm.size;
  std::strcpy(ior->iov.mountPoint, mountPoint);
  ior->handle = ring;
  std::strcpy(ior->mountPoint, mountPoint);
  ior->forRead = forRead;
  ior->ioDepth = ioDepth;
  ior->timeout = timeout;
  ior->flags = flags;
  (void)numa;
  return 0;
}

void hf3fs_iordestroy(Ior* ior) {
  if (ior == nullptr || ior->handle == nullptr) return;
  auto* ring = static_cast<Ring*>(ior->handle);
  {
    std::lock_guard<std::mutex> guard(ring->lock);
    ring->stop = true;
    ring->work.notify_all();
  }
  ring->worker.join();
  if (const char* log = std::getenv("USRBIO_DOUBLE_LOG"); log != nullptr && *log != 0) {
    if (FILE* file = std::fopen(log, "a")) {
      std::fprintf(file, "ring %s ios=%llu bytes=%llu\n", ring->forRead ? "r" : "w", static_cast<unsigned long long>(ring->ios), static_cast<unsigned long long>(ring->bytes));
      std::fclose(file);
    }
  }
  ::unlink(ring->shm.link.c_str());
  ::munmap(ring->shm.base, ring->shm.size);
  delete ring;
  ior->handle = nullptr;
}

int hf3fs_reg_fd(int fd, uint64_t /*flags*/) {
  auto& table = registry();
  if (!hf3fs_is_hf3fs(fd) || fd >= static_cast<int>(table.size())) return EBADF;  // :559-561
  std::lock_guard<std::mutex> guard(registryLock);
  if (table[static_cast<std::size_t>(fd)]) return EINVAL;  // :562-563
  struct stat info {};
  if (::fstat(fd, &info) != 0) return errno;
  const int dupfd = ::dup(fd);
  if (dupfd < 0) return errno;
  if (dupfd >= static_cast<int>(table.size()) || table[static_cast<std::size_t>(dupfd)]) {  // :575-578
    ::close(dupfd);
    return EINVAL;
  }
  auto entry = std::make_shared<Registered>(fd, dupfd, ::fcntl(fd, F_GETFL));
  table[static_cast<std::size_t>(fd)] = entry;
  table[static_cast<std::size_t>(dupfd)] = entry;
  return -dupfd;  // :593
}

void hf3fs_dereg_fd(int fd) {
  auto& table = registry();
  if (!hf3fs_is_hf3fs(fd) || fd < 0 || fd >= static_cast<int>(table.size())) return;  // :597-600
  std::lock_guard<std::mutex> guard(registryLock);
  auto entry = table[static_cast<std::size_t>(fd)];
  if (!entry) return;
  table[static_cast<std::size_t>(entry->dupfd)].reset();
  table[static_cast<std::size_t>(fd)].reset();
  // the dup closes when the last holder (a queued request) lets go
}

int hf3fs_prep_io(const Ior* ior, const Iov* iov, bool read, void* ptr, int fd, std::size_t offset, uint64_t length, const void* userdata) {
  auto* p = static_cast<uint8_t*>(ptr);
  const int afd = std::abs(fd);
  auto& table = registry();
  // :624-627, in the library's order.
  if (ior == nullptr || ior->handle == nullptr || read != ior->forRead || iov == nullptr || length == 0 || iov->base == nullptr || p < iov->base ||
      p + length > iov->base + iov->size || afd >= static_cast<int>(table.size()))
    return -EINVAL;
  std::shared_ptr<Registered> file;
  {
    std::lock_guard<std::mutex> guard(registryLock);
    file = table[static_cast<std::size_t>(afd)];
  }
  if (!file) return -EBADF;  // :630-632
  const int mode = file->status & O_ACCMODE;
  if ((read && mode == O_WRONLY) || (!read && mode == O_RDONLY)) return -EACCES;  // :634-637
  auto* ring = static_cast<Ring*>(ior->handle);
  std::lock_guard<std::mutex> guard(ring->lock);
  const auto free = std::find(ring->slotUsed.begin(), ring->slotUsed.end(), false);
  if (free == ring->slotUsed.end()) return -EAGAIN;  // :642-645
  *free = true;
  const int index = static_cast<int>(free - ring->slotUsed.begin());
  ring->sqes.push_back(Sqe{index, read, p, file, offset, length, userdata});
  return index;
}

int hf3fs_submit_ios(const Ior* ior) {
  if (ior == nullptr || ior->handle == nullptr) return -EINVAL;  // :671-673
  auto* ring = static_cast<Ring*>(ior->handle);
  ring->work.notify_all();
  return 0;
}

int hf3fs_wait_for_ios(const Ior* ior, Cqe* cqes, int cqec, int minimum, const timespec* deadline) {
  if (cqec <= 0 || ior == nullptr || ior->handle == nullptr) return -EINVAL;  // :686-688
  minimum = std::min(minimum, cqec);
  auto* ring = static_cast<Ring*>(ior->handle);
  std::unique_lock<std::mutex> guard(ring->lock);
  int filled = 0;
  while (filled < cqec) {
    if (!ring->cqes.empty()) {
      while (filled < cqec && !ring->cqes.empty()) {
        cqes[filled] = ring->cqes.front();
        ring->slotUsed[static_cast<std::size_t>(cqes[filled].index)] = false;  // :730
        ring->cqes.pop_front();
        ++filled;
      }
      ring->work.notify_all();  // :734, room for more results
      continue;
    }
    if (filled >= minimum) return filled;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    if (deadline != nullptr && (deadline->tv_sec < now.tv_sec || (deadline->tv_sec == now.tv_sec && deadline->tv_nsec <= now.tv_nsec))) return filled;
    // Wake at least every millisecond (:694-760), never past the deadline.
    auto until = std::chrono::system_clock::now() + std::chrono::milliseconds(1);
    if (deadline != nullptr) {
      const auto limit = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(deadline->tv_sec) + std::chrono::nanoseconds(deadline->tv_nsec)));
      until = std::min(until, limit);
    }
    ring->done.wait_until(guard, until);
  }
  return filled;
}

}  // extern "C"
