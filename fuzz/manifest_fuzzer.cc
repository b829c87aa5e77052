// libFuzzer target for DecodeManifest (catalog/manifest.h): a manifest read back from the
// bucket must decode or fail with DataLoss, never crash or throw. The first byte picks the
// mode: even, the rest is a whole object (the envelope checks); odd, the rest is sealed as
// a manifest payload first, so mutations reach the JSON reader. A manifest that decodes
// must survive an encode/decode round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "catalog/manifest.h"
#include "format/envelope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string object = (data[0] & 1) != 0
                           ? strata::SealEnvelope(strata::ObjectKind::kManifest,
                                                  strata::kManifestFormatVersion, rest)
                           : std::string(rest);
  auto decoded = strata::DecodeManifest(object, "fuzz");
  if (!decoded.ok()) {
    if (decoded.status().code() != strata::StatusCode::kDataLoss) __builtin_trap();
    return 0;
  }
  auto again = strata::DecodeManifest(strata::EncodeManifest(*decoded), "fuzz");
  if (!again.ok() || !(*again == *decoded)) __builtin_trap();
  return 0;
}
