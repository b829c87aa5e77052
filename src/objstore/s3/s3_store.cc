#include "objstore/s3/s3_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <future>
#include <optional>
#include <random>
#include <thread>

#include "objstore/s3/http_time.h"
#include "objstore/s3/sigv4.h"
#include "objstore/s3/xml.h"

namespace strata {

using s3::HeaderList;
using s3::HttpResponse;

namespace {

constexpr int64_t kMinPartSize = 5 << 20;
constexpr int64_t kMaxPartSize = int64_t{5} << 30;
constexpr size_t kDeleteBatch = 1000;
constexpr auto kBackoffBase = std::chrono::milliseconds(50);
constexpr auto kBackoffCap = std::chrono::milliseconds(5000);

uint64_t RandomU64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

// Worth repeating: the service is overloaded, restarting or briefly unreachable.
bool RetriableResponse(const HttpResponse& r) {
  if (r.status >= 500 || r.status == 429 || r.status == 408) return true;
  if (r.status == 400 || r.status == 409) {
    std::string code = s3::XmlText(r.body, "Code");
    return code == "RequestTimeout" || code == "SlowDown" || code == "ConditionalRequestConflict";
  }
  return false;
}

// ListObjectsV2 with encoding-type=url: AWS writes spaces as '+' and a literal '+' as %2B.
std::string DecodeListedKey(std::string_view raw) {
  std::string key = s3::XmlUnescape(raw);
  std::replace(key.begin(), key.end(), '+', ' ');
  return s3::UriDecode(key);
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(S3Options options) {
  s3::HttpOptions http;
  http.ca_file = options.ca_file;
  http.insecure = options.insecure;
  return Open(std::move(options), s3::NewCurlTransport(http));
}

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(
    S3Options options, std::unique_ptr<s3::HttpTransport> transport) {
  if (!options.endpoint.starts_with("http://") && !options.endpoint.starts_with("https://"))
    return InvalidArgument("S3 endpoint must start with http:// or https://: '" + options.endpoint +
                           "'");
  if (options.bucket.empty()) return InvalidArgument("S3 bucket name is empty");
  if (options.access_key.empty() || options.secret_key.empty())
    return InvalidArgument("no S3 credentials for bucket '" + options.bucket +
                           "': set the access and secret key (flags, config file or "
                           "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)");
  if (options.part_size < kMinPartSize || options.part_size > kMaxPartSize)
    return InvalidArgument("S3 part size must be between 5 MiB and 5 GiB, got " +
                           std::to_string(options.part_size));
  if (options.parallel_parts < 1) return InvalidArgument("S3 parallel_parts must be >= 1");
  if (options.retry_budget_seconds < 0) return InvalidArgument("S3 retry budget is negative");
  std::string_view prefix = options.prefix;
  while (prefix.starts_with('/')) prefix.remove_prefix(1);
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  if (!prefix.empty()) {
    Status st = ValidateKey(prefix);
    if (!st.ok()) return InvalidArgument("invalid S3 prefix '" + options.prefix + "'");
  }
  options.prefix = std::string(prefix);
  std::unique_ptr<S3ObjectStore> store(new S3ObjectStore(std::move(options), std::move(transport)));
  RETURN_IF_ERROR(store->CheckBucket());
  RETURN_IF_ERROR(store->ProbeConditionalPut());
  return store;
}

S3ObjectStore::S3ObjectStore(S3Options options, std::unique_ptr<s3::HttpTransport> transport)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      part_pool_(static_cast<size_t>(options_.parallel_parts)) {
  if (!options_.prefix.empty()) prefix_ = options_.prefix + "/";
  size_t scheme_end = options_.endpoint.find("://");
  scheme_ = options_.endpoint.substr(0, scheme_end);
  std::string rest = options_.endpoint.substr(scheme_end + 3);
  authority_ = rest.substr(0, rest.find('/'));
}

S3ObjectStore::~S3ObjectStore() = default;

std::string S3ObjectStore::Describe() const {
  return "s3://" + options_.bucket + "/" + prefix_ + " at " + scheme_ + "://" + authority_ +
         (options_.virtual_host ? " (virtual-host" : " (path-style") + ", region " +
         options_.region +
         (conditional_put_ ? ", PutIfAbsent via If-None-Match)"
                           : ", PutIfAbsent emulated by HEAD then PUT: not atomic)");
}

S3Stats S3ObjectStore::Stats() const {
  auto read = [this](Kind kind) {
    const AtomicStats& s = stats_[static_cast<int>(kind)];
    return S3RequestStats{s.requests.load(), s.errors.load(), s.bytes_sent.load(),
                          s.bytes_received.load()};
  };
  S3Stats out;
  out.put = read(Kind::kPut);
  out.get = read(Kind::kGet);
  out.head = read(Kind::kHead);
  out.list = read(Kind::kList);
  out.del = read(Kind::kDelete);
  out.retries = retries_.load();
  return out;
}

Result<HttpResponse> S3ObjectStore::SendOnce(const Call& call) {
  std::string host = options_.virtual_host ? options_.bucket + "." + authority_ : authority_;
  std::string path = options_.virtual_host ? "/" : "/" + options_.bucket;
  if (!call.object.empty()) {
    if (!options_.virtual_host) path += "/";
    path += s3::UriEncode(call.object, false);
  }
  std::string amz_date = s3::FormatAmzDate(std::chrono::system_clock::now());
  s3::SigV4Request sig;
  sig.method = call.method;
  sig.canonical_uri = path;
  sig.query = call.query;
  sig.payload_hash = s3::Sha256Hex(call.body);
  sig.headers = call.headers;
  sig.headers.emplace_back("Host", host);
  sig.headers.emplace_back("x-amz-date", amz_date);
  sig.headers.emplace_back("x-amz-content-sha256", sig.payload_hash);
  if (!options_.session_token.empty())
    sig.headers.emplace_back("x-amz-security-token", options_.session_token);
  s3::SigV4Credentials creds{options_.access_key, options_.secret_key, options_.session_token};

  s3::HttpRequest request;
  request.method = call.method;
  request.url = scheme_ + "://" + host + path;
  std::string query = s3::CanonicalQueryString(call.query);
  if (!query.empty()) request.url += "?" + query;
  request.headers = sig.headers;
  request.headers.emplace_back("Authorization",
                               s3::Authorization(sig, creds, options_.region, "s3", amz_date));
  request.body = call.body;

  AtomicStats& stats = stats_[static_cast<int>(call.kind)];
  stats.requests++;
  stats.bytes_sent += static_cast<int64_t>(call.body.size());
  Result<HttpResponse> response = transport_->Send(request);
  if (response.ok()) stats.bytes_received += static_cast<int64_t>(response->body.size());
  if (!response.ok() || !Is2xx(response->status)) stats.errors++;
  return response;
}

Result<HttpResponse> S3ObjectStore::Execute(const Call& call) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options_.retry_budget_seconds));
  // While the service is known to be down, one attempt per call: callers get their
  // Unavailable at once instead of each waiting out a full budget.
  const bool single_attempt = unreachable_.load();
  Status last;
  for (int attempt = 0;; ++attempt) {
    Result<HttpResponse> response = SendOnce(call);
    if (response.ok() && !RetriableResponse(*response)) {
      unreachable_.store(false);
      return response;
    }
    if (!response.ok() && !response.status().retriable()) return response.status();
    last = response.ok() ? ErrorFor(*response, call) : response.status();
    if (single_attempt) break;
    auto backoff = std::min<Clock::duration>(kBackoffCap,
                                             kBackoffBase * (int64_t{1} << std::min(attempt, 20)));
    // Equal jitter: half fixed, half random, so clients that failed together spread out.
    auto half = backoff / 2;
    auto delay = half + Clock::duration(RandomU64() % static_cast<uint64_t>(half.count() + 1));
    if (Clock::now() + delay > deadline) break;
    std::this_thread::sleep_for(delay);
    retries_++;
  }
  unreachable_.store(true);
  double spent = std::chrono::duration<double>(Clock::now() - start).count();
  return Unavailable("S3 " + call.method + " " + (call.object.empty() ? "bucket" : call.object) +
                     " on bucket '" + options_.bucket + "' at " + options_.endpoint +
                     " still failing after " + std::to_string(spent).substr(0, 5) +
                     " s; last error: " + std::string(last.message()));
}

