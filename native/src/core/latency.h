// Latency histogram with ~3% resolution (32 sub-buckets per power of two), cheap to record per I/O and
// to merge across jobs and nodes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace threefs {

class LatencyHistogram {
 public:
  LatencyHistogram() : counts_(kBuckets, 0) {}
  void record(uint64_t nanoseconds);
  void merge(const LatencyHistogram& other);
  uint64_t count() const { return total_; }
  // The latency below which `fraction` (0..1) of the recorded ones fall, in nanoseconds.
  double percentile(double fraction) const;
  // Non-empty buckets as "[[bucket,count],...]", so that other processes can merge histograms exactly.
  std::string sparseJson() const;
  // The midpoint of a bucket in nanoseconds (for readers of sparseJson).
  static double bucketValue(int bucket) { return valueOf(bucket); }

 private:
  static constexpr int kSubBits = 5;
  static constexpr int kBuckets = 32 + 59 * 32;
  static int bucketOf(uint64_t value);
  static double valueOf(int bucket);
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
};

}  // namespace threefs
