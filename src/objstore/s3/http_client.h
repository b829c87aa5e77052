// The HTTP seam of the S3 client: an HttpTransport interface (so store logic is unit
// tested against fakes) and a libcurl implementation. curl headers stay in the .cc.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "objstore/s3/sigv4.h"

namespace strata::s3 {

struct HttpRequest {
  std::string method;     // GET, HEAD, PUT, POST, DELETE
  std::string url;        // absolute, query already encoded
  HeaderList headers;     // sent as given (Host included)
  std::string_view body;  // must outlive Send()
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;  // names lower-cased
  std::string body;

  // Value of the first header `name` (lower-case), or "".
  std::string_view Header(std::string_view name) const;
};

// Sends one request. Any HTTP status is a successful Result; a failed Result means no
// response arrived: Unavailable for conditions worth retrying (connection refused or
// reset, timeouts, DNS), FailedPrecondition for TLS verification failures (check the CA
// bundle) and InvalidArgument for a malformed URL. Implementations are thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct HttpOptions {
  std::string ca_file;    // PEM bundle for https; empty: the system store
  bool insecure = false;  // skip TLS peer and host verification
  long connect_timeout_ms = 5000;
  // A transfer slower than 1 KiB/s for this long is aborted (a dead peer), rather than a
  // total timeout that would cut off large objects on slow links.
  long low_speed_time_s = 20;
};

// Reserves `size` bytes in `buffer` for a response body about to be received. Buffers of
// several MiB also ask for transparent huge pages (where THP is in "madvise" mode): filling
// one then takes a page fault per 2 MiB instead of per 4 KiB, which on virtual machines
// costs more CPU than receiving the bytes.
void ReserveBody(std::string* buffer, size_t size);

// libcurl over a pool of easy handles (one per concurrent request, reused so connections
// stay alive).
std::unique_ptr<HttpTransport> NewCurlTransport(const HttpOptions& options);

}  // namespace strata::s3