Status S3ObjectStore::ErrorFor(const HttpResponse& response, const Call& call) const {
  std::string code = s3::XmlText(response.body, "Code");
  std::string message = s3::XmlText(response.body, "Message").substr(0, 200);
  std::string what = "S3 " + call.method + " " +
                     (call.object.empty() ? std::string("bucket") : "'" + call.object + "'") +
                     " (bucket '" + options_.bucket + "' at " + options_.endpoint + "): HTTP " +
                     std::to_string(response.status) + (code.empty() ? "" : " " + code) +
                     (message.empty() ? "" : " (" + message + ")");
  int status = response.status;
  if (status == 403) {
    if (code == "InvalidAccessKeyId")
      return Status(StatusCode::kPermissionDenied,
                    what +
                        ": the service does not know this access key; check the access key "
                        "(flag, config file or AWS_ACCESS_KEY_ID)");
    if (code == "SignatureDoesNotMatch")
      return Status(StatusCode::kPermissionDenied,
                    what +
                        ": check the secret key (flag, config file or "
                        "AWS_SECRET_ACCESS_KEY) and the region");
    if (code == "RequestTimeTooSkewed")
      return Status(StatusCode::kPermissionDenied, what + ": check this machine's clock");
    return Status(StatusCode::kPermissionDenied,
                  what +
                      ": check the credentials, the region and that they may use this "
                      "bucket and prefix");
  }
  if (status == 404) {
    if (code == "NoSuchBucket" || (code.empty() && call.object.empty()))
      return FailedPrecondition(what +
                                ": the bucket does not exist; check the bucket name and "
                                "the endpoint, or enable bucket creation");
    if (code == "NoSuchUpload") return FailedPrecondition(what + ": the multipart upload is gone");
    return NotFound(what + ": no such object");
  }
  if (status == 416) return OutOfRange(what);
  if (status == 301 || status == 307 || code == "AuthorizationHeaderMalformed")
    return FailedPrecondition(what +
                              ": the bucket lives elsewhere; check the region and "
                              "path-style versus virtual-host addressing");
  if (status == 400 || status == 405 || status == 411 || status == 413)
    return InvalidArgument(what);
  if (status == 501) return Unimplemented(what);
  if (RetriableResponse(response)) return Unavailable(what);
  return Internal(what);
}

