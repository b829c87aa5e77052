// libFuzzer target for the S3 response readers (src/objstore/s3/xml.h, and the timestamps of
// http_time.h): response bodies and headers come from the network, so any bytes must be
// handled without a crash or an out-of-bounds read, and every view returned must lie inside
// the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "objstore/s3/http_time.h"
#include "objstore/s3/xml.h"

namespace {

bool Inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  // The element names the S3 client really asks for.
  for (std::string_view name : {"Contents", "Key", "Size", "ETag", "NextContinuationToken",
                                "IsTruncated", "Code", "Message", "UploadId", "Error", "Upload",
                                "Initiated", "NextKeyMarker", "NextUploadIdMarker"}) {
    if (auto found = strata::s3::XmlFind(xml, name); found && !Inside(*found, xml))
      __builtin_trap();
    for (std::string_view each : strata::s3::XmlFindAll(xml, name)) {
      if (!Inside(each, xml)) __builtin_trap();
      (void)strata::s3::XmlText(each, "Key");
    }
    (void)strata::s3::XmlText(xml, name);
  }
  // Escaping then unescaping is the identity.
  std::string plain = strata::s3::XmlUnescape(xml);
  if (strata::s3::XmlUnescape(strata::s3::XmlEscape(xml)) != xml) __builtin_trap();
  (void)plain;
  // A timestamp that parses formats to one that parses to the same instant.
  if (auto ms = strata::s3::ParseIso8601Ms(xml);
      ms && strata::s3::ParseIso8601Ms(strata::s3::FormatIso8601Ms(*ms)) != ms)
    __builtin_trap();
  if (auto ms = strata::s3::ParseHttpDateMs(xml);
      ms && strata::s3::ParseHttpDateMs(strata::s3::FormatHttpDate(*ms)) != ms)
    __builtin_trap();
  return 0;
}
