// usrbio: 3FS's user-space rings, through libhf3fs_api_shared.so opened with dlopen. One iov (the
// registered shared memory all buffers live in) and one ring for the job's direction; requests are
// prepared, submitted in batches and reaped as they complete, keeping the ring full.
// Line references are to 3FS at commit ee9a5ce (src/lib/api/UsrbIo.cc unless named otherwise).
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/io_engine.h"
#include "core/mount_info.h"
#include "core/usrbio_abi.h"

namespace threefs {
namespace {

using namespace usrbio;

// The library and its symbols, loaded once per path; the failure reason (dlerror) is kept for the message.
struct Library {
  void* handle = nullptr;
  std::string error;
  IovCreate iovCreate = nullptr;
  IovDestroy iovDestroy = nullptr;
  IorCreate4 iorCreate = nullptr;
  IorDestroy iorDestroy = nullptr;
  RegFd regFd = nullptr;
  DeregFd deregFd = nullptr;
  PrepIo prepIo = nullptr;
  SubmitIos submitIos = nullptr;
  WaitForIos waitForIos = nullptr;
  // Optional: used when present.
  IsHf3fs isHf3fs = nullptr;
  ExtractMountPoint extractMountPoint = nullptr;
  IovUnlink iovUnlink = nullptr;

  explicit Library(const std::string& explicitPath) {
    std::vector<std::string> candidates;
    if (!explicitPath.empty()) candidates.push_back(explicitPath);
    if (const char* fromEnv = std::getenv("THREEFS_USRBIO_LIB"); fromEnv != nullptr && *fromEnv != 0) candidates.emplace_back(fromEnv);
    if (explicitPath.empty()) {
      for (const char* path : {"libhf3fs_api_shared.so", "/opt/3fs/lib/libhf3fs_api_shared.so", "/opt/3fs/bin/libhf3fs_api_shared.so", "/usr/local/lib/libhf3fs_api_shared.so"})
        candidates.emplace_back(path);
    }
    for (const auto& path : candidates) {
      handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle != nullptr) break;
      const char* why = ::dlerror();
      if (error.empty() && why != nullptr) error = why;
    }
    if (handle == nullptr) return;
    error.clear();
    resolve(iovCreate, "hf3fs_iovcreate");
    resolve(iovDestroy, "hf3fs_iovdestroy");
    resolve(iorCreate, "hf3fs_iorcreate4");
    resolve(iorDestroy, "hf3fs_iordestroy");
    resolve(regFd, "hf3fs_reg_fd");
    resolve(deregFd, "hf3fs_dereg_fd");
    resolve(prepIo, "hf3fs_prep_io");
    resolve(submitIos, "hf3fs_submit_ios");
    resolve(waitForIos, "hf3fs_wait_for_ios");
    isHf3fs = reinterpret_cast<IsHf3fs>(::dlsym(handle, "hf3fs_is_hf3fs"));
    extractMountPoint = reinterpret_cast<ExtractMountPoint>(::dlsym(handle, "hf3fs_extract_mount_point"));
    iovUnlink = reinterpret_cast<IovUnlink>(::dlsym(handle, "hf3fs_iovunlink"));
  }

  template <typename F>
  void resolve(F& into, const char* symbol) {
    into = reinterpret_cast<F>(::dlsym(handle, symbol));
    if (into == nullptr && error.empty()) error = std::string("symbol ") + symbol + " missing: " + ::dlerror();
  }

