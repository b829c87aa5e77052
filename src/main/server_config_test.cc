#include "main/server_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "objstore/test_temp_dir.h"

namespace strata {
namespace {

class ServerConfigTest : public testing::Test {
 protected:
  Status Load(const std::string& yaml) {
    const std::string path = dir_.path() + "/strata.yaml";
    std::ofstream(path) << yaml;
    return LoadConfigFile(path, &config_);
  }

  TestTempDir dir_;
  ServerConfig config_;
};

TEST_F(ServerConfigTest, CacheSection) {
  Status st = Load("cache:\n  dir: /var/cache/strata\n  size: 1048576\n");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(config_.cache_dir, "/var/cache/strata");
  EXPECT_EQ(config_.cache_size, 1048576);
  EXPECT_EQ(EffectiveCacheDir(config_), "/var/cache/strata");
}

TEST_F(ServerConfigTest, CacheSectionRejectsUnknownKeysAndNegativeSize) {
  EXPECT_EQ(Load("cache:\n  folder: x\n").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Load("cache:\n  size: -1\n").code(), StatusCode::kInvalidArgument);
}

TEST_F(ServerConfigTest, SegmentSection) {
  Status st = Load("segment:\n  sealSizeMB: 16\n  maxAgeSeconds: 30\n");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(config_.seal_size_mb, 16);
  EXPECT_EQ(config_.seal_age_seconds, 30);
  EXPECT_EQ(Load("segment:\n  maxSize: 1\n").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Load("segment:\n  sealSizeMB: -1\n").code(), StatusCode::kInvalidArgument);
}

TEST_F(ServerConfigTest, SegmentSectionSetsCompaction) {
  EXPECT_EQ(config_.segment_max_size_mb, 1024);
  EXPECT_TRUE(config_.auto_compaction);
  Status st = Load("segment:\n  maxSizeMB: 256\n  autoCompaction: false\n");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(config_.segment_max_size_mb, 256);
  EXPECT_FALSE(config_.auto_compaction);
  EXPECT_EQ(Load("segment:\n  maxSizeMB: 0\n").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Load("segment:\n  autoCompaction: maybe\n").code(), StatusCode::kInvalidArgument);
}

TEST_F(ServerConfigTest, GarbageCollection) {
  EXPECT_EQ(config_.gc_interval_seconds, 3600);
  EXPECT_EQ(config_.gc_min_age_seconds, 3600);
  Status st = Load("gc:\n  interval: 0.5\n  missingTolerance: 7200\n");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(config_.gc_interval_seconds, 0.5);
  EXPECT_EQ(config_.gc_min_age_seconds, 7200);
  EXPECT_EQ(Load("gc:\n  interval: -1\n").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Load("gc:\n  dropTolerance: 1\n").code(), StatusCode::kInvalidArgument);
}

TEST_F(ServerConfigTest, MinioSectionSetsS3Storage) {
  Status st = Load("minio:\n  address: 10.0.0.5\n  port: 9000\n  bucketName: b\n  rootPath: r\n");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(config_.storage, "s3://b/r");
  EXPECT_EQ(config_.storage_options.s3_endpoint, "http://10.0.0.5:9000");
}

TEST_F(ServerConfigTest, DefaultCacheOnlyForS3) {
  ServerConfig local;
  EXPECT_EQ(EffectiveCacheDir(local), "");
  ServerConfig s3;
  s3.storage = "s3://bucket/root";
  EXPECT_EQ(EffectiveCacheDir(s3), kDefaultS3CacheDir);
  s3.cache_size = 0;
  EXPECT_EQ(EffectiveCacheDir(s3), "");
  local.cache_dir = "/tmp/c";
  EXPECT_EQ(EffectiveCacheDir(local), "/tmp/c");
}

std::string WriteTemp(const std::string& text) {
  std::string path = testing::TempDir() + "/strata_config_test.yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(ServerConfigFileTest, MilvusMinioSectionSelectsS3) {
  ServerConfig config;
  std::string path = WriteTemp(R"(minio:
  address: 10.0.0.5
  port: 31949
  accessKeyID: AK
  secretAccessKey: SK
  useSSL: false
  bucketName: images
  rootPath: milvus/files
grpc:
  port: 19531
)");
  ASSERT_TRUE(LoadConfigFile(path, &config).ok());
  EXPECT_EQ(config.storage, "s3://images/milvus/files");
  EXPECT_EQ(config.storage_options.s3_endpoint, "http://10.0.0.5:31949");
  EXPECT_EQ(config.storage_options.s3_access_key, "AK");
  EXPECT_EQ(config.storage_options.s3_secret_key, "SK");
  EXPECT_EQ(config.grpc_port, 19531);
}

TEST(ServerConfigFileTest, UnknownKeysAreErrors) {
  ServerConfig config;
  EXPECT_FALSE(LoadConfigFile(WriteTemp("storag: ./x\n"), &config).ok());
  EXPECT_FALSE(LoadConfigFile(WriteTemp("minio:\n  adress: x\n"), &config).ok());
  EXPECT_TRUE(LoadConfigFile(WriteTemp("storage: ./x\nhttp:\n  port: 1234\n"), &config).ok());
  EXPECT_EQ(config.storage, "./x");
  EXPECT_EQ(config.http_port, 1234);
}

}  // namespace
}  // namespace strata
