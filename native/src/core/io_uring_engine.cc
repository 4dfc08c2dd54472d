// io_uring through its system calls (no liburing needed to build): one ring of `depth` entries,
// the whole buffer region registered once (READ_FIXED / WRITE_FIXED: no per-I/O page pinning), files
// registered too, submit and wait in one io_uring_enter call.
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "core/buffer.h"
#include "core/io_engine.h"

namespace threefs {
namespace {

int ringSetup(unsigned entries, io_uring_params* params) { return static_cast<int>(::syscall(__NR_io_uring_setup, entries, params)); }
int ringEnter(int fd, unsigned submit, unsigned minimum, unsigned flags) {
  return static_cast<int>(::syscall(__NR_io_uring_enter, fd, submit, minimum, flags, nullptr, 0));
}
int ringRegister(int fd, unsigned opcode, const void* arg, unsigned count) { return static_cast<int>(::syscall(__NR_io_uring_register, fd, opcode, arg, count)); }

template <typename T>
T loadAcquire(const T* at) {
  return __atomic_load_n(at, __ATOMIC_ACQUIRE);
}
template <typename T>
void storeRelease(T* at, T value) {
  __atomic_store_n(at, value, __ATOMIC_RELEASE);
}

class IoUringEngine final : public Engine {
 public:
  explicit IoUringEngine(const EngineOptions& options) : memory_(options.bufferBytes) {
    io_uring_params params{};
    const unsigned entries = static_cast<unsigned>(std::max(1, options.depth));
    // No setup flags: SINGLE_ISSUER/DEFER_TASKRUN forbid handing an engine from thread to thread (the
    // sort does), and COOP_TASKRUN measured no faster here.
    params.flags = 0;
    ring_ = ringSetup(entries, &params);
    if (ring_ < 0) throw std::runtime_error(std::string("io_uring is not available: ") + std::strerror(errno));
    sqEntries_ = params.sq_entries;
    sqBytes_ = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    cqBytes_ = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
    const bool single = (params.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) sqBytes_ = cqBytes_ = std::max(sqBytes_, cqBytes_);
    sqRing_ = ::mmap(nullptr, sqBytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_, IORING_OFF_SQ_RING);
    if (sqRing_ == MAP_FAILED) fail("cannot map the submission ring");
    cqRing_ = single ? sqRing_ : ::mmap(nullptr, cqBytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_, IORING_OFF_CQ_RING);
    if (cqRing_ == MAP_FAILED) fail("cannot map the completion ring");
    sqes_ = static_cast<io_uring_sqe*>(::mmap(nullptr, params.sq_entries * sizeof(io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_, IORING_OFF_SQES));
    if (sqes_ == MAP_FAILED) fail("cannot map the submission entries");
    auto* sq = static_cast<uint8_t*>(sqRing_);
    auto* cq = static_cast<uint8_t*>(cqRing_);
    sqTail_ = reinterpret_cast<unsigned*>(sq + params.sq_off.tail);
    sqMask_ = *reinterpret_cast<unsigned*>(sq + params.sq_off.ring_mask);
    sqArray_ = reinterpret_cast<unsigned*>(sq + params.sq_off.array);
    cqHead_ = reinterpret_cast<unsigned*>(cq + params.cq_off.head);
    cqTail_ = reinterpret_cast<unsigned*>(cq + params.cq_off.tail);
    cqMask_ = *reinterpret_cast<unsigned*>(cq + params.cq_off.ring_mask);
    cqes_ = reinterpret_cast<io_uring_cqe*>(cq + params.cq_off.cqes);
    if (memory_.size() > 0) {
      const iovec region{memory_.data(), memory_.size()};
      fixedBuffers_ = ringRegister(ring_, IORING_REGISTER_BUFFERS, &region, 1) == 0;
    }
  }

  ~IoUringEngine() override {
    if (sqes_ != nullptr && sqes_ != MAP_FAILED) ::munmap(sqes_, sqEntries_ * sizeof(io_uring_sqe));
    if (cqRing_ != nullptr && cqRing_ != MAP_FAILED && cqRing_ != sqRing_) ::munmap(cqRing_, cqBytes_);
    if (sqRing_ != nullptr && sqRing_ != MAP_FAILED) ::munmap(sqRing_, sqBytes_);
    if (ring_ >= 0) ::close(ring_);
  }

  const char* name() const override { return "io_uring"; }
  uint8_t* buffers() override { return memory_.data(); }
  std::size_t bufferBytes() const override { return memory_.size(); }
  bool acceptsAnyBuffer() const override { return true; }

  int addFile(int fd) override {
    files_.push_back(fd);
    // Re-register the whole table (jobs have one or a few files).
    if (fixedFiles_) ringRegister(ring_, IORING_UNREGISTER_FILES, nullptr, 0);
    fixedFiles_ = ringRegister(ring_, IORING_REGISTER_FILES, files_.data(), static_cast<unsigned>(files_.size())) == 0;
    return static_cast<int>(files_.size() - 1);
  }

  void removeFile(int handle) override {
    // A sparse slot (-1) keeps the other handles valid and lets the fd be closed.
    files_[static_cast<std::size_t>(handle)] = -1;
    if (fixedFiles_) {
      ringRegister(ring_, IORING_UNREGISTER_FILES, nullptr, 0);
      fixedFiles_ = ringRegister(ring_, IORING_REGISTER_FILES, files_.data(), static_cast<unsigned>(files_.size())) == 0;
    }
  }

  void queue(const IoRequest& request) override {
    const unsigned tail = *sqTail_;
    const unsigned index = tail & sqMask_;
    io_uring_sqe* sqe = &sqes_[index];
    std::memset(sqe, 0, sizeof *sqe);
    if (fixedBuffers_ && !request.outsideRegion) {
      sqe->opcode = request.write ? IORING_OP_WRITE_FIXED : IORING_OP_READ_FIXED;
      sqe->buf_index = 0;
    } else {
      sqe->opcode = request.write ? IORING_OP_WRITE : IORING_OP_READ;
    }
    if (fixedFiles_) {
      sqe->fd = request.file;
      sqe->flags = IOSQE_FIXED_FILE;
    } else {
      sqe->fd = files_[static_cast<std::size_t>(request.file)];
    }
    sqe->off = request.offset;
    sqe->addr = reinterpret_cast<uint64_t>(request.buffer);
    sqe->len = request.length;
    sqe->user_data = request.tag;
    sqArray_[index] = index;
    storeRelease(sqTail_, tail + 1);
    ++unsubmitted_;
  }

  std::size_t submitAndReap(IoCompletion* out, std::size_t max, std::size_t minimum) override {
    std::size_t ready = loadAcquire(cqTail_) - *cqHead_;
    if (unsubmitted_ > 0 || ready < minimum) {
      const unsigned wait = ready < minimum ? static_cast<unsigned>(minimum) : 0;
      const unsigned flags = wait > 0 ? IORING_ENTER_GETEVENTS : 0;
      int done;
      do {
        done = ringEnter(ring_, unsubmitted_, wait, flags);
      } while (done < 0 && errno == EINTR);
      if (done < 0) throw std::runtime_error(std::string("io_uring_enter failed: ") + std::strerror(errno));
      unsubmitted_ -= static_cast<unsigned>(done);
    }
    unsigned head = *cqHead_;
    const unsigned tail = loadAcquire(cqTail_);
    std::size_t n = 0;
    while (head != tail && n < max) {
      const io_uring_cqe& cqe = cqes_[head & cqMask_];
      out[n++] = IoCompletion{cqe.user_data, cqe.res};
      ++head;
    }
    storeRelease(cqHead_, head);
    return n;
  }

 private:
  [[noreturn]] void fail(const char* what) {
    const std::string reason = std::string(what) + ": " + std::strerror(errno);
    throw std::runtime_error(reason);
  }

  Buffer memory_;
  int ring_ = -1;
  unsigned sqEntries_ = 0;
  std::size_t sqBytes_ = 0, cqBytes_ = 0;
  void* sqRing_ = nullptr;
  void* cqRing_ = nullptr;
  io_uring_sqe* sqes_ = nullptr;
  unsigned* sqTail_ = nullptr;
  unsigned sqMask_ = 0;
  unsigned* sqArray_ = nullptr;
  unsigned* cqHead_ = nullptr;
  unsigned* cqTail_ = nullptr;
  unsigned cqMask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
  unsigned unsubmitted_ = 0;
  bool fixedBuffers_ = false;
  bool fixedFiles_ = false;
  std::vector<int> files_;
};

}  // namespace

std::unique_ptr<Engine> makeIoUringEngine(const EngineOptions& options) { return std::make_unique<IoUringEngine>(options); }

}  // namespace threefs
