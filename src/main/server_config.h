// Server settings: defaults, overridden by the YAML config file, overridden by flags.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "objstore/object_store.h"

namespace strata {

struct ServerConfig {
  std::string storage = "./data";  // folder path or URI
  std::string listen = "127.0.0.1";
  int grpc_port = 19530;
  int http_port = 9091;
  std::string log_level = "info";
  int threads = 0;                 // 0 = one per core
  StorageOptions storage_options;  // S3 endpoint, region, credentials, TLS
  // Local read cache for column, delta, stats and index files. Empty: kDefaultS3CacheDir
  // for s3:// storage, no cache for a local folder (reading it again gains nothing).
  std::string cache_dir;
  int64_t cache_size = int64_t{4} << 30;  // bytes; 0 turns the cache off
  // Growing data is sealed without a client Flush once this much is unflushed, or once the
  // oldest unflushed write is this old (engine/auto_flush.h); 0 turns a trigger off.
  int64_t seal_size_mb = 128;
  int64_t seal_age_seconds = 600;
  // Compaction (engine/compaction.h) merges sealed segments under half this size into ones of
  // at most this size; automatically after flushes unless auto_compaction is off.
  int64_t segment_max_size_mb = 1024;
  bool auto_compaction = true;
  // Garbage collection (engine/garbage.h): a round every gc_interval_seconds (0 = never)
  // deletes the objects no manifest names that are at least gc_min_age_seconds old.
  double gc_interval_seconds = 3600;
  int64_t gc_min_age_seconds = 3600;
};

inline constexpr const char* kDefaultS3CacheDir = "./strata-cache";

// The cache folder `config` asks for, or "" for none (see ServerConfig::cache_dir).
std::string EffectiveCacheDir(const ServerConfig& config);

// Reads the YAML file into `config`, leaving keys it does not mention unchanged. Keys:
//   storage: ./data        listen: 127.0.0.1      log_level: info     threads: 0
//   grpc: {port: 19530}    http: {port: 9091}
//   cache: {dir: ./strata-cache, size: 4294967296}
//   segment: {sealSizeMB: 128, maxAgeSeconds: 600, maxSizeMB: 1024, autoCompaction: true}
//   gc: {interval: 3600, missingTolerance: 3600}     (seconds, as Milvus's dataCoord.gc)
// and Milvus's object storage section, so an existing milvus.yaml's values carry over:
//   minio: {address: 127.0.0.1, port: 9000, accessKeyID: .., secretAccessKey: ..,
//           useSSL: false, bucketName: .., rootPath: .., useVirtualHost: false, region: ..}
// which sets storage to s3://<bucketName>/<rootPath> on http(s)://<address>:<port>.
// Unknown top-level keys are InvalidArgument (a typo should not be silently ignored).
Status LoadConfigFile(const std::string& path, ServerConfig* config);

}  // namespace strata
