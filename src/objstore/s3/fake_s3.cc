#include "objstore/s3/fake_s3.h"

#include <algorithm>

#include "common/hybrid_clock.h"
#include "objstore/s3/http_time.h"
#include "objstore/s3/sigv4.h"
#include "objstore/s3/xml.h"

namespace strata::s3 {
namespace {

HttpResponse Error(int status, const std::string& code) {
  HttpResponse r;
  r.status = status;
  r.body = "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>fake " + code +
           "</Message></Error>";
  return r;
}

HttpResponse Ok(int status = 200, std::string body = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string QueryValue(const HeaderList& query, const std::string& name) {
  for (const auto& [n, v] : query)
    if (n == name) return v;
  return {};
}

bool HasQuery(const HeaderList& query, const std::string& name) {
  return std::any_of(query.begin(), query.end(), [&](const auto& p) { return p.first == name; });
}

std::string RequestHeader(const HttpRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (n.size() != name.size()) continue;
    if (std::equal(n.begin(), n.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return v;
  }
  return {};
}

class FakeTransport : public HttpTransport {
 public:
  explicit FakeTransport(FakeS3* server) : server_(server) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    return server_->Handle(request);
  }

 private:
  FakeS3* server_;
};

}  // namespace

FakeS3::FakeS3(std::string access_key, std::string secret_key, std::string region)
    : access_key_(std::move(access_key)),
      secret_key_(std::move(secret_key)),
      region_(std::move(region)) {}

std::unique_ptr<HttpTransport> FakeS3::NewTransport() {
  return std::make_unique<FakeTransport>(this);
}

void FakeS3::CreateBucket(const std::string& bucket) {
  std::lock_guard<std::mutex> lock(mu_);
  buckets_[bucket];
}
void FakeS3::SetFault(Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  fault_ = std::move(fault);
}
void FakeS3::set_honor_if_none_match(bool honor) {
  std::lock_guard<std::mutex> lock(mu_);
  honor_if_none_match_ = honor;
}
void FakeS3::set_list_page_size(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  list_page_size_ = n;
}
std::vector<std::string> FakeS3::Keys(const std::string& bucket) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> keys;
  for (const auto& [key, value] : buckets_[bucket]) keys.push_back(key);
  return keys;
}
size_t FakeS3::open_uploads() {
  std::lock_guard<std::mutex> lock(mu_);
  return uploads_.size();
}
size_t FakeS3::aborted_uploads() {
  std::lock_guard<std::mutex> lock(mu_);
  return aborted_;
}
std::vector<std::string> FakeS3::log() {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

Result<HttpResponse> FakeS3::Handle(const HttpRequest& request) {
  // Split "http://host/path?query" the way a server sees it.
  size_t scheme = request.url.find("://");
  size_t path_start = request.url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path_start == std::string::npos) return InvalidArgument("fake: bad url " + request.url);
  std::string target = request.url.substr(path_start);
  size_t qmark = target.find('?');
  std::string path = target.substr(0, qmark);
  HeaderList query;
  if (qmark != std::string::npos) {
    std::string_view q = std::string_view(target).substr(qmark + 1);
    while (!q.empty()) {
      size_t amp = q.find('&');
      std::string_view pair = q.substr(0, amp);
      size_t eq = pair.find('=');
      query.emplace_back(UriDecode(pair.substr(0, eq)),
                         eq == std::string_view::npos ? "" : UriDecode(pair.substr(eq + 1)));
      q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  log_.push_back(request.method + " " + target);
  if (fault_) {
    if (auto injected = fault_(request)) return *injected;
  }
  if (auto bad = CheckSignature(request, path, query)) return *bad;
  std::string decoded = UriDecode(path.substr(1));
  size_t slash = decoded.find('/');
  std::string bucket = decoded.substr(0, slash);
  std::string key = slash == std::string::npos ? "" : decoded.substr(slash + 1);
  return Serve(request.method, bucket, key, query, request);
}

std::optional<HttpResponse> FakeS3::CheckSignature(const HttpRequest& request,
                                                   const std::string& path,
                                                   const HeaderList& query) {
  std::string auth = RequestHeader(request, "Authorization");
  std::string date = RequestHeader(request, "x-amz-date");
  SigV4Request sig{request.method, path, query, {}, RequestHeader(request, "x-amz-content-sha256")};
  for (const auto& header : request.headers)
    if (header.first != "Authorization") sig.headers.push_back(header);
  if (sig.payload_hash != Sha256Hex(request.body)) return Error(400, "XAmzContentSHA256Mismatch");
  if (auth.find("Credential=" + access_key_ + "/") == std::string::npos)
    return Error(403, "InvalidAccessKeyId");
  SigV4Credentials creds{access_key_, secret_key_, ""};
  if (date.size() < 8 || auth != Authorization(sig, creds, region_, "s3", date))
    return Error(403, "SignatureDoesNotMatch");
  return std::nullopt;
}

HttpResponse FakeS3::Serve(const std::string& method, const std::string& bucket,
                           const std::string& key, const HeaderList& query,
                           const HttpRequest& request) {
  bool exists = buckets_.count(bucket) > 0;
  if (key.empty()) {
    if (method == "PUT") {
      if (exists) return Error(409, "BucketAlreadyOwnedByYou");
      buckets_[bucket];
      return Ok();
    }
    if (!exists) return method == "HEAD" ? Ok(404) : Error(404, "NoSuchBucket");
    if (method == "HEAD") return Ok();
    if (method == "GET" && QueryValue(query, "list-type") == "2") return List(bucket, query);
    if (method == "GET" && HasQuery(query, "uploads")) return ListUploads(bucket, query);
    if (method == "POST" && HasQuery(query, "delete")) {
      if (RequestHeader(request, "Content-MD5") != Md5Base64(request.body))
        return Error(400, "InvalidDigest");
      for (std::string_view object : XmlFindAll(request.body, "Object"))
        buckets_[bucket].erase(XmlText(object, "Key"));
      return Ok(200, "<DeleteResult></DeleteResult>");
    }
    return Error(400, "InvalidRequest");
  }
  if (!exists) return Error(404, "NoSuchBucket");
  return ServeObject(method, bucket, key, query, request);
}

HttpResponse FakeS3::ServeObject(const std::string& method, const std::string& bucket,
                                 const std::string& key, const HeaderList& query,
                                 const HttpRequest& request) {
  auto& objects = buckets_[bucket];
  std::string upload_id = QueryValue(query, "uploadId");
  auto upload = uploads_.find(upload_id);
  if (!upload_id.empty() && (upload == uploads_.end() || upload->second.key != key))
    return Error(404, "NoSuchUpload");
  auto it = objects.find(key);
  if (method == "PUT" && !upload_id.empty()) {
    int number = std::stoi(QueryValue(query, "partNumber"));
    upload->second.parts[number] = std::string(request.body);
    HttpResponse r = Ok();
    r.headers.emplace_back("etag", "\"" + Sha256Hex(request.body).substr(0, 32) + "\"");
    return r;
  }
  if (method == "PUT") {
    if (honor_if_none_match_ && RequestHeader(request, "If-None-Match") == "*" &&
        it != objects.end())
      return Error(412, "PreconditionFailed");
    objects[key] = std::string(request.body);
    mtimes_[bucket][key] = static_cast<int64_t>(WallClockMs());
    return Ok();
  }
  if (method == "POST" && HasQuery(query, "uploads")) {
    uint64_t number = next_upload_++;
    std::string id = "upload-" + std::to_string(number);
    uploads_[id] = Upload{bucket, key, {}, number, static_cast<int64_t>(WallClockMs())};
    return Ok(200, "<InitiateMultipartUploadResult><UploadId>" + id +
                       "</UploadId></InitiateMultipartUploadResult>");
  }
  if (method == "POST" && !upload_id.empty()) {
    std::string data;
    int expected = 1;
    for (std::string_view part : XmlFindAll(request.body, "Part")) {
      int number = std::stoi(XmlText(part, "PartNumber"));
      auto found = upload->second.parts.find(number);
      if (number != expected++ || found == upload->second.parts.end() ||
          XmlText(part, "ETag") != "\"" + Sha256Hex(found->second).substr(0, 32) + "\"")
        return Error(400, "InvalidPart");
      data += found->second;
    }
    objects[key] = std::move(data);
    mtimes_[bucket][key] = static_cast<int64_t>(WallClockMs());
    uploads_.erase(upload);
    // Like RGW 16: a success with an empty ETag.
    return Ok(200, "<CompleteMultipartUploadResult><ETag></ETag></CompleteMultipartUploadResult>");
  }
  if (method == "DELETE" && !upload_id.empty()) {
    uploads_.erase(upload);
    aborted_++;
    return Ok(204);
  }
  if (method == "DELETE") {
    if (it != objects.end()) objects.erase(it);
    return Ok(204);
  }
  if (it == objects.end()) return method == "HEAD" ? Ok(404) : Error(404, "NoSuchKey");
  const std::string& data = it->second;
  const std::string etag = "\"" + Sha256Hex(data).substr(0, 32) + "\"";
  if (method == "HEAD") {
    HttpResponse r = Ok();
    r.headers.emplace_back("content-length", std::to_string(data.size()));
    r.headers.emplace_back("etag", etag);
    r.headers.emplace_back("last-modified", FormatHttpDate(mtimes_[bucket][key]));
    return r;
  }
  std::string range = RequestHeader(request, "Range");
  if (method != "GET") return Error(405, "MethodNotAllowed");
  std::string if_match = RequestHeader(request, "If-Match");
  if (!if_match.empty() && if_match != etag) return Error(412, "PreconditionFailed");
  HttpResponse r = Ok(200, data);
  if (!range.empty()) {
    size_t dash = range.find('-');
    uint64_t first = std::stoull(range.substr(6, dash - 6));
    uint64_t last = std::min<uint64_t>(std::stoull(range.substr(dash + 1)), data.size() - 1);
    if (first >= data.size()) return Error(416, "InvalidRange");
    r = Ok(206, data.substr(first, last - first + 1));
    r.headers.emplace_back("content-range", "bytes " + std::to_string(first) + "-" +
                                                std::to_string(last) + "/" +
                                                std::to_string(data.size()));
  }
  r.headers.emplace_back("etag", etag);
  return r;
}

HttpResponse FakeS3::List(const std::string& bucket, const HeaderList& query) {
  std::string prefix = QueryValue(query, "prefix");
  std::string after = QueryValue(query, "continuation-token");
  bool url = QueryValue(query, "encoding-type") == "url";
  const auto& objects = buckets_[bucket];
  const auto& mtimes = mtimes_[bucket];
  std::string body = "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  size_t count = 0;
  std::string last;
  bool truncated = false;
  for (auto it = after.empty() ? objects.lower_bound(prefix) : objects.upper_bound(after);
       it != objects.end() && it->first.starts_with(prefix); ++it) {
    if (count == list_page_size_) {
      truncated = true;
      break;
    }
    std::string key = it->first;
    if (url) {  // as AWS does: %XX escapes, spaces as '+'
      std::string encoded;
      for (char c : key)
        encoded += c == ' ' ? std::string("+") : UriEncode(std::string(1, c), true);
      key = encoded;
    }
    body += "<Contents><Key>" + XmlEscape(key) + "</Key><LastModified>" +
            FormatIso8601Ms(mtimes.at(it->first)) + "</LastModified><Size>" +
            std::to_string(it->second.size()) + "</Size></Contents>";
    last = it->first;
    count++;
  }
  body += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
  if (truncated) body += "<NextContinuationToken>" + XmlEscape(last) + "</NextContinuationToken>";
  return Ok(200, body + "</ListBucketResult>");
}

// Sorted by key, then by when they began, as S3 does; a page resumes after the pair
// (key-marker, upload-id-marker).
HttpResponse FakeS3::ListUploads(const std::string& bucket, const HeaderList& query) {
  const std::string prefix = QueryValue(query, "prefix");
  const std::string key_marker = QueryValue(query, "key-marker");
  auto marker = uploads_.find(QueryValue(query, "upload-id-marker"));
  const uint64_t number_marker = marker == uploads_.end() ? 0 : marker->second.number;
  std::map<std::pair<std::string, uint64_t>, const std::pair<const std::string, Upload>*> sorted;
  for (const auto& entry : uploads_) {
    const Upload& u = entry.second;
    if (u.bucket != bucket || !u.key.starts_with(prefix)) continue;
    if (!key_marker.empty() && std::pair(u.key, u.number) <= std::pair(key_marker, number_marker))
      continue;
    sorted[{u.key, u.number}] = &entry;
  }
  std::string body =
      "<ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>" +
      bucket + "</Bucket>";
  size_t count = 0;
  const std::pair<const std::string, Upload>* last = nullptr;
  for (const auto& [order, entry] : sorted) {
    if (count == list_page_size_) break;
    body += "<Upload><Key>" + XmlEscape(entry->second.key) + "</Key><UploadId>" + entry->first +
            "</UploadId><Initiated>" + FormatIso8601Ms(entry->second.initiated_ms) +
            "</Initiated><StorageClass>STANDARD</StorageClass></Upload>";
    last = entry;
    count++;
  }
  const bool truncated = count < sorted.size();
  body += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
  if (truncated)
    body += "<NextKeyMarker>" + XmlEscape(last->second.key) +
            "</NextKeyMarker><NextUploadIdMarker>" + last->first + "</NextUploadIdMarker>";
  return Ok(200, body + "</ListMultipartUploadsResult>");
}

}  // namespace strata::s3
