#include "objstore/s3/http_client.h"

#include <curl/curl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <mutex>
#include <vector>

namespace strata::s3 {

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return {};
}

namespace {

struct UploadCursor {
  std::string_view body;
  size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* cursor = static_cast<UploadCursor*>(userdata);
  size_t n = std::min(size * nitems, cursor->body.size() - cursor->offset);
  std::copy_n(cursor->body.data() + cursor->offset, n, buffer);
  cursor->offset += n;
  return n;
}

// Receives the body into one buffer sized from Content-Length up front: growing a string
// by doubling would copy a 64 MiB object about twice more and fault in every page of each
// larger buffer, which cost more CPU than the transfer itself (measured: doc/benchmarks.md).
struct BodySink {
  CURL* handle;
  std::string* body;
  bool sized = false;
};

// A Content-Length beyond this is not trusted for an up-front allocation.
constexpr curl_off_t kMaxReserve = curl_off_t{5} << 30;

void SizeBody(BodySink* sink) {
  sink->sized = true;
  curl_off_t length = -1;
  if (curl_easy_getinfo(sink->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
      length > 0 && length <= kMaxReserve)
    ReserveBody(sink->body, static_cast<size_t>(length));
}

size_t WriteBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<BodySink*>(userdata);
  if (!sink->sized) SizeBody(sink);
  sink->body->append(data, size * nmemb);
  return size * nmemb;
}

size_t WriteHeader(char* data, size_t size, size_t nitems, void* userdata) {
  auto* headers = static_cast<HeaderList*>(userdata);
  std::string_view line(data, size * nitems);
  // A new status line (after "100 Continue" or a redirect) starts a fresh header block.
  if (line.starts_with("HTTP/")) {
    headers->clear();
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  headers->emplace_back(std::move(name), std::string(value));
  return line.size();
}

Status CurlError(CURLcode code, const HttpRequest& request, const char* detail) {
  // The URL carries no credentials (they travel in the Authorization header), so naming
  // it is safe and tells the operator which endpoint failed.
  std::string msg = request.method + " " + request.url + ": " + curl_easy_strerror(code);
  if (detail[0] != '\0') msg += std::string(" (") + detail + ")";
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidArgument(msg);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return FailedPrecondition(msg + "; check the CA bundle (ca_file) or use insecure");
    default:
      return Unavailable(msg);
  }
}

constexpr long kTransferBuffer = 512 << 10;

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(const HttpOptions& options) : options_(options) {
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }
  ~CurlTransport() override {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    CURL* handle = Acquire();
    if (handle == nullptr) return Internal("curl_easy_init failed");
    Result<HttpResponse> result = Perform(handle, request);
    Release(handle);
    return result;
  }

 private:
  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* handle) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(handle);
  }

  Result<HttpResponse> Perform(CURL* handle, const HttpRequest& request) {
    // reset clears the options but keeps the handle's live connections and DNS cache.
    curl_easy_reset(handle);
    HttpResponse response;
    UploadCursor cursor{request.body, 0};
    BodySink sink{handle, &response.body};
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, options_.low_speed_time_s);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
    // Fewer, larger reads and callbacks than curl's 16 KiB / 64 KiB defaults.
    curl_easy_setopt(handle, CURLOPT_BUFFERSIZE, kTransferBuffer);
    curl_easy_setopt(handle, CURLOPT_UPLOAD_BUFFERSIZE, kTransferBuffer);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, WriteHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response.headers);
    if (!options_.ca_file.empty())
      curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (options_.insecure) {
      curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (request.method == "HEAD") {
      curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (request.method == "GET") {
      curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    } else {
      // PUT and POST bodies go through the upload callback so binary data of any size is
      // sent as is; the custom method turns the upload into POST or DELETE as needed.
      if (request.method == "PUT" || request.method == "POST") {
        curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(handle, CURLOPT_READFUNCTION, ReadBody);
        curl_easy_setopt(handle, CURLOPT_READDATA, &cursor);
        curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
      }
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers)
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    // No "Expect: 100-continue" round trip; and no default Content-Type.
    headers = curl_slist_append(headers, "Expect:");
    headers = curl_slist_append(headers, "Content-Type:");
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    CURLcode code = curl_easy_perform(handle);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) return CurlError(code, request, error);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

  const HttpOptions options_;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace

void ReserveBody(std::string* buffer, size_t size) {
  constexpr size_t kHugePage = size_t{2} << 20;
  buffer->reserve(size);
#ifdef MADV_HUGEPAGE
  if (size < 2 * kHugePage) return;
  auto begin = reinterpret_cast<uintptr_t>(buffer->data());
  uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  uintptr_t last = (begin + size) & ~(kHugePage - 1);
  // Advice only: on failure the pages are simply small.
  if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
}

std::unique_ptr<HttpTransport> NewCurlTransport(const HttpOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace strata::s3
