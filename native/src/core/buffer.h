// Large, page-aligned buffers backed by anonymous memory with transparent huge pages requested:
// a gigabyte of 4 KiB pages costs a quarter million page faults on first touch; 2 MiB pages cost 512.
#pragma once
#include <cstddef>
#include <cstdint>

namespace threefs {

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::size_t bytes);
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
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
  Buffer& get(std::size_t slot, std::size_t bytes);

 private:
  Buffer slots_[8];
};

}  // namespace threefs
