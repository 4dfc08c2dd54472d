// Bulk memory work on 4 KiB pages against transparent huge pages, on this machine:
//   g++ -O2 -pthread -o /tmp/memory-pages test/bench/memory-pages.cc && /tmp/memory-pages
// Why it exists: on the project's Firecracker VMs a warm memset of 1 GB took 1.0 s on 4 KiB pages and
// 0.03 s on 2 MiB pages, which is why native/src/core/buffer.cc asks for huge pages before any page is
// faulted in. Prints seconds per step for each page size (huge pages first, then 4 KiB).
#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

uint8_t* mapBytes(std::size_t bytes, bool huge) {
  auto* memory = static_cast<uint8_t*>(::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (memory == MAP_FAILED) return nullptr;
  if (huge) ::madvise(memory, bytes, MADV_HUGEPAGE);
  return memory;
}

}  // namespace

int main() {
  constexpr std::size_t kBytes = 1000000000;
  constexpr std::size_t kRecords = kBytes / 100;
  std::vector<uint32_t> order(kRecords);
  uint64_t state = 1;
  for (auto& slot : order) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    slot = static_cast<uint32_t>((state >> 33) % kRecords);
  }
  for (bool huge : {true, false}) {
    auto started = Clock::now();
    uint8_t* from = mapBytes(kBytes, huge);
    uint8_t* to = mapBytes(kBytes, huge);
    if (from == nullptr || to == nullptr) return 1;
    ::madvise(from, kBytes, MADV_POPULATE_WRITE);
    ::madvise(to, kBytes, MADV_POPULATE_WRITE);
    std::printf("%s pages: populate 2 GB %.3f s", huge ? "2 MiB" : "4 KiB", since(started));
    started = Clock::now();
    std::memset(from, 1, kBytes);
    std::printf(", memset 1 GB %.3f s", since(started));
    started = Clock::now();
    std::memcpy(to, from, kBytes);
    std::printf(", memcpy 1 GB %.3f s", since(started));
    started = Clock::now();
    std::thread threads[2];
    for (int t = 0; t < 2; ++t) {
      threads[t] = std::thread([&, t] {
        const std::size_t begin = kRecords * t / 2, end = kRecords * (t + 1) / 2;
        for (std::size_t i = begin; i < end; ++i) {
          if (i + 8 < end) __builtin_prefetch(from + order[i + 8] * std::size_t{100});
          std::memcpy(to + i * 100, from + order[i] * std::size_t{100}, 100);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    std::printf(", gather of 100-byte records 2 threads %.3f s\n", since(started));
    ::munmap(from, kBytes);
    ::munmap(to, kBytes);
  }
  return 0;
}
