#include "core/gensort.h"

#include "core/crc32.h"
#include "core/lcg128.h"
#include "core/records.h"

namespace threefs {
namespace {

// Binary records draw all 100 bytes from 10 consecutive generator values, 10 bytes each; the value for
// part k is first XOR-ed with gensort's constant for that part (only the top 80 bits matter).
constexpr uint64_t kPartHigh[10] = {0x0000000000000000ULL, 0xF0E8E4E2E1D8D4D2ULL, 0xCAC9C6C5C3B8B4B2ULL, 0xAAA9A6A5A39C9A99ULL,
                                    0x938E8D8B87787472ULL, 0x6A696665635C5A59ULL, 0x534E4D4B473C3A39ULL, 0x332E2D2B271E1D1BULL,
                                    0xC8C4C2C198949291ULL, 0x170F332E2D2B271EULL};
constexpr uint16_t kPartLow[10] = {0x0000, 0xD1CC, 0xB1AC, 0x9695, 0x716C, 0x5655, 0x3635, 0x170F, 0x8CE0, 0x1D1B};

inline char hexDigit(unsigned value) { return "0123456789ABCDEF"[value & 0xF]; }

}  // namespace

RecordGenerator::RecordGenerator(RecordMode mode, u128 firstRecord) : mode_(mode), record_(firstRecord) {
  window_[0] = Lcg128::next(Lcg128::at(firstRecord));
  for (int i = 1; i < 10; ++i) window_[i] = Lcg128::next(window_[i - 1]);
}

void RecordGenerator::advance() {
  // The oldest value leaves the window; the newest is one step past the current newest.
  const u128 newest = window_[(head_ + 9) % 10];
  window_[head_] = Lcg128::next(newest);
  head_ = (head_ + 1) % 10;
  ++record_;
}

void RecordGenerator::binaryRecord(uint8_t* out) const {
  for (int part = 0; part < 10; ++part) {
    const u128 value = window_[(head_ + part) % 10];
    const uint64_t high = highOf(value) ^ kPartHigh[part];
    const uint16_t low = static_cast<uint16_t>(lowOf(value) >> 48) ^ kPartLow[part];
    uint8_t* dst = out + part * 10;
    for (int byte = 0; byte < 8; ++byte) dst[byte] = static_cast<uint8_t>(high >> (56 - 8 * byte));
    dst[8] = static_cast<uint8_t>(low >> 8);
    dst[9] = static_cast<uint8_t>(low);
  }
}

void RecordGenerator::asciiRecord(uint8_t* out) const {
  const u128 value = window_[head_];
  // Key: 8 printable characters from the high 64 bits, 2 from the low 64 bits, base 95 from ' '.
  uint64_t digits = highOf(value);
  for (int i = 0; i < 8; ++i, digits /= 95) out[i] = static_cast<uint8_t>(' ' + digits % 95);
  digits = lowOf(value);
  for (int i = 8; i < 10; ++i, digits /= 95) out[i] = static_cast<uint8_t>(' ' + digits % 95);
  out[10] = out[11] = ' ';
  // The record number as 32 upper-case hex digits.
  for (int i = 0; i < 32; ++i) out[12 + i] = static_cast<uint8_t>(hexDigit(static_cast<unsigned>(record_ >> (124 - 4 * i))));
  out[44] = out[45] = ' ';
  // Filler: 13 hex digits of the low 52 bits, each repeated 4 times.
  const uint64_t low = lowOf(value);
  for (int i = 0; i < 13; ++i) {
    const uint8_t digit = static_cast<uint8_t>(hexDigit(static_cast<unsigned>(low >> (48 - 4 * i))));
    for (int j = 0; j < 4; ++j) out[46 + 4 * i + j] = digit;
  }
  out[98] = '\r';
  out[99] = '\n';
}

void RecordGenerator::generate(uint8_t* out, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i, out += kRecordSize) {
    if (mode_ == RecordMode::Binary) binaryRecord(out);
    else asciiRecord(out);
    advance();
  }
}

u128 recordChecksum(const uint8_t* records, std::size_t count) {
  u128 sum = 0;
  for (std::size_t i = 0; i < count; ++i) sum += crc32(records + i * kRecordSize, kRecordSize);
  return sum;
}

}  // namespace threefs
