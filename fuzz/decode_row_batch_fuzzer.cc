// libFuzzer target for DecodeRowBatch: any input must decode or fail with DataLoss, never
// crash; a batch that decodes must re-encode to exactly the input (the format is canonical).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/batch_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto batch = strata::DecodeRowBatch(bytes, "fuzz");
  if (!batch.ok()) {
    if (batch.status().code() != strata::StatusCode::kDataLoss) __builtin_trap();
    return 0;
  }
  if (strata::EncodeRowBatch(*batch) != bytes) __builtin_trap();
  return 0;
}