Status S3ObjectStore::CheckBucket() {
  Call head{Kind::kHead, "HEAD", "", {}, {}, {}};
  ASSIGN_OR_RETURN(HttpResponse response, Execute(head));
  if (Is2xx(response.status)) return Status::Ok();
  if (response.status == 404 && options_.create_bucket) {
    std::string body;
    if (options_.region != "us-east-1")
      body = "<CreateBucketConfiguration><LocationConstraint>" + s3::XmlEscape(options_.region) +
             "</LocationConstraint></CreateBucketConfiguration>";
    Call create{Kind::kPut, "PUT", "", {}, {}, body};
    ASSIGN_OR_RETURN(HttpResponse created, Execute(create));
    // Another process may have created it first; that bucket is just as good.
    if (Is2xx(created.status) || s3::XmlText(created.body, "Code") == "BucketAlreadyOwnedByYou")
      return Status::Ok();
    return ErrorFor(created, create);
  }
  // HEAD answers carry no body, so ask again with a GET whose error names the cause
  // (SignatureDoesNotMatch, InvalidAccessKeyId, NoSuchBucket, ...).
  Call list{Kind::kList, "GET", "", {{"list-type", "2"}, {"max-keys", "1"}}, {}, {}};
  Result<HttpResponse> detail = Execute(list);
  if (detail.ok() && !Is2xx(detail->status)) return ErrorFor(*detail, list);
  return ErrorFor(response, head);
}