  bool ok() const { return handle != nullptr && error.empty(); }
};

// One Library per requested path, made under a lock and never replaced or freed: every job thread of a
// run may ask at once, and each keeps a reference for its engine's lifetime.
Library& library(const std::string& path) {
  static std::mutex lock;
  static std::map<std::string, std::unique_ptr<Library>>* loaded = new std::map<std::string, std::unique_ptr<Library>>();
  std::lock_guard<std::mutex> guard(lock);
  auto& slot = (*loaded)[path];
  if (!slot) slot = std::make_unique<Library>(path);
  return *slot;
}

std::string errnoText(int code) { return std::string(std::strerror(code)) + " (" + std::to_string(code) + ")"; }

// hf3fs_extract_mount_point, at most once per directory per process (it leaks a FILE* per call at
// ee9a5ce, UsrbIo.cc:50; fixed upstream in 2db69ce).
std::string extractedMountPoint(const Library& lib, const std::string& dir) {
  static std::mutex lock;
  static std::map<std::string, std::string>* cache = new std::map<std::string, std::string>();
  if (lib.extractMountPoint == nullptr || dir.empty()) return "";
  std::lock_guard<std::mutex> guard(lock);
  auto found = cache->find(dir);
  if (found != cache->end()) return found->second;
  char buffer[256] = {0};
  const int length = lib.extractMountPoint(buffer, sizeof buffer, dir.c_str());
  // length + 1 on success; more than the buffer means it did not fit (hf3fs_usrbio.h:61-64).
  const std::string root = length > 1 && length <= static_cast<int>(sizeof buffer) ? std::string(buffer) : "";
  cache->emplace(dir, root);
  return root;
}

// Whether `dir` is on 3FS, the root of that mount, and how that was found.
struct Placement {
  bool onHf3fs = false;
  std::string root;
  std::string how;
};

Placement placementOf(const std::string& dir, const Library* lib) {
  Placement place;
  MountEntry mount;
  const bool known = mountOf(dir, mount);
  if (known && mount.fsType == kHf3fsFsType) {
    place.onHf3fs = true;
    place.root = mount.mountPoint;
    place.how = dir + " is on the " + std::string(kHf3fsFsType) + " mount " + mount.mountPoint;
    return place;
  }
  // mountinfo can hide 3FS (a bind mount of a 3FS directory shows the bind's fstype in some container
  // setups): ask 3FS itself through the library's ioctl wrapper (UsrbIo.cc:33-42) on the directory.
  if (lib != nullptr && lib->ok() && lib->isHf3fs != nullptr) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      const bool yes = lib->isHf3fs(fd);
      ::close(fd);
      if (yes) {
        place.onHf3fs = true;
        place.root = extractedMountPoint(*lib, dir);
        place.how = dir + " answers 3FS's ioctl (hf3fs_is_hf3fs)" + (place.root.empty() ? "" : ", mount root " + place.root);
        return place;
      }
    }
  }
  place.how = dir + " is not on 3FS (" + (known ? "fstype " + mount.fsType + " at " + mount.mountPoint : "no mount found") + ", not " + kHf3fsFsType + ")";
  return place;
}

class UsrbioEngine final : public Engine {
 public:
  explicit UsrbioEngine(const EngineOptions& options) : lib_(library(options.usrbioLibrary)), depth_(std::max(1, options.depth)) {
    if (!lib_.ok()) {
      throw std::runtime_error("usrbio needs libhf3fs_api_shared.so from a 3FS build: " + lib_.error +
                               "; pass --usrbio-lib PATH or set THREEFS_USRBIO_LIB");
    }
    // The iov and ring are linked under <root>/3fs-virt/iovs (UsrbIo.cc:145-153), which only the mount
    // root has: a subdirectory fails with ENOENT. Find the root unless the user gave it.
    std::string root = options.mountPoint;
    if (root.empty()) {
      const Placement place = placementOf(options.dataDir, &lib_);
      if (!place.onHf3fs || place.root.empty()) throw std::runtime_error("usrbio needs a directory on a 3FS mount: " + place.how + "; pass --mount with the 3FS mount point if it is one");
      root = place.root;
    }
    // sizeof mount_point is 256 (hf3fs_usrbio.h:23); a longer one is EINVAL (UsrbIo.cc:122).
    if (root.size() >= 256) throw std::runtime_error("usrbio: the 3FS mount point " + root + " is 256 bytes or longer, which 3FS refuses");
    std::memset(&iov_, 0, sizeof iov_);
    std::memset(&ior_, 0, sizeof ior_);
    int rc = lib_.iovCreate(&iov_, root.c_str(), options.bufferBytes, 0, -1);
    if (rc < 0) {
      throw std::runtime_error("hf3fs_iovcreate on " + root + " failed: " + errnoText(-rc) +
                               (rc == -ENOENT ? " (is " + root + " the 3FS mount point itself? it needs " + root + "/3fs-virt/iovs)" : ""));
    }
    iovMade_ = true;
    // The fuse daemon mapped the shared memory when the iov was linked into 3fs-virt/iovs (fuse/IovTable.cc:
    // 144-174 opens it then), so its /dev/shm name can go now, as hf3fs_iorcreate4 does for rings
    // (UsrbIo.cc:158-160). Otherwise only hf3fs_iovdestroy removes it (:214-218), and a worker killed
    // mid-run leaves bufferBytes in /dev/shm for good.
    if (lib_.iovUnlink != nullptr) lib_.iovUnlink(&iov_);
    // io_depth 0: the ring processes requests as soon as they come (hf3fs_usrbio.h:38-44); a positive
    // depth waits for exactly that many (fuse/IoRing.cc:25-29) and can hang when fewer arrive.
    rc = lib_.iorCreate(&ior_, root.c_str(), depth_, options.forRead, 0, 0, -1, 0);
    if (rc < 0) throw std::runtime_error("hf3fs_iorcreate4 on " + root + " failed: " + errnoText(-rc));
    iorMade_ = true;
    forRead_ = options.forRead;
    cqes_.resize(static_cast<std::size_t>(depth_));
  }

