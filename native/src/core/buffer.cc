#include "core/buffer.h"

#include <sys/mman.h>

#include <algorithm>

#include <new>
#include <stdexcept>
#include <utility>

namespace threefs {

Buffer::Buffer(std::size_t bytes, bool populate) : size_(bytes) {
  if (bytes == 0) return;
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  // A hint for populated buffers (khugepaged may merge them later). Not for lazily populated ones:
  // faulting those in as huge pages can stall for seconds on compaction when memory is fragmented.
  if (populate) ::madvise(memory, bytes, MADV_HUGEPAGE);
  data_ = static_cast<uint8_t*>(memory);
}

void Buffer::populate(std::size_t offset, std::size_t bytes) {
  if (offset >= size_) return;
  bytes = std::min(bytes, size_ - offset);
#ifdef MADV_POPULATE_WRITE
  if (::madvise(data_ + offset, bytes, MADV_POPULATE_WRITE) == 0) return;
#endif
  // Older kernels: one write per page does the same.
  for (std::size_t at = offset; at < offset + bytes; at += 4096) data_[at] = 0;
}

void Buffer::release(std::size_t offset, std::size_t bytes) {
  if (offset >= size_) return;
  bytes = std::min(bytes, size_ - offset);
  constexpr std::size_t kPage = 4096;
  const std::size_t first = (offset + kPage - 1) / kPage * kPage;
  const std::size_t end = (offset + bytes) / kPage * kPage;
  if (end > first) ::madvise(data_ + first, end - first, MADV_DONTNEED);
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

Buffer& BufferPool::get(std::size_t slot, std::size_t bytes, bool populate) {
  Buffer& buffer = slots_[slot];
  if (buffer.size() < bytes) buffer = Buffer(bytes, populate);
  return buffer;
}

}  // namespace threefs