Status S3ObjectStore::ProbeConditionalPut() {
  // Write a fresh object twice with If-None-Match: *; a service that honours the header
  // refuses the second write with 412. RGW releases differ, so this is detected, not assumed.
  std::string probe = prefix_ + ".strata-probe-" + s3::HexEncode(std::to_string(RandomU64()));
  Call put{Kind::kPut, "PUT", probe, {}, {{"If-None-Match", "*"}}, "probe"};
  ASSIGN_OR_RETURN(HttpResponse first, Execute(put));
  if (!Is2xx(first.status)) return ErrorFor(first, put);
  ASSIGN_OR_RETURN(HttpResponse second, Execute(put));
  conditional_put_ = second.status == 412;
  Call del{Kind::kDelete, "DELETE", probe, {}, {}, {}};
  ASSIGN_OR_RETURN(HttpResponse deleted, Execute(del));
  if (!Is2xx(deleted.status) && deleted.status != 404) return ErrorFor(deleted, del);
  return Status::Ok();
}

Status S3ObjectStore::PutObject(const std::string& object, std::string_view data, bool if_absent) {
  Call call{Kind::kPut, "PUT", object, {}, {}, data};
  if (if_absent) call.headers.emplace_back("If-None-Match", "*");
  ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  if (Is2xx(response.status)) return Status::Ok();
  if (if_absent && response.status == 412)
    return AlreadyExists("object already exists: " + object + " in s3://" + options_.bucket);
  return ErrorFor(response, call);
}

Status S3ObjectStore::Put(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (static_cast<int64_t>(data.size()) <= options_.part_size)
    return PutObject(FullKey(key), data, false);
  return PutMultipart(key, data);
}

Status S3ObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (conditional_put_) return PutObject(FullKey(key), data, true);
  // Emulation: two writers can both see "absent" and both write; the last one wins.
  Result<ObjectInfo> existing = Head(key);
  if (existing.ok())
    return AlreadyExists("object already exists: " + FullKey(key) + " in s3://" + options_.bucket);
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  return PutObject(FullKey(key), data, false);
}

Result<std::string> S3ObjectStore::Get(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  const std::string object = FullKey(key);
  // Replaced between two of its ranges (412 on If-Match): read it again, a bounded number of
  // times. Strata's own large objects are written once, so this is for foreign writers.
  for (int attempt = 0;; ++attempt) {
    Result<std::string> got = GetInRanges(object);
    if (got.ok() || got.status().code() != StatusCode::kAborted || attempt == 2) return got;
  }
}

