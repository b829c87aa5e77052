// FakeS3: an in-memory S3 service for tests, reached through HttpTransport. It speaks the
// subset S3ObjectStore uses (bucket HEAD/PUT, object PUT/GET with Range/HEAD/DELETE,
// ListObjectsV2 with pages and url encoding, DeleteObjects, multipart, ListMultipartUploads
// with pages) and checks every
// request's SigV4 signature and payload hash with the secret it was given, so a test
// passing against it has sent what it signed. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "objstore/s3/http_client.h"

namespace strata::s3 {

class FakeS3 {
 public:
  FakeS3(std::string access_key, std::string secret_key, std::string region = "us-east-1");

  // A transport that sends to this server; the server must outlive it.
  std::unique_ptr<HttpTransport> NewTransport();

  void CreateBucket(const std::string& bucket);
  // Called before each request is served; returning a value answers the request with it
  // (an injected HTTP error or transport failure) instead of serving it.
  using Fault = std::function<std::optional<Result<HttpResponse>>(const HttpRequest&)>;
  void SetFault(Fault fault);
  // RGW releases that ignore If-None-Match behave like this when false.
  void set_honor_if_none_match(bool honor);
  void set_list_page_size(size_t n);

  // Observations.
  std::vector<std::string> Keys(const std::string& bucket);
  size_t open_uploads();
  size_t aborted_uploads();
  // "METHOD /path?query" of every request served or faulted, in order.
  std::vector<std::string> log();

  Result<HttpResponse> Handle(const HttpRequest& request);

 private:
  struct Upload {
    std::string bucket, key;
    std::map<int, std::string> parts;
    uint64_t number = 0;  // the n of "upload-<n>": orders uploads of one key
    int64_t initiated_ms = 0;
  };
  HttpResponse Serve(const std::string& method, const std::string& bucket, const std::string& key,
                     const HeaderList& query, const HttpRequest& request);
  HttpResponse ServeObject(const std::string& method, const std::string& bucket,
                           const std::string& key, const HeaderList& query,
                           const HttpRequest& request);
  HttpResponse List(const std::string& bucket, const HeaderList& query);
  HttpResponse ListUploads(const std::string& bucket, const HeaderList& query);
  std::optional<HttpResponse> CheckSignature(const HttpRequest& request, const std::string& path,
                                             const HeaderList& query);

  const std::string access_key_, secret_key_, region_;
  std::mutex mu_;
  std::map<std::string, std::map<std::string, std::string>> buckets_;
  // When each object was last written (ms since the epoch): LastModified and Last-Modified.
  std::map<std::string, std::map<std::string, int64_t>> mtimes_;
  std::map<std::string, Upload> uploads_;
  size_t aborted_ = 0;
  uint64_t next_upload_ = 1;
  Fault fault_;
  bool honor_if_none_match_ = true;
  size_t list_page_size_ = 1000;
  std::vector<std::string> log_;
};

}  // namespace strata::s3
