#include "main/server_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace strata {
namespace {

std::string WriteTemp(const std::string& text) {
  std::string path = testing::TempDir() + "/strata_config_test.yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(ServerConfigTest, MilvusMinioSectionSelectsS3) {
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

TEST(ServerConfigTest, UnknownKeysAreErrors) {
  ServerConfig config;
  EXPECT_FALSE(LoadConfigFile(WriteTemp("storag: ./x\n"), &config).ok());
  EXPECT_FALSE(LoadConfigFile(WriteTemp("minio:\n  adress: x\n"), &config).ok());
  EXPECT_TRUE(LoadConfigFile(WriteTemp("storage: ./x\nhttp:\n  port: 1234\n"), &config).ok());
  EXPECT_EQ(config.storage, "./x");
  EXPECT_EQ(config.http_port, 1234);
}

}  // namespace
}  // namespace strata