Result<std::string> S3ObjectStore::GetInRanges(const std::string& object) {
  // The first part_size bytes: for most objects that is all of them, in one request as a
  // plain GET would be; for larger ones the answer also gives the size and ETag, and the rest
  // arrives in part_size ranges, parallel_parts at once (as awscli does: one stream from RGW
  // is far slower than several), each pinned to the same version with If-Match.
  const int64_t part = options_.part_size;
  auto range = [](int64_t first, int64_t length) {
    return "bytes=" + std::to_string(first) + "-" + std::to_string(first + length - 1);
  };
  Call call{Kind::kGet, "GET", object, {}, {{"Range", range(0, part)}}, {}};
  ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  if (response.status == 200) return std::move(response.body);  // Range ignored: all of it
  if (response.status == 416) {
    // An empty object has no byte 0; a plain GET answers for it.
    Call plain{Kind::kGet, "GET", object, {}, {}, {}};
    ASSIGN_OR_RETURN(response, Execute(plain));
    if (response.status != 200) return ErrorFor(response, plain);
    return std::move(response.body);
  }
  if (response.status != 206) return ErrorFor(response, call);
  std::string_view content_range = response.Header("content-range");
  size_t slash = content_range.rfind('/');
  std::optional<int64_t> total =
      slash == std::string_view::npos ? std::nullopt : ParseInt(content_range.substr(slash + 1));
  if (!total || *total < static_cast<int64_t>(response.body.size()))
    return Internal("S3 GET '" + object + "' at " + options_.endpoint +
                    ": missing or bad Content-Range '" + std::string(content_range) + "'");
  if (*total == static_cast<int64_t>(response.body.size())) return std::move(response.body);

  std::string out;
  s3::ReserveBody(&out, static_cast<size_t>(*total));
  out.append(response.body);
  response.body = std::string();
  const std::string etag(response.Header("etag"));
  struct Pending {
    int64_t length;
    std::future<Result<HttpResponse>> answer;
  };
  std::deque<Pending> inflight;
  int64_t next = static_cast<int64_t>(out.size());
  Status failure;
  while (failure.ok() && (next < *total || !inflight.empty())) {
    while (next < *total && static_cast<int>(inflight.size()) < options_.parallel_parts) {
      int64_t length = std::min(part, *total - next);
      Call piece{Kind::kGet, "GET", object, {}, {{"Range", range(next, length)}}, {}};
      if (!etag.empty()) piece.headers.emplace_back("If-Match", etag);
      inflight.push_back(
          {length, part_pool_.Submit([this, piece = std::move(piece)] { return Execute(piece); })});
      next += length;
    }
    Pending pending = std::move(inflight.front());
    inflight.pop_front();
    Result<HttpResponse> piece = pending.answer.get();
    if (!piece.ok()) {
      failure = piece.status();
    } else if (piece->status == 412) {
      failure = Status(StatusCode::kAborted,
                       "S3 object '" + object + "' changed while it was being read");
    } else if (piece->status != 206 || static_cast<int64_t>(piece->body.size()) != pending.length) {
      if (piece->status == 206) piece->status = 500;  // a short range: a server fault
      failure = ErrorFor(*piece, Call{Kind::kGet, "GET", object, {}, {}, {}});
    } else {
      out.append(piece->body);
    }
  }
  // Tasks use this store: none may outlive the call.
  for (Pending& pending : inflight) (void)pending.answer.get();
  if (!failure.ok()) return failure;
  return out;
}

Result<std::string> S3ObjectStore::GetRange(std::string_view key, int64_t offset, int64_t length) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (offset < 0 || length < 0)
    return InvalidArgument("negative range " + std::to_string(offset) + "+" +
                           std::to_string(length) + " for " + std::string(key));
  auto clip_at_size = [&]() -> Result<std::string> {
    // S3 answers 416 for a range starting at or past the end (and for any range of an
    // empty object); the contract wants "" at the end and OutOfRange only past it.
    ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
    if (offset > info.size)
      return OutOfRange("offset " + std::to_string(offset) + " is past the end of " +
                        std::string(key) + " (size " + std::to_string(info.size) + ")");
    return std::string();
  };
  if (length == 0) return clip_at_size();
  int64_t last = offset + std::min(length, INT64_MAX - offset) - 1;
  Call call{Kind::kGet,
            "GET",
            FullKey(key),
            {},
            {{"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(last)}},
            {}};
  ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  if (response.status == 206) return std::move(response.body);
  if (response.status == 200) {  // the server ignored Range and sent everything
    if (offset > static_cast<int64_t>(response.body.size())) return clip_at_size();
    return response.body.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  }
  if (response.status == 416) return clip_at_size();
  return ErrorFor(response, call);
}

Result<ObjectInfo> S3ObjectStore::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  Call call{Kind::kHead, "HEAD", FullKey(key), {}, {}, {}};
  ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  if (response.status != 200) return ErrorFor(response, call);
  std::optional<int64_t> size = ParseInt(response.Header("content-length"));
  std::optional<int64_t> mtime = s3::ParseHttpDateMs(response.Header("last-modified"));
  if (!size || !mtime)
    return Internal("S3 HEAD '" + call.object + "' at " + options_.endpoint +
                    ": missing or bad Content-Length or Last-Modified");
  return ObjectInfo{std::string(key), *size, *mtime};
}

