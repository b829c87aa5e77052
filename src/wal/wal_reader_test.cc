#include "wal/wal_reader.h"

#include <gtest/gtest.h>

#include <random>

#include "objstore/memory_store.h"

namespace strata {
namespace {

constexpr std::string_view kPrefix = "wal/3/0/";

std::vector<WalRecord> Records() {
  return {{WalRecordType::kInsert, 10, 1, "abc"}, {WalRecordType::kDelete, 11, 1, "d"}};
}

void ExpectDataLossNaming(const Status& st, std::string_view key) {
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find(key), std::string_view::npos) << st.ToString();
}

TEST(WalReaderTest, KeysAreTwentyDigits) {
  EXPECT_EQ(WalKey("wal/1/0/", 7), "wal/1/0/00000000000000000007");
  EXPECT_EQ(WalKey("wal/1/0/", UINT64_MAX), "wal/1/0/18446744073709551615");
}

TEST(WalReaderTest, ListsLsnsInOrder) {
  MemoryObjectStore store;
  for (uint64_t lsn : {12, 3, 100, 4})
    ASSERT_TRUE(store.Put(WalKey(kPrefix, lsn), EncodeWalObject(lsn, Records())).ok());
  ASSERT_TRUE(store.Put("wal/3/1/00000000000000000001", "other shard").ok());
  ASSERT_TRUE(store.Put("wal/30/0/00000000000000000001", "other collection").ok());
  auto lsns = ListWal(&store, kPrefix);
  ASSERT_TRUE(lsns.ok()) << lsns.status().ToString();
  EXPECT_EQ(*lsns, (std::vector<uint64_t>{3, 4, 12, 100}));

  auto empty = ListWal(&store, "wal/4/0/");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(WalReaderTest, UnexpectedNamesAreDataLoss) {
  for (std::string name :
       {"abc", "0000000000000000001", "000000000000000000001", "00000000000000000000",
        "99999999999999999999", "0000000000000000000a", "-0000000000000000001",
        "00000000000000000001/x", "00000000000000000001.tmp"}) {
    MemoryObjectStore store;
    ASSERT_TRUE(store.Put(WalKey(kPrefix, 1), EncodeWalObject(1, Records())).ok());
    std::string key = std::string(kPrefix) + name;
    ASSERT_TRUE(store.Put(key, "x").ok());
    auto r = ListWal(&store, kPrefix);
    ASSERT_FALSE(r.ok()) << name;
    ExpectDataLossNaming(r.status(), key);
  }
}

TEST(WalReaderTest, ReadsRecordsAndChecksTheLsnInside) {
  MemoryObjectStore store;
  std::string object = EncodeWalObject(5, Records());
  ASSERT_TRUE(store.Put(WalKey(kPrefix, 5), object).ok());
  auto records = ReadWalObject(&store, kPrefix, 5);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  EXPECT_EQ(*records, Records());

  ASSERT_TRUE(store.Put(WalKey(kPrefix, 6), object).ok());  // lsn 5's bytes under lsn 6
  auto moved = ReadWalObject(&store, kPrefix, 6);
  ASSERT_FALSE(moved.ok());
  ExpectDataLossNaming(moved.status(), WalKey(kPrefix, 6));
  EXPECT_NE(moved.status().message().find("holds lsn 5"), std::string_view::npos);

  EXPECT_EQ(ReadWalObject(&store, kPrefix, 7).status().code(), StatusCode::kNotFound);
}

TEST(WalReaderTest, EveryCorruptByteIsDataLossNamingTheKey) {
  MemoryObjectStore store;
  const std::string key = WalKey(kPrefix, 9);
  const std::string object = EncodeWalObject(9, Records());
  for (size_t i = 0; i < object.size(); ++i) {
    std::string bad = object;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    ASSERT_TRUE(store.Put(key, bad).ok());
    auto r = ReadWalObject(&store, kPrefix, 9);
    ASSERT_FALSE(r.ok()) << "byte " << i;
    ExpectDataLossNaming(r.status(), key);
  }
  for (size_t n = 0; n < object.size(); ++n) {
    ASSERT_TRUE(store.Put(key, object.substr(0, n)).ok());
    ExpectDataLossNaming(ReadWalObject(&store, kPrefix, 9).status(), key);
  }
}

TEST(WalReaderTest, GarbageObjectsNeverCrash) {
  MemoryObjectStore store;
  const std::string key = WalKey(kPrefix, 1);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 200, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    if (i % 2 == 0 && bytes.size() >= 4) bytes.replace(0, 4, "STRT");
    ASSERT_TRUE(store.Put(key, bytes).ok());
    ExpectDataLossNaming(ReadWalObject(&store, kPrefix, 1).status(), key);
  }
}

}  // namespace
}  // namespace strata