  ~UsrbioEngine() override {
    for (int fd : files_) lib_.deregFd(fd);
    if (iorMade_) lib_.iorDestroy(&ior_);
    if (iovMade_) lib_.iovDestroy(&iov_);
  }

  const char* name() const override { return "usrbio"; }
  uint8_t* buffers() override { return iov_.base; }
  std::size_t bufferBytes() const override { return iov_.size; }

  int addFile(int fd) override {
    // Success is -dupfd (<= 0), failure a POSITIVE errno (UsrbIo.cc:556-594): EBADF when the fd is not
    // on 3FS (:560-561), EINVAL when that fd number is still registered (:562-563).
    const int rc = lib_.regFd(fd, 0);
    if (rc > 0) {
      throw std::runtime_error("hf3fs_reg_fd failed: " + errnoText(rc) +
                               (rc == EBADF ? " (is the file on the 3FS mount?)" : rc == EINVAL ? " (that fd number is still registered: an fd closed before hf3fs_dereg_fd stays registered)" : ""));
    }
    files_.push_back(fd);
    return fd;
  }

  void removeFile(int handle) override {
    // Must run while the fd is open: hf3fs_dereg_fd ignores an fd that is not (any longer) a 3FS file
    // (UsrbIo.cc:597-600), and the registration and its dup then leak.
    lib_.deregFd(handle);
    files_.erase(std::remove(files_.begin(), files_.end(), handle), files_.end());
  }

  void queue(const IoRequest& request) override {
    // prep_io would return -EINVAL for the wrong direction (UsrbIo.cc:624); say which.
    if (request.outsideRegion) throw std::logic_error("usrbio I/O must use the shared iov (acceptsAnyBuffer is false)");
    if (request.write == forRead_) throw std::runtime_error(std::string("a ") + (forRead_ ? "read" : "write") + " ring cannot take a " + (request.write ? "write" : "read"));
    const int rc = lib_.prepIo(&ior_, &iov_, !request.write, request.buffer, request.file, request.offset, request.length, reinterpret_cast<const void*>(request.tag));
    if (rc < 0) throw std::runtime_error("hf3fs_prep_io failed: " + errnoText(-rc));
    ++queued_;
  }

