#include "objstore/object_store.h"

#include <cstdlib>

#include "objstore/local_store.h"
#include "objstore/memory_store.h"
#include "objstore/s3/s3_store.h"

namespace strata {

Status ValidateKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("empty object key");
  if (key.front() == '/') return InvalidArgument("object key starts with '/': " + std::string(key));
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..")
      return InvalidArgument("invalid object key: " + std::string(key));
    start = end + 1;
  }
  return Status::Ok();
}

namespace {

std::string OrEnv(const std::string& value, const char* env, std::string fallback = "") {
  if (!value.empty()) return value;
  const char* from_env = std::getenv(env);
  return from_env != nullptr && from_env[0] != '\0' ? from_env : fallback;
}

Result<std::unique_ptr<ObjectStore>> OpenS3(std::string_view uri, const StorageOptions& options) {
  std::string_view rest = uri.substr(std::string_view("s3://").size());
  size_t slash = rest.find('/');
  S3Options s3;
  s3.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) s3.prefix = std::string(rest.substr(slash + 1));
  if (s3.bucket.empty()) return InvalidArgument("s3:// URI without a bucket: " + std::string(uri));
  s3.region = OrEnv(options.s3_region, "AWS_REGION", "us-east-1");
  s3.endpoint =
      OrEnv(options.s3_endpoint, "AWS_ENDPOINT_URL", "https://s3." + s3.region + ".amazonaws.com");
  s3.virtual_host = options.s3_virtual_host;
  s3.ca_file = options.s3_ca_file;
  s3.insecure = options.s3_insecure;
  s3.create_bucket = options.s3_create_bucket;
  s3.retry_budget_seconds = options.s3_retry_budget_seconds;
  // Flags and config win over the environment, but as a pair: a key from one source and
  // a secret from another would only produce a confusing SignatureDoesNotMatch.
  if (!options.s3_access_key.empty() || !options.s3_secret_key.empty()) {
    s3.access_key = options.s3_access_key;
    s3.secret_key = options.s3_secret_key;
    s3.session_token = options.s3_session_token;
  } else {
    s3.access_key = OrEnv("", "AWS_ACCESS_KEY_ID");
    s3.secret_key = OrEnv("", "AWS_SECRET_ACCESS_KEY");
    s3.session_token = OrEnv(options.s3_session_token, "AWS_SESSION_TOKEN");
  }
  ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(std::move(s3)));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri) {
  return OpenObjectStore(uri, StorageOptions{});
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri,
                                                     const StorageOptions& options) {
  if (uri.starts_with("s3://")) return OpenS3(uri, options);
  if (uri == "mem://") return std::unique_ptr<ObjectStore>(std::make_unique<MemoryObjectStore>());
  std::string_view path = uri;
  if (uri.starts_with("file://")) {
    path.remove_prefix(std::string_view("file://").size());
    // file://host/path is not supported: only local absolute paths.
    if (!path.starts_with('/'))
      return InvalidArgument("file:// URI needs an absolute path: " + std::string(uri));
  } else if (uri.find("://") != std::string_view::npos) {
    return InvalidArgument("unsupported storage URI: " + std::string(uri));
  }
  if (path.empty()) return InvalidArgument("empty storage URI");
  ASSIGN_OR_RETURN(auto store, LocalObjectStore::Open(path));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace strata
