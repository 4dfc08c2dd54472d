// psync: a pool of `depth` threads doing blocking pread/pwrite, the portable fallback.
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "core/buffer.h"
#include "core/io_engine.h"

namespace threefs {
namespace {

class PsyncEngine final : public Engine {
 public:
  explicit PsyncEngine(const EngineOptions& options) : memory_(options.bufferBytes) {
    for (int i = 0; i < std::max(1, options.depth); ++i) workers_.emplace_back([this] { work(); });
  }

  ~PsyncEngine() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    pendingReady_.notify_all();
    for (auto& worker : workers_) worker.join();
  }

  const char* name() const override { return "psync"; }
  uint8_t* buffers() override { return memory_.data(); }
  std::size_t bufferBytes() const override { return memory_.size(); }
  bool acceptsAnyBuffer() const override { return true; }
  int addFile(int fd) override { return fd; }

  void queue(const IoRequest& request) override { queued_.push_back(request); }

  std::size_t submitAndReap(IoCompletion* out, std::size_t max, std::size_t minimum) override {
    std::unique_lock<std::mutex> lock(mutex_);
    for (const auto& request : queued_) pending_.push_back(request);
    queued_.clear();
    pendingReady_.notify_all();
    doneReady_.wait(lock, [&] { return done_.size() >= minimum; });
    std::size_t n = 0;
    while (n < max && !done_.empty()) {
      out[n++] = done_.front();
      done_.pop_front();
    }
    return n;
  }

 private:
  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      pendingReady_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      const IoRequest request = pending_.front();
      pending_.pop_front();
      lock.unlock();
      int64_t result = request.write ? ::pwrite(request.file, request.buffer, request.length, static_cast<off_t>(request.offset))
                                     : ::pread(request.file, request.buffer, request.length, static_cast<off_t>(request.offset));
      if (result < 0) result = -errno;
      lock.lock();
      done_.push_back(IoCompletion{request.tag, result});
      doneReady_.notify_one();
    }
  }

  Buffer memory_;
  std::vector<IoRequest> queued_;
  std::deque<IoRequest> pending_;
  std::deque<IoCompletion> done_;
  std::mutex mutex_;
  std::condition_variable pendingReady_, doneReady_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

std::unique_ptr<Engine> makePsyncEngine(const EngineOptions& options) { return std::make_unique<PsyncEngine>(options); }

}  // namespace threefs
