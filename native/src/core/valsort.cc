#include "core/valsort.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/crc32.h"
#include "core/file_io.h"
#include "core/parallel.h"

namespace threefs {

ValidationSummary validateRecords(const uint8_t* records, std::size_t count) {
  ValidationSummary summary;
  summary.records = count;
  if (count == 0) return summary;
  Key previous = keyOf(records);
  summary.firstKey = previous;
  summary.checksum = crc32(records, kRecordSize);
  for (std::size_t i = 1; i < count; ++i) {
    const uint8_t* record = records + i * kRecordSize;
    const Key key = keyOf(record);
    if (key < previous) {
      if (summary.unordered++ == 0) summary.firstUnordered = static_cast<int64_t>(i);
    } else if (key == previous) {
      ++summary.duplicates;
    }
    summary.checksum += crc32(record, kRecordSize);
    previous = key;
  }
  summary.lastKey = previous;
  return summary;
}

ValidationSummary mergeSummaries(const ValidationSummary& earlier, const ValidationSummary& later) {
  if (earlier.records == 0) return later;
  if (later.records == 0) return earlier;
  ValidationSummary merged = earlier;
  merged.records += later.records;
  merged.duplicates += later.duplicates;
  merged.unordered += later.unordered;
  merged.checksum += later.checksum;
  merged.lastKey = later.lastKey;
  const auto boundary = static_cast<int64_t>(earlier.records);
  if (later.firstKey < earlier.lastKey) {
    ++merged.unordered;
    if (merged.firstUnordered < 0) merged.firstUnordered = boundary;
  } else if (later.firstKey == earlier.lastKey) {
    ++merged.duplicates;
  }
  if (merged.firstUnordered < 0 && later.firstUnordered >= 0) merged.firstUnordered = boundary + later.firstUnordered;
  return merged;
}

ValidationSummary validateFile(const std::string& path, int threads) {
  const uint64_t bytes = fileSize(path);
  if (bytes % kRecordSize != 0) {
    throw std::runtime_error(path + " is " + std::to_string(bytes) + " bytes, not a whole number of 100-byte records (truncated?)");
  }
  const uint64_t records = bytes / kRecordSize;
  // Each piece is read and checked by one thread; summaries merge in order.
  // Pieces of 8 MiB worth of records: even a partition file of a few tens of MiB keeps every thread busy.
  constexpr uint64_t kPieceRecords = (8ull << 20) / kRecordSize;
  // Read in 1 MB steps into a buffer that stays in cache: the data crosses memory once, not three times.
  constexpr uint64_t kStepRecords = 10'000;
  const uint64_t pieces = std::max<uint64_t>(1, (records + kPieceRecords - 1) / kPieceRecords);
  std::vector<ValidationSummary> summaries(pieces);
  const int workers = static_cast<int>(std::max<uint64_t>(1, std::min<uint64_t>(threads, pieces)));
  FileHandle file(path, FileHandle::Mode::Read);
  runParallel(workers, [&](int worker) {
    std::unique_ptr<uint8_t[]> buffer(new uint8_t[kStepRecords * kRecordSize]);
    for (uint64_t piece = worker; piece < pieces; piece += workers) {
      const uint64_t first = piece * kPieceRecords;
      const uint64_t count = std::min(kPieceRecords, records - first);
      ValidationSummary summary;
      for (uint64_t done = 0; done < count; done += kStepRecords) {
        const uint64_t step = std::min(kStepRecords, count - done);
        file.readAt(buffer.get(), step * kRecordSize, (first + done) * kRecordSize);
        summary = mergeSummaries(summary, validateRecords(buffer.get(), step));
      }
      summaries[piece] = summary;
    }
  });
  ValidationSummary total;
  for (const auto& summary : summaries) total = mergeSummaries(total, summary);
  return total;
}

}  // namespace threefs
