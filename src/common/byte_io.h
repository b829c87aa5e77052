// Little-endian byte writer and bounds-checked reader for Strata's binary formats: the codecs
// in format/, delete payloads and the index files.
//
// ByteReader never reads past its input: every read checks the remaining length first and
// fails with DataLoss("object '<name>' is corrupt: ...") — the same wording as the
// envelope — because the bytes it parses were written by Strata and any inconsistency
// means the object is damaged. Neither class is thread-safe.
#pragma once

#include <fmt/format.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/result.h"

namespace strata {

// The formats are little-endian and Strata targets little-endian hosts (x86-64, aarch64),
// so numbers and numeric arrays are copied as they are in memory.
static_assert(std::endian::native == std::endian::little,
              "the formats assume a little-endian host");

class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}

  template <typename T>
  requires std::is_arithmetic_v<T>
  void Put(T v) { out_->append(reinterpret_cast<const char*>(&v), sizeof(T)); }
  template <typename T>
  requires std::is_arithmetic_v<T>
  void PutArray(const T* data, size_t count) {
    if (count > 0) out_->append(reinterpret_cast<const char*>(data), count * sizeof(T));
  }
  void PutBytes(std::string_view bytes) { out_->append(bytes); }

 private:
  std::string* out_;
};

class ByteReader {
 public:
  ByteReader(std::string_view data, std::string_view object_name)
      : data_(data), object_name_(object_name) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  std::string_view object_name() const { return object_name_; }

  // DataLoss naming the object and the byte offset where parsing stopped.
  Status Corrupt(std::string_view what) const {
    return DataLoss(
        fmt::format("object '{}' is corrupt: {} (at payload byte {})", object_name_, what, pos_));
  }

  template <typename T>
  requires std::is_arithmetic_v<T> Status Read(T* out, std::string_view what) {
    if (remaining() < sizeof(T)) return Corrupt(fmt::format("truncated {}", what));
    std::memcpy(out, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::Ok();
  }

  // Replaces *out with `count` elements; the count is checked against the remaining bytes
  // before anything is allocated.
  template <typename T>
  requires std::is_arithmetic_v<T> Status ReadArray(uint64_t count, std::vector<T>* out,
                                                    std::string_view what) {
    if (count > remaining() / sizeof(T)) return Corrupt(fmt::format("truncated {}", what));
    out->resize(count);
    // An empty vector's data() may be null, which memcpy does not accept even for 0 bytes.
    if (count > 0) std::memcpy(out->data(), data_.data() + pos_, count * sizeof(T));
    pos_ += count * sizeof(T);
    return Status::Ok();
  }

  // A view of the next `length` bytes (pointing into the input).
  Status ReadBytes(uint64_t length, std::string_view* out, std::string_view what) {
    if (length > remaining()) return Corrupt(fmt::format("truncated {}", what));
    *out = data_.substr(pos_, length);
    pos_ += length;
    return Status::Ok();
  }

  Status ExpectEnd() const {
    if (remaining() != 0) return Corrupt(fmt::format("{} trailing bytes", remaining()));
    return Status::Ok();
  }

 private:
  std::string_view data_;
  std::string_view object_name_;
  size_t pos_ = 0;
};

}  // namespace strata
