// Runs work(0) .. work(count-1) on `count` threads (index 0 on the calling thread) and, once every
// thread has ended, rethrows the first exception any of them threw: an exception never escapes a
// thread (which would end the process) and never leaves the others running.
#pragma once
#include <exception>
#include <thread>
#include <vector>

namespace threefs {

template <typename Work>
void runParallel(int count, Work work) {
  std::vector<std::exception_ptr> errors(count > 0 ? count : 0);
  auto guarded = [&](int index) {
    try {
      work(index);
    } catch (...) {
      errors[index] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (int index = 1; index < count; ++index) pool.emplace_back(guarded, index);
  if (count > 0) guarded(0);
  for (auto& thread : pool) thread.join();
  for (auto& error : errors)
    if (error) std::rethrow_exception(error);
}

}  // namespace threefs