  std::size_t submitAndReap(IoCompletion* out, std::size_t max, std::size_t minimum) override {
    if (queued_ > 0) {
      const int rc = lib_.submitIos(&ior_);
      if (rc < 0) throw std::runtime_error("hf3fs_submit_ios failed: " + errnoText(-rc));
      queued_ = 0;
    }
    std::size_t n = 0;
    int idleWaits = 0;
    while (n < max && (n < minimum || n == 0)) {
      timespec deadline{};
      ::clock_gettime(CLOCK_REALTIME, &deadline);  // an absolute CLOCK_REALTIME time (UsrbIo.cc:742-751)
      deadline.tv_sec += 1;
      const int capacity = static_cast<int>(std::min<std::size_t>(max - n, cqes_.size()));
      const int want = minimum > n ? static_cast<int>(std::min<std::size_t>(minimum - n, static_cast<std::size_t>(capacity))) : 1;
      const int got = lib_.waitForIos(&ior_, cqes_.data(), capacity, std::max(1, want), &deadline);
      if (got < 0) throw std::runtime_error("hf3fs_wait_for_ios failed: " + errnoText(-got));
      for (int i = 0; i < got; ++i) out[n++] = IoCompletion{reinterpret_cast<uint64_t>(cqes_[i].userdata), cqes_[i].result};
      // A timeout returns what is there, not an error (:748-752); 60 empty seconds means the ring is stuck.
      if (got == 0 && ++idleWaits >= 60) throw std::runtime_error("usrbio: no completion for 60 s (is the 3FS fuse daemon alive?)");
      if (minimum == 0) break;
    }
    return n;
  }

 private:
  Library& lib_;
  int depth_;
  Iov iov_;
  Ior ior_;
  bool iovMade_ = false, iorMade_ = false, forRead_ = true;
  std::size_t queued_ = 0;
  std::vector<int> files_;
  std::vector<Cqe> cqes_;
};

}  // namespace

std::unique_ptr<Engine> makeUsrbioEngine(const EngineOptions& options) { return std::make_unique<UsrbioEngine>(options); }

const char* engineName(EngineKind kind) {
  switch (kind) {
    case EngineKind::Usrbio: return "usrbio";
    case EngineKind::IoUring: return "io_uring";
    case EngineKind::Psync: return "psync";
    default: return "auto";
  }
}

EngineKind parseEngineKind(const std::string& text) {
  if (text == "auto") return EngineKind::Auto;
  if (text == "usrbio") return EngineKind::Usrbio;
  if (text == "io_uring") return EngineKind::IoUring;
  if (text == "psync") return EngineKind::Psync;
  throw std::runtime_error("engine must be auto, usrbio, io_uring or psync, got " + text);
}

std::unique_ptr<Engine> makeEngine(const EngineOptions& options, std::string* note) {
  switch (options.kind) {
    case EngineKind::Usrbio: return makeUsrbioEngine(options);
    case EngineKind::IoUring: return makeIoUringEngine(options);
    case EngineKind::Psync: return makePsyncEngine(options);
    case EngineKind::Auto: break;
  }
  // usrbio exactly when the data is on 3FS: fstype fuse.hf3fs in mountinfo, else 3FS's own ioctl through
  // the library (statfs reports FUSE's magic on every FUSE mount, so it cannot tell).
  const std::string dir = options.dataDir.empty() ? options.mountPoint : options.dataDir;
  const Library* lib = nullptr;
  MountEntry mount;
  if (!(mountOf(dir, mount) && mount.fsType == kHf3fsFsType)) lib = &library(options.usrbioLibrary);
  const Placement place = placementOf(dir, lib);
  std::string why;
  if (place.onHf3fs) {
    try {
      auto engine = makeUsrbioEngine(options);
      if (note != nullptr) *note = "usrbio: " + place.how;
      return engine;
    } catch (const std::exception& error) {
      why = "not usrbio: " + place.how + ", but " + error.what() + "; ";
    }
  } else {
    why = "not usrbio: " + place.how + "; ";
  }
  try {
    auto engine = makeIoUringEngine(options);
    if (note != nullptr) *note = why + "io_uring";
    return engine;
  } catch (const std::exception& error) {
    why += std::string("not io_uring: ") + error.what() + "; psync";
  }
  if (note != nullptr) *note = why;
  return makePsyncEngine(options);
}

}  // namespace threefs
