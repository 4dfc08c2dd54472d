// One interface over three I/O backends (usrbio, io_uring, psync). A job keeps `depth` requests in
// flight: it queues requests whose buffers come from the engine's own registered region, submits,
// and reaps completions as they arrive. Engines are single-threaded from the caller's side (one thread
// queues and reaps), as usrbio's rings require.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace threefs {

enum class EngineKind { Auto, Usrbio, IoUring, Psync };

const char* engineName(EngineKind kind);
EngineKind parseEngineKind(const std::string& text);

struct IoRequest {
  int file = 0;          // handle from Engine::addFile
  uint64_t offset = 0;
  uint32_t length = 0;
  uint8_t* buffer = nullptr;  // inside Engine::buffers(), unless outsideRegion
  bool write = false;
  uint64_t tag = 0;
  // The buffer is the caller's own memory, not the registered region: only for engines whose
  // acceptsAnyBuffer() is true.
  bool outsideRegion = false;
};

struct IoCompletion {
  uint64_t tag;
  int64_t result;  // bytes done, or -errno
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* name() const = 0;
  // Registered memory for every request's buffer (io_uring fixed buffers, usrbio's shared iov).
  virtual uint8_t* buffers() = 0;
  virtual std::size_t bufferBytes() const = 0;
  // Whether a request may use any memory of the caller's (outsideRegion): io_uring (plain READ/WRITE
  // instead of the FIXED ones) and psync can; usrbio cannot, its I/O goes through the shared iov.
  virtual bool acceptsAnyBuffer() const { return false; }
  // Makes an open fd usable; returns the engine's handle for it.
  virtual int addFile(int fd) = 0;
  // Forgets a file before its fd is closed (usrbio deregisters it; fds must not be closed while registered).
  virtual void removeFile(int /*handle*/) {}
  virtual void queue(const IoRequest& request) = 0;
  // Submits everything queued; waits until at least `minimum` completions are ready, then returns up to
  // `max` of them.
  virtual std::size_t submitAndReap(IoCompletion* out, std::size_t max, std::size_t minimum) = 0;
};

struct EngineOptions {
  EngineKind kind = EngineKind::Auto;
  int depth = 32;
  std::size_t bufferBytes = 0;
  // The directory the files are in: auto looks up whether it is on 3FS, usrbio finds the mount root from it.
  std::string dataDir;
  // For usrbio: the 3FS mount root, when given by the user (--mount); empty: found from dataDir.
  std::string mountPoint;
  // Where libhf3fs_api_shared.so is (empty: THREEFS_USRBIO_LIB, then the usual places).
  std::string usrbioLibrary;
  bool forRead = true;
};

// Creates the requested engine. Auto picks usrbio when dataDir is on a 3FS mount, else io_uring, else
// psync, and `note` says why usrbio was or was not chosen and why a preferred engine did not run.
std::unique_ptr<Engine> makeEngine(const EngineOptions& options, std::string* note);

// Engine constructors (each throws std::runtime_error with the reason when it cannot run here).
std::unique_ptr<Engine> makePsyncEngine(const EngineOptions& options);
std::unique_ptr<Engine> makeIoUringEngine(const EngineOptions& options);
std::unique_ptr<Engine> makeUsrbioEngine(const EngineOptions& options);

}  // namespace threefs
