#include "core/buffer.h"

#include <sys/mman.h>

#include <algorithm>

#include <new>
#include <stdexcept>
#include <utility>

namespace threefs {

Buffer::Buffer(std::size_t bytes, bool populate) : size_(bytes) {
  if (bytes == 0) return;
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<uint8_t*>(memory);
  // Huge pages asked for before the first page is faulted in: MAP_POPULATE (which this used before)
  // faults 4 KiB pages first, and a later MADV_HUGEPAGE does not change pages already there. On this
  // project's VMs (Firecracker) 4 KiB pages were 30x slower for bulk work: a warm memset of 1 GB took
  // 1.0 s with them and 0.03 s with 2 MiB pages (measured: test/bench/memory-pages.cc).
  ::madvise(memory, bytes, MADV_HUGEPAGE);
  if (populate) this->populate(0, bytes);
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
