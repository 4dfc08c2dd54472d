#include "core/latency.h"

#include <cmath>

namespace threefs {

int LatencyHistogram::bucketOf(uint64_t value) {
  if (value < 32) return static_cast<int>(value);
  const int exponent = 63 - __builtin_clzll(value);
  const int sub = static_cast<int>((value >> (exponent - kSubBits)) & 31);
  const int bucket = 32 + (exponent - kSubBits) * 32 + sub;
  return bucket < kBuckets ? bucket : kBuckets - 1;
}

double LatencyHistogram::valueOf(int bucket) {
  if (bucket < 32) return bucket;
  const int exponent = (bucket - 32) / 32 + kSubBits;
  const int sub = (bucket - 32) % 32;
  const double low = std::ldexp(32 + sub, exponent - kSubBits);
  const double width = std::ldexp(1, exponent - kSubBits);
  return low + width / 2;
}

void LatencyHistogram::record(uint64_t nanoseconds) {
  ++counts_[bucketOf(nanoseconds)];
  ++total_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
}

double LatencyHistogram::percentile(double fraction) const {
  if (total_ == 0) return 0;
  const auto rank = static_cast<uint64_t>(std::ceil(fraction * static_cast<double>(total_)));
  uint64_t seen = 0;
  for (int bucket = 0; bucket < kBuckets; ++bucket) {
    seen += counts_[bucket];
    if (seen >= rank && counts_[bucket] > 0) return valueOf(bucket);
  }
  return valueOf(kBuckets - 1);
}

std::string LatencyHistogram::sparseJson() const {
  std::string out = "[";
  for (int bucket = 0; bucket < kBuckets; ++bucket) {
    if (counts_[bucket] == 0) continue;
    if (out.size() > 1) out += ",";
    out += "[" + std::to_string(bucket) + "," + std::to_string(counts_[bucket]) + "]";
  }
  return out + "]";
}

}  // namespace threefs