Result<std::vector<ObjectInfo>> S3ObjectStore::List(std::string_view prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  do {
    Call call{
        Kind::kList, "GET",
        "",          {{"list-type", "2"}, {"prefix", FullKey(prefix)}, {"encoding-type", "url"}},
        {},          {}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
    if (response.status != 200) return ErrorFor(response, call);
    for (std::string_view entry : s3::XmlFindAll(response.body, "Contents")) {
      std::string full = DecodeListedKey(s3::XmlFind(entry, "Key").value_or(""));
      std::optional<int64_t> size = ParseInt(s3::XmlText(entry, "Size"));
      std::optional<int64_t> mtime = s3::ParseIso8601Ms(s3::XmlText(entry, "LastModified"));
      if (!full.starts_with(prefix_) || !size || !mtime)
        return Internal("S3 list of s3://" + options_.bucket + "/" + FullKey(prefix) +
                        " returned a malformed entry");
      out.push_back(ObjectInfo{full.substr(prefix_.size()), *size, *mtime});
    }
    bool truncated = s3::XmlText(response.body, "IsTruncated") == "true";
    std::string next = s3::XmlText(response.body, "NextContinuationToken");
    if (truncated && (next.empty() || next == token))
      return Internal("S3 list of s3://" + options_.bucket + "/" + FullKey(prefix) +
                      " is truncated without a new continuation token");
    token = truncated ? next : std::string();
  } while (!token.empty());
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Status S3ObjectStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  Call call{Kind::kDelete, "DELETE", FullKey(key), {}, {}, {}};
  ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  if (Is2xx(response.status)) return Status::Ok();
  if (response.status == 404 && s3::XmlText(response.body, "Code") != "NoSuchBucket")
    return Status::Ok();
  return ErrorFor(response, call);
}

Status S3ObjectStore::DeleteMany(std::span<const std::string> keys) {
  for (const auto& key : keys) RETURN_IF_ERROR(ValidateKey(key));
  for (size_t begin = 0; begin < keys.size(); begin += kDeleteBatch) {
    size_t end = std::min(keys.size(), begin + kDeleteBatch);
    std::string body = "<Delete><Quiet>true</Quiet>";
    for (size_t i = begin; i < end; ++i)
      body += "<Object><Key>" + s3::XmlEscape(FullKey(keys[i])) + "</Key></Object>";
    body += "</Delete>";
    // DeleteObjects requires an integrity header; Content-MD5 is the one every S3 has.
    Call call{Kind::kDelete, "POST", "", {{"delete", ""}}, {{"Content-MD5", s3::Md5Base64(body)}},
              body};
    ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
    if (!Is2xx(response.status)) return ErrorFor(response, call);
    for (std::string_view error : s3::XmlFindAll(response.body, "Error")) {
      std::string code = s3::XmlText(error, "Code");
      if (code == "NoSuchKey") continue;
      return Status(
          code == "AccessDenied" ? StatusCode::kPermissionDenied : StatusCode::kUnavailable,
          "S3 DeleteObjects on bucket '" + options_.bucket + "' at " + options_.endpoint +
              " failed for '" + s3::XmlText(error, "Key") + "': " + code + " " +
              s3::XmlText(error, "Message").substr(0, 200));
    }
  }
  return Status::Ok();
}
}  // namespace strata
