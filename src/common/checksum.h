// Checksums for durable objects: XXH3-64 (fast, well distributed; not cryptographic).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata {

uint64_t Checksum64(const void* data, size_t size);
inline uint64_t Checksum64(std::string_view bytes) {
  return Checksum64(bytes.data(), bytes.size());
}

}  // namespace strata
