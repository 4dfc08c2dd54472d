#include "core/buffer.h"

#include <sys/mman.h>

#include <new>
#include <stdexcept>
#include <utility>

namespace threefs {

Buffer::Buffer(std::size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  ::madvise(memory, bytes, MADV_HUGEPAGE);  // a hint: ignored where huge pages are off
  data_ = static_cast<uint8_t*>(memory);
}

Buffer::~Buffer() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

Buffer::Buffer(Buffer&& other) noexcept : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Buffer& BufferPool::get(std::size_t slot, std::size_t bytes) {
  Buffer& buffer = slots_[slot];
  if (buffer.size() < bytes) buffer = Buffer(bytes);
  return buffer;
}

}  // namespace threefs
