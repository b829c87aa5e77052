// AWS Signature Version 4 for S3: pure functions, no I/O, no clock. Each step of the
// signing process (canonical request, string to sign, signing key, Authorization header)
// is exposed on its own so tests can pin it against AWS's published examples.
//
// Thread-safe (no state). Secrets are only ever inputs here: no function returns or
// formats the secret key except SigningKey's derived HMAC output.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::s3 {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty unless temporary credentials
};

struct SigV4Request {
  std::string method;         // "GET", "PUT", ...
  std::string canonical_uri;  // path as sent, already encoded with UriEncode(path, false)
  HeaderList query;           // decoded names and values; order does not matter
  HeaderList headers;         // every header to sign, including host; any case and order
  std::string payload_hash;   // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

// S3's encoding: every byte except A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex);
// '/' is kept when encode_slash is false (object paths) and encoded otherwise (query).
std::string UriEncode(std::string_view s, bool encode_slash);
// Reverses %XX escapes (and '+' is kept as is); malformed escapes are copied verbatim.
std::string UriDecode(std::string_view s);

// name=value pairs, each URI-encoded, sorted by encoded name then value, joined by '&'.
// A name without a value still gets '=' ("uploads=").
std::string CanonicalQueryString(const HeaderList& query);
// "host;range;x-amz-date": lower-cased names, sorted, ';'-joined.
std::string SignedHeaders(const HeaderList& headers);
std::string CanonicalRequest(const SigV4Request& request);
// "20130524/us-east-1/s3/aws4_request".
std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service);
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// Raw 32-byte HMAC key for (date, region, service); hex-encode it to compare with docs.
std::string SigningKey(std::string_view secret_key, std::string_view date, std::string_view region,
                       std::string_view service);
// The full Authorization header value for `request` signed at `amz_date`
// ("20130524T000000Z"). The request must already carry x-amz-date (and
// x-amz-security-token when a session token is used) among its headers.
std::string Authorization(const SigV4Request& request, const SigV4Credentials& credentials,
                          std::string_view region, std::string_view service,
                          std::string_view amz_date);

// "20130524T000000Z" in UTC.
std::string FormatAmzDate(std::chrono::system_clock::time_point time);

// Primitives (OpenSSL).
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);
std::string Md5Base64(std::string_view data);

inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace strata::s3
