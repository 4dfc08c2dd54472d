// usrbio: 3FS's user-space rings, through libhf3fs_api_shared.so opened with dlopen. One iov (the
// registered shared memory all buffers live in) and one ring for the job's direction; requests are
// prepared, submitted in batches and reaped as they complete, keeping the ring full.
#include <dlfcn.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/io_engine.h"
#include "core/usrbio_abi.h"

namespace threefs {
namespace {

using namespace usrbio;

// The library and its symbols, loaded once; the failure reason (dlerror) is kept for the message.
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

  explicit Library(const std::string& explicitPath) {
    std::vector<std::string> candidates;
    if (!explicitPath.empty()) candidates.push_back(explicitPath);
    if (const char* fromEnv = std::getenv("THREEFS_USRBIO_LIB")) candidates.emplace_back(fromEnv);
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
  }

  template <typename F>
  void resolve(F& into, const char* symbol) {
    into = reinterpret_cast<F>(::dlsym(handle, symbol));
    if (into == nullptr && error.empty()) error = std::string("symbol ") + symbol + " missing: " + ::dlerror();
  }

  bool ok() const { return handle != nullptr && error.empty(); }
};

Library& library(const std::string& path) {
  static std::unique_ptr<Library> loaded;
  if (!loaded || (!path.empty() && !loaded->ok())) loaded = std::make_unique<Library>(path);
  return *loaded;
}

std::string errnoText(int code) { return std::string(std::strerror(code)) + " (" + std::to_string(code) + ")"; }

class UsrbioEngine final : public Engine {
 public:
  explicit UsrbioEngine(const EngineOptions& options) : lib_(library(options.usrbioLibrary)), depth_(std::max(1, options.depth)) {
    if (!lib_.ok()) {
      throw std::runtime_error("usrbio needs libhf3fs_api_shared.so from a 3FS build: " + lib_.error +
                               "; pass --usrbio-lib PATH or set THREEFS_USRBIO_LIB");
    }
    if (options.mountPoint.empty() || options.mountPoint.size() >= 256) throw std::runtime_error("usrbio needs the 3FS mount point (shorter than 256 bytes)");
    std::memset(&iov_, 0, sizeof iov_);
    std::memset(&ior_, 0, sizeof ior_);
    int rc = lib_.iovCreate(&iov_, options.mountPoint.c_str(), options.bufferBytes, 0, -1);
    if (rc < 0) {
      throw std::runtime_error("hf3fs_iovcreate on " + options.mountPoint + " failed: " + errnoText(-rc) +
                               (rc == -ENOENT ? " (is " + options.mountPoint + " the 3FS mount point itself?)" : ""));
    }
    iovMade_ = true;
    // io_depth 0: the ring processes requests as soon as they come; a positive depth would wait for
    // exactly that many and can hang when fewer arrive.
    rc = lib_.iorCreate(&ior_, options.mountPoint.c_str(), depth_, options.forRead, 0, 0, -1, 0);
    if (rc < 0) throw std::runtime_error("hf3fs_iorcreate4 failed: " + errnoText(-rc));
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
    const int rc = lib_.regFd(fd, 0);
    if (rc > 0) throw std::runtime_error("hf3fs_reg_fd failed: " + errnoText(rc) + " (is the file on the 3FS mount?)");
    files_.push_back(fd);
    return fd;
  }

  void removeFile(int handle) override {
    lib_.deregFd(handle);
    files_.erase(std::remove(files_.begin(), files_.end(), handle), files_.end());
  }

  void queue(const IoRequest& request) override {
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
      ::clock_gettime(CLOCK_REALTIME, &deadline);  // the API takes an absolute CLOCK_REALTIME time
      deadline.tv_sec += 1;
      const int capacity = static_cast<int>(std::min<std::size_t>(max - n, cqes_.size()));
      const int want = minimum > n ? static_cast<int>(std::min<std::size_t>(minimum - n, static_cast<std::size_t>(capacity))) : 1;
      const int got = lib_.waitForIos(&ior_, cqes_.data(), capacity, std::max(1, want), &deadline);
      if (got < 0) throw std::runtime_error("hf3fs_wait_for_ios failed: " + errnoText(-got));
      for (int i = 0; i < got; ++i) out[n++] = IoCompletion{reinterpret_cast<uint64_t>(cqes_[i].userdata), cqes_[i].result};
      // A timeout returns fewer than asked, not an error; 60 empty seconds means the ring is stuck.
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

static bool onHf3fsMount(const std::string& path) {
  struct statfs info {};
  return !path.empty() && ::statfs(path.c_str(), &info) == 0 && static_cast<long>(info.f_type) == usrbio::kSuperMagic;
}

std::unique_ptr<Engine> makeEngine(const EngineOptions& options, std::string* note) {
  switch (options.kind) {
    case EngineKind::Usrbio: return makeUsrbioEngine(options);
    case EngineKind::IoUring: return makeIoUringEngine(options);
    case EngineKind::Psync: return makePsyncEngine(options);
    case EngineKind::Auto: break;
  }
  std::string why;
  if (onHf3fsMount(options.mountPoint)) {
    try {
      return makeUsrbioEngine(options);
    } catch (const std::exception& error) {
      why = std::string("on a 3FS mount, but ") + error.what() + "; ";
    }
  }
  try {
    auto engine = makeIoUringEngine(options);
    if (note != nullptr) *note = why;
    return engine;
  } catch (const std::exception& error) {
    why += std::string(error.what()) + "; using psync";
  }
  if (note != nullptr) *note = why;
  return makePsyncEngine(options);
}

}  // namespace threefs
