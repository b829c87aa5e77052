// libFuzzer target for DecodeWalObject. The first input byte picks the mode: even, the rest
// is a whole object (exercises the envelope checks); odd, the rest is sealed as a WAL payload
// first, so mutations get past the checksum into the record parser. Decoding must succeed
// or fail with DataLoss; a decoded object must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "format/envelope.h"
#include "format/wal_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string object = (data[0] & 1) != 0 ? strata::SealEnvelope(strata::ObjectKind::kWalBatch,
                                                                 strata::kWalObjectVersion, rest)
                                          : std::string(rest);
  auto decoded = strata::DecodeWalObject(object, "fuzz");
  if (!decoded.ok()) {
    if (decoded.status().code() != strata::StatusCode::kDataLoss) __builtin_trap();
    return 0;
  }
  if (strata::EncodeWalObject(decoded->first, decoded->second) != object) __builtin_trap();
  return 0;
}
