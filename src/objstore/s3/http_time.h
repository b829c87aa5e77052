// The two timestamp forms S3 uses, to and from ms since the Unix epoch (UTC):
//   ISO 8601, ListObjectsV2's <LastModified>:  2026-11-26T08:15:30.250Z (fraction optional)
//   HTTP-date (RFC 9110 IMF-fixdate), HEAD's Last-Modified:  Thu, 26 Nov 2026 08:15:30 GMT
// Parsers take bytes from the network: anything else, including an impossible date, is
// nullopt (fuzzed in fuzz/s3_xml_fuzzer.cc). Thread-safe (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::s3 {

std::optional<int64_t> ParseIso8601Ms(std::string_view text);
std::string FormatIso8601Ms(int64_t ms);  // always with milliseconds
std::optional<int64_t> ParseHttpDateMs(std::string_view text);
std::string FormatHttpDate(int64_t ms);  // whole seconds, rounded down

}  // namespace strata::s3
