// Envelope: the frame around every durable object Strata writes, so that any object can be
// recognised (magic, kind), evolved (version) and verified (checksum) on its own.
//
//   offset  size  field
//   0       4     magic "STRT"
//   4       2     kind (ObjectKind, little-endian)
//   6       2     format version of that kind (little-endian)
//   8       8     payload length N (little-endian)
//   16      N     payload
//   16+N    8     XXH3-64 of bytes [0, 16+N) (little-endian)
//
// See doc/formats.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata {

enum class ObjectKind : uint16_t {
  kManifest = 1,
  kWalBatch = 2,
  kColumnFile = 3,
  kStats = 4,
  kDeltaLog = 5,
  kIndexFile = 6,
};

inline constexpr char kEnvelopeMagic[4] = {'S', 'T', 'R', 'T'};
inline constexpr size_t kEnvelopeHeaderSize = 16;
inline constexpr size_t kEnvelopeTrailerSize = 8;

std::string SealEnvelope(ObjectKind kind, uint16_t version, std::string_view payload);

struct OpenedEnvelope {
  uint16_t version;
  std::string_view payload;  // points into the bytes passed to OpenEnvelope
};

// Verifies magic, kind, length and checksum; versions above max_version are rejected.
// Every failure is DataLoss naming `object_name` (the key), since the bytes were written by us.
Result<OpenedEnvelope> OpenEnvelope(std::string_view bytes, ObjectKind kind, uint16_t max_version,
                                    std::string_view object_name);

}  // namespace strata
