// Behaviour specific to the local folder store; the shared contract is in
// object_store_contract_test.cc.
#include "objstore/local_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "objstore/test_temp_dir.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

class LocalObjectStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/root";
    auto store = LocalObjectStore::Open(root_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  std::vector<std::string> ListKeys(std::string_view prefix) {
    auto listed = store_->List(prefix);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> keys;
    if (listed.ok())
      for (const auto& info : *listed) keys.push_back(info.key);
    return keys;
  }

  // Every file under the root, temp files included, as root-relative paths.
  std::vector<std::string> FilesOnDisk() {
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(root_))
      if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), root_).string());
    std::sort(files.begin(), files.end());
    return files;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  TestTempDir dir_;
  std::string root_;
  std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(LocalObjectStoreTest, KeyMapsToFileUnderRoot) {
  ASSERT_TRUE(store_->Put("a/b/c", "payload").ok());
  EXPECT_EQ(ReadFile(root_ + "/a/b/c"), "payload");
  EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{"a/b/c"});
}

TEST_F(LocalObjectStoreTest, DescribeIsFileUriOfAbsoluteRoot) {
  EXPECT_EQ(store_->root(), root_);
  EXPECT_EQ(store_->Describe(), "file://" + root_);
}

TEST_F(LocalObjectStoreTest, ObjectSurvivesReopen) {
  ASSERT_TRUE(store_->Put("persist/me", "still here").ok());
  ASSERT_TRUE(store_->PutIfAbsent("persist/once", "fenced").ok());
  store_.reset();
  auto reopened = LocalObjectStore::Open(root_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto got = (*reopened)->Get("persist/me");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "still here");
  EXPECT_EQ((*reopened)->PutIfAbsent("persist/once", "again").code(), StatusCode::kAlreadyExists);
}

TEST_F(LocalObjectStoreTest, TempFilesNeverListed) {
  auto writer = store_->NewWriter("w/obj");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("in progress").ok());
  // The writer's temp file is on disk but not an object.
  ASSERT_EQ(FilesOnDisk().size(), 1u);
  EXPECT_TRUE(FilesOnDisk()[0].starts_with("w/.tmp.")) << FilesOnDisk()[0];
  EXPECT_TRUE(ListKeys("").empty());
  EXPECT_TRUE(ListKeys("w/.tmp").empty());
  // So is one left behind by a crashed process.
  std::ofstream(root_ + "/.tmp.stale") << "junk";
  EXPECT_TRUE(ListKeys("").empty());
  ASSERT_TRUE((*writer)->Complete().ok());
  EXPECT_EQ(ListKeys(""), std::vector<std::string>{"w/obj"});
}

TEST_F(LocalObjectStoreTest, ReopenRemovesTempFilesOfDeadWritersOnly) {
  fs::create_directories(root_ + "/wal/1");
  // pid 2^30 is above any Linux pid_max, so no such process exists.
  std::ofstream(root_ + "/wal/1/.tmp.1073741824-1-7") << "killed mid-put";
  std::string live = ".tmp." + std::to_string(::getpid()) + "-2-9";
  std::ofstream(root_ + "/wal/1/" + live) << "still writing";
  ASSERT_TRUE(LocalObjectStore::Open(root_).ok());
  EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{"wal/1/" + live});
}

