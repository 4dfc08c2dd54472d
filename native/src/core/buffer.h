// Large, page-aligned buffers backed by anonymous memory with transparent huge pages requested:
// a gigabyte of 4 KiB pages costs a quarter million page faults on first touch; 2 MiB pages cost 512.
#pragma once
#include <cstddef>
#include <cstdint>

namespace threefs {

class Buffer {
 public:
  Buffer() = default;
  // populate: fault every page in now; else pages come on first touch, or by populate(). Either way as
  // transparent huge pages where the kernel has them (MADV_HUGEPAGE before any page exists).
  explicit Buffer(std::size_t bytes, bool populate = true);
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  // Faults in [offset, offset + bytes) now (for a buffer made without populate), so that the threads
  // that fill it later do not take a page fault per page.
  void populate(std::size_t offset, std::size_t bytes);
  // Gives back to the system the whole pages inside [offset, offset + bytes) (their content is lost; a
  // later touch gets a zero page). Pages shared with the bytes either side are kept.
  void release(std::size_t offset, std::size_t bytes);
  template <typename T>
  T* as() const {
    return reinterpret_cast<T*>(data_);
  }

 private:
  uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Numbered buffers kept for the life of a worker, so that its phases (map, then reduce) reuse the same
// memory instead of touching fresh pages again.
class BufferPool {
 public:
  // The buffer in `slot`, grown (reallocated) only when it is smaller than `bytes`.
  Buffer& get(std::size_t slot, std::size_t bytes, bool populate = true);

 private:
  Buffer slots_[8];
};

}  // namespace threefs
