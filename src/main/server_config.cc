#include "main/server_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <set>

namespace strata {

namespace {

// Milvus's `minio:` section (the keys its users already have in milvus.yaml).
Status ApplyMinioSection(const YAML::Node& minio, ServerConfig* config) {
  static const std::set<std::string> kKnown = {
      "address",       "port",        "accessKeyID",    "secretAccessKey",  "useSSL",
      "bucketName",    "rootPath",    "useVirtualHost", "region",           "useIAM",
      "cloudProvider", "iamEndpoint", "logLevel",       "requestTimeoutMs", "ssl"};
  for (const auto& kv : minio) {
    auto key = kv.first.as<std::string>();
    if (!kKnown.count(key)) return InvalidArgument(fmt::format("unknown key 'minio.{}'", key));
  }
  std::string bucket = minio["bucketName"] ? minio["bucketName"].as<std::string>() : "a-bucket";
  std::string root = minio["rootPath"] ? minio["rootPath"].as<std::string>() : "files";
  config->storage = "s3://" + bucket + (root.empty() ? "" : "/" + root);
  bool ssl = minio["useSSL"] && minio["useSSL"].as<bool>();
  std::string address = minio["address"] ? minio["address"].as<std::string>() : "localhost";
  int port = minio["port"] ? minio["port"].as<int>() : 9000;
  StorageOptions& o = config->storage_options;
  o.s3_endpoint = fmt::format("{}://{}:{}", ssl ? "https" : "http", address, port);
  if (minio["accessKeyID"]) o.s3_access_key = minio["accessKeyID"].as<std::string>();
  if (minio["secretAccessKey"]) o.s3_secret_key = minio["secretAccessKey"].as<std::string>();
  if (minio["useVirtualHost"]) o.s3_virtual_host = minio["useVirtualHost"].as<bool>();
  if (minio["region"]) o.s3_region = minio["region"].as<std::string>();
  if (minio["ssl"] && minio["ssl"]["tlsCACert"])
    o.s3_ca_file = minio["ssl"]["tlsCACert"].as<std::string>();
  return Status::Ok();
}

}  // namespace

Status LoadConfigFile(const std::string& path, ServerConfig* config) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (root.IsNull()) return Status::Ok();
    if (!root.IsMap()) return InvalidArgument(fmt::format("config {}: expected a mapping", path));
    static const std::set<std::string> kKnown = {"storage",   "listen",  "grpc",  "http",
                                                 "log_level", "threads", "minio", "cache",
                                                 "segment",   "gc"};
    for (const auto& kv : root) {
      auto key = kv.first.as<std::string>();
      if (!kKnown.count(key))
        return InvalidArgument(fmt::format("config {}: unknown key '{}'", path, key));
    }
    if (root["storage"]) config->storage = root["storage"].as<std::string>();
    if (root["listen"]) config->listen = root["listen"].as<std::string>();
    if (root["log_level"]) config->log_level = root["log_level"].as<std::string>();
    if (root["threads"]) config->threads = root["threads"].as<int>();
    if (root["grpc"] && root["grpc"]["port"]) config->grpc_port = root["grpc"]["port"].as<int>();
    if (root["http"] && root["http"]["port"]) config->http_port = root["http"]["port"].as<int>();
    if (const YAML::Node minio = root["minio"]) RETURN_IF_ERROR(ApplyMinioSection(minio, config));
    if (const YAML::Node cache = root["cache"]) {
      for (const auto& kv : cache) {
        auto key = kv.first.as<std::string>();
        if (key != "dir" && key != "size")
          return InvalidArgument(fmt::format("config {}: unknown key 'cache.{}'", path, key));
      }
      if (cache["dir"]) config->cache_dir = cache["dir"].as<std::string>();
      if (cache["size"]) config->cache_size = cache["size"].as<int64_t>();
      if (config->cache_size < 0)
        return InvalidArgument(fmt::format("config {}: cache.size must not be negative", path));
    }
    if (const YAML::Node segment = root["segment"]) {
      for (const auto& kv : segment) {
        auto key = kv.first.as<std::string>();
        if (key != "sealSizeMB" && key != "maxAgeSeconds" && key != "maxSizeMB" &&
            key != "autoCompaction")
          return InvalidArgument(fmt::format("config {}: unknown key 'segment.{}'", path, key));
      }
      if (segment["sealSizeMB"]) config->seal_size_mb = segment["sealSizeMB"].as<int64_t>();
      if (segment["maxAgeSeconds"])
        config->seal_age_seconds = segment["maxAgeSeconds"].as<int64_t>();
      if (segment["maxSizeMB"]) config->segment_max_size_mb = segment["maxSizeMB"].as<int64_t>();
      if (segment["autoCompaction"]) config->auto_compaction = segment["autoCompaction"].as<bool>();
      if (config->seal_size_mb < 0 || config->seal_age_seconds < 0)
        return InvalidArgument(fmt::format("config {}: segment values must not be negative", path));
      if (config->segment_max_size_mb <= 0)
        return InvalidArgument(fmt::format("config {}: segment.maxSizeMB must be positive", path));
    }
    if (const YAML::Node gc = root["gc"]) {
      for (const auto& kv : gc) {
        auto key = kv.first.as<std::string>();
        if (key != "interval" && key != "missingTolerance")
          return InvalidArgument(fmt::format("config {}: unknown key 'gc.{}'", path, key));
      }
      if (gc["interval"]) config->gc_interval_seconds = gc["interval"].as<double>();
      if (gc["missingTolerance"]) config->gc_min_age_seconds = gc["missingTolerance"].as<int64_t>();
      if (config->gc_interval_seconds < 0 || config->gc_min_age_seconds < 0)
        return InvalidArgument(fmt::format("config {}: gc values must not be negative", path));
    }
    return Status::Ok();
  } catch (const YAML::Exception& e) {
    return InvalidArgument(fmt::format("config {}: {}", path, e.what()));
  }
}

std::string EffectiveCacheDir(const ServerConfig& config) {
  if (config.cache_size == 0) return "";
  if (!config.cache_dir.empty()) return config.cache_dir;
  return config.storage.starts_with("s3://") ? kDefaultS3CacheDir : "";
}

}  // namespace strata