TEST_F(LocalObjectStoreTest, PendingUploadsAreTempFilesThatNameTheirObject) {
  fs::create_directories(root_ + "/d");
  // A dead writer's temp file names its object; one of the older form (no name) cannot be
  // listed, and neither is a file that is no temp file.
  std::ofstream(root_ + "/d/.tmp.1073741824-1-7-obj") << "killed mid-put";
  std::ofstream(root_ + "/d/.tmp.1073741824-1-8") << "killed, older form";
  ASSERT_TRUE(store_->Put("d/plain", "object").ok());
  auto listed = store_->ListPendingUploads("d/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().key, "d/obj");
  EXPECT_EQ(listed->front().upload_id, "d/.tmp.1073741824-1-7-obj");
  EXPECT_TRUE(store_->ListPendingUploads("d/p").value().empty());

  // An id that is not a temp file of that key, beside it, is refused and deletes nothing.
  for (PendingUpload wrong : {PendingUpload{"d/plain", "d/plain", 0},
                              PendingUpload{"d/other", "d/.tmp.1073741824-1-7-obj", 0},
                              PendingUpload{"e/obj", "d/.tmp.1073741824-1-7-obj", 0},
                              PendingUpload{"d/obj", "d/x/.tmp.1073741824-1-7-obj", 0}})
    EXPECT_EQ(store_->AbortPendingUpload(wrong).code(), StatusCode::kInvalidArgument)
        << wrong.key << " " << wrong.upload_id;
  EXPECT_EQ(FilesOnDisk().size(), 3u);
  ASSERT_TRUE(store_->AbortPendingUpload(listed->front()).ok());
  EXPECT_EQ(FilesOnDisk(), (std::vector<std::string>{"d/.tmp.1073741824-1-8", "d/plain"}));
}

TEST_F(LocalObjectStoreTest, NoTempFilesLeftBehind) {
  ASSERT_TRUE(store_->Put("k/a", "1").ok());
  EXPECT_EQ(store_->PutIfAbsent("k/a", "2").code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(store_->PutIfAbsent("k/b", "3").ok());
  auto aborted = store_->NewWriter("k/c");
  ASSERT_TRUE(aborted.ok());
  ASSERT_TRUE((*aborted)->Append("x").ok());
  ASSERT_TRUE((*aborted)->Abort().ok());
  { auto dropped = store_->NewWriter("k/d"); }
  EXPECT_EQ(FilesOnDisk(), (std::vector<std::string>{"k/a", "k/b"}));
}

TEST_F(LocalObjectStoreTest, TempPrefixSegmentsAreReserved) {
  EXPECT_EQ(store_->Put(".tmp.x", "v").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("a/.tmp.b/c", "v").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Get("d/.tmp.1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->Put("a/tmp.x/.tmpx", "v").ok());
}

TEST_F(LocalObjectStoreTest, ObjectAndKeyPrefixCannotShareAPath) {
  ASSERT_TRUE(store_->Put("a/b", "file").ok());
  Status below = store_->Put("a/b/c", "v");
  EXPECT_EQ(below.code(), StatusCode::kFailedPrecondition) << below.ToString();
  EXPECT_NE(below.message().find("a/b/c"), std::string_view::npos) << below.ToString();
  EXPECT_EQ(store_->Get("a/b/c").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete("a/b/c").ok());

  ASSERT_TRUE(store_->Put("x/y/z", "v").ok());
  Status over = store_->Put("x/y", "v");
  EXPECT_EQ(over.code(), StatusCode::kFailedPrecondition) << over.ToString();
  EXPECT_NE(over.message().find("x/y"), std::string_view::npos);
  EXPECT_EQ(store_->Get("x/y").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(FilesOnDisk(), (std::vector<std::string>{"a/b", "x/y/z"}));
}

TEST_F(LocalObjectStoreTest, DeletePrunesEmptyDirectories) {
  ASSERT_TRUE(store_->Put("p/q/r", "v").ok());
  ASSERT_TRUE(store_->Put("p/s", "v").ok());
  ASSERT_TRUE(store_->Delete("p/q/r").ok());
  EXPECT_FALSE(fs::exists(root_ + "/p/q"));
  EXPECT_TRUE(fs::exists(root_ + "/p/s"));
  std::vector<std::string> batch = {"p/s"};
  ASSERT_TRUE(store_->DeleteMany(batch).ok());
  EXPECT_FALSE(fs::exists(root_ + "/p"));
  EXPECT_TRUE(fs::is_directory(root_));
}

TEST(LocalObjectStoreOpenTest, CreatesMissingRoot) {
  TestTempDir dir;
  std::string root = dir.path() + "/one/two/three";
  auto store = LocalObjectStore::Open(root);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(fs::is_directory(root));
  EXPECT_EQ((*store)->root(), root);
}

TEST(LocalObjectStoreOpenTest, RootThatIsAFileIsInvalid) {
  TestTempDir dir;
  std::string root = dir.path() + "/file";
  std::ofstream(root) << "not a directory";
  auto store = LocalObjectStore::Open(root);
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << store.status().ToString();
  EXPECT_NE(store.status().message().find(root), std::string_view::npos);
}

TEST(LocalObjectStoreOpenTest, RelativeRootResolvedToAbsolute) {
  TestTempDir dir;
  std::string cwd = fs::current_path().string();
  ASSERT_EQ(::chdir(dir.path().c_str()), 0);
  auto store = LocalObjectStore::Open("rel/./data/");
  auto via_uri = OpenObjectStore("rel/data");
  ASSERT_EQ(::chdir(cwd.c_str()), 0);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->root(), dir.path() + "/rel/data");
  ASSERT_TRUE(via_uri.ok()) << via_uri.status().ToString();
  EXPECT_EQ((*via_uri)->Describe(), "file://" + dir.path() + "/rel/data");
}

TEST(OpenObjectStoreTest, FileUriAndPlainPath) {
  TestTempDir dir;
  auto by_uri = OpenObjectStore("file://" + dir.path() + "/store");
  ASSERT_TRUE(by_uri.ok()) << by_uri.status().ToString();
  EXPECT_EQ((*by_uri)->Describe(), "file://" + dir.path() + "/store");
  ASSERT_TRUE((*by_uri)->Put("k", "v").ok());
  // A plain path to the same folder sees the same objects.
  auto by_path = OpenObjectStore(dir.path() + "/store");
  ASSERT_TRUE(by_path.ok());
  auto got = (*by_path)->Get("k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "v");
}

TEST(OpenObjectStoreTest, MemoryAndUnsupported) {
  auto mem = OpenObjectStore("mem://");
  ASSERT_TRUE(mem.ok());
  EXPECT_EQ((*mem)->Describe(), "mem://");
  EXPECT_EQ(OpenObjectStore("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("file://relative/dir").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("ftp://host/dir").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata
