#include "core/sorter.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/buffer.h"
#include "core/parallel.h"
#include "core/records.h"

namespace threefs {
namespace {

// 16 bytes: the key as integers that compare like memcmp, and where the record is.
struct Entry {
  uint64_t high;
  uint32_t low;
  uint32_t index;
};

inline bool entryLess(const Entry& a, const Entry& b) { return a.high < b.high || (a.high == b.high && a.low < b.low); }

constexpr int kBucketBits = 16;
constexpr std::size_t kBuckets = std::size_t{1} << kBucketBits;

inline void insertionSort(Entry* begin, Entry* end) {
  for (Entry* i = begin + 1; i < end; ++i) {
    const Entry value = *i;
    Entry* j = i;
    while (j > begin && entryLess(value, *(j - 1))) {
      *j = *(j - 1);
      --j;
    }
    *j = value;
  }
}

}  // namespace

std::size_t sortScratchBytes(std::size_t count) { return count * sizeof(Entry); }

void sortRecords(const uint8_t* in, uint8_t* out, std::size_t count, int threads, Buffer* scratch) {
  sortRecordSegments({RecordSegment{in, count}}, in, out, threads, scratch);
}

void sortRecordSegments(const std::vector<RecordSegment>& segments, const uint8_t* base, uint8_t* out, int threads, Buffer* scratch) {
  std::size_t count = 0;
  for (const auto& segment : segments) {
    if (segment.records < base || (segment.records - base) % kRecordSize != 0 || (segment.records - base) / kRecordSize + segment.count > UINT32_MAX) {
      throw std::invalid_argument("sortRecordSegments: a segment does not start at a whole record within 2^32 records after base");
    }
    count += segment.count;
  }
  if (count == 0) return;
  threads = std::max(1, std::min<int>(threads, static_cast<int>((count + 65535) / 65536)));
  Buffer own;
  if (scratch == nullptr || scratch->size() < sortScratchBytes(count)) {
    own = Buffer(sortScratchBytes(count));
    scratch = &own;
  }
  Entry* sorted = scratch->as<Entry>();
  std::vector<std::vector<uint64_t>> histograms(threads, std::vector<uint64_t>(kBuckets, 0));
  auto sliceOf = [&](int t) { return std::make_pair(count * t / threads, count * (t + 1) / threads); };
  // Visits the records with ordinals [begin, end) of the concatenated segments, in order.
  std::vector<std::size_t> firstOrdinal(segments.size() + 1, 0);
  for (std::size_t s = 0; s < segments.size(); ++s) firstOrdinal[s + 1] = firstOrdinal[s] + segments[s].count;
  auto forEach = [&](std::size_t begin, std::size_t end, auto&& visit) {
    std::size_t s = std::upper_bound(firstOrdinal.begin(), firstOrdinal.end(), begin) - firstOrdinal.begin() - 1;
    for (std::size_t ordinal = begin; ordinal < end; ++s) {
      const std::size_t stop = std::min(end, firstOrdinal[s + 1]);
      const uint8_t* record = segments[s].records + (ordinal - firstOrdinal[s]) * kRecordSize;
      for (; ordinal < stop; ++ordinal, record += kRecordSize) visit(record);
    }
  };

  // Buckets split the range of keys actually present, not the whole key space: a reduce sorts one
  // partition, whose keys all lie between two splitters, and with buckets over the first 16 key bits a
  // 1/16 partition filled only 4,096 of them (~150 records each, for std::sort) instead of ~10 each.
  // The range comes from a sample; keys outside it go to the first or last bucket. bucketOf never
  // decreases as the key grows, so bucket order is key order whatever the sample says.
  uint64_t low = UINT64_MAX, high = 0;
  {
    const std::size_t step = std::max<std::size_t>(1, count / 4096);
    for (std::size_t ordinal = 0; ordinal < count; ordinal += step) {
      forEach(ordinal, ordinal + 1, [&](const uint8_t* record) {
        const uint64_t key = keyOf(record).high;
        low = std::min(low, key);
        high = std::max(high, key);
      });
    }
  }
  const uint64_t span = high - low;
  const int shift = span >> kBucketBits == 0 ? 0 : 64 - __builtin_clzll(span >> kBucketBits);
  auto bucketOf = [low, shift](uint64_t key) -> std::size_t {
    if (key <= low) return 0;
    return static_cast<std::size_t>(std::min<uint64_t>((key - low) >> shift, kBuckets - 1));
  };
  // Pass 1: per-thread bucket histograms.
  runParallel(threads, [&](int t) {
    auto [begin, end] = sliceOf(t);
    auto& histogram = histograms[t];
    forEach(begin, end, [&](const uint8_t* record) { ++histogram[bucketOf(keyOf(record).high)]; });
  });
  // Each thread's first slot in each bucket, so the scatter needs no synchronisation.
  std::vector<uint64_t> bucketStart(kBuckets + 1, 0);
  {
    uint64_t offset = 0;
    for (std::size_t bucket = 0; bucket < kBuckets; ++bucket) {
      bucketStart[bucket] = offset;
      for (int t = 0; t < threads; ++t) {
        const uint64_t n = histograms[t][bucket];
        histograms[t][bucket] = offset;
        offset += n;
      }
    }
    bucketStart[kBuckets] = offset;
  }
  // Pass 2: scatter key entries into their buckets. An entry remembers its record as a record number
  // from `base`, so records can stay where they are (in several segments of one arena) until the gather.
  runParallel(threads, [&](int t) {
    auto [begin, end] = sliceOf(t);
    auto& cursor = histograms[t];
    forEach(begin, end, [&](const uint8_t* record) {
      const Key key = keyOf(record);
      const std::size_t bucket = bucketOf(key.high);
      sorted[cursor[bucket]++] = Entry{key.high, key.low, static_cast<uint32_t>((record - base) / kRecordSize)};
    });
  });
  // Pass 3: sort every bucket (threads take interleaved bucket ranges), then gather the records.
  runParallel(threads, [&](int t) {
    constexpr std::size_t kChunk = 256;
    for (std::size_t first = t * kChunk; first < kBuckets; first += threads * kChunk) {
      for (std::size_t bucket = first; bucket < std::min(kBuckets, first + kChunk); ++bucket) {
        Entry* begin = sorted + bucketStart[bucket];
        Entry* end = sorted + bucketStart[bucket + 1];
        if (end - begin <= 24) insertionSort(begin, end);
        else std::sort(begin, end, entryLess);
      }
    }
  });
  runParallel(threads, [&](int t) {
    auto [begin, end] = sliceOf(t);
    for (std::size_t i = begin; i < end; ++i) {
      if (i + 8 < end) __builtin_prefetch(base + static_cast<std::size_t>(sorted[i + 8].index) * kRecordSize);
      std::memcpy(out + i * kRecordSize, base + static_cast<std::size_t>(sorted[i].index) * kRecordSize, kRecordSize);
    }
  });
}

}  // namespace threefs
