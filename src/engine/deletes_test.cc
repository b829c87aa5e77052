#include "engine/deletes.h"

#include <gtest/gtest.h>

#include "format/envelope.h"

namespace strata {
namespace {

Column IntKeys(std::vector<int64_t> keys) {
  Column c(100, DataType::kInt64);
  c.values<int64_t>() = std::move(keys);
  return c;
}

Column StringKeys(std::vector<std::string> keys) {
  Column c(100, DataType::kVarChar);
  c.values<std::string>() = std::move(keys);
  return c;
}

std::shared_ptr<const Chunk> ChunkOf(Column pks, std::vector<uint64_t> timestamps) {
  auto chunk = std::make_shared<Chunk>();
  chunk->rows.num_rows = pks.size();
  chunk->rows.columns.push_back(std::move(pks));
  chunk->timestamps = std::move(timestamps);
  return chunk;
}

std::vector<uint8_t> Visible(const DeleteSet& set, int64_t partition,
                             const std::shared_ptr<const Chunk>& chunk, uint64_t max_seq) {
  std::vector<uint8_t> mask(chunk->num_rows(), 1);
  set.Hide(partition, chunk, 100, max_seq, &mask);
  return mask;
}

TEST(DeleteSetTest, HidesOnlyRowsOlderThanTheDelete) {
  DeleteSet set;
  set.Add(kAllPartitions, IntKeys({1, 2}), /*ts=*/100, /*seq=*/1);
  // Key 1 at ts 50 (before the delete) is hidden; at ts 100 (same ts, an upsert's own row)
  // and 150 (re-inserted later) it is visible; key 3 was never deleted.
  auto chunk = ChunkOf(IntKeys({1, 1, 1, 2, 3}), {50, 100, 150, 99, 10});
  EXPECT_EQ(Visible(set, 7, chunk, 1), (std::vector<uint8_t>{0, 1, 1, 0, 1}));
  // A snapshot taken before the delete was applied does not see it.
  EXPECT_EQ(Visible(set, 7, chunk, 0), (std::vector<uint8_t>{1, 1, 1, 1, 1}));
}

// The hidden rows cached for a chunk follow every change of the set, and a read from an older
// snapshot still sees only the deletes it may see.
TEST(DeleteSetTest, CachedHiddenRowsFollowEveryChange) {
  DeleteSet set;
  auto chunk = ChunkOf(IntKeys({1, 2, 3, 4}), {10, 10, 10, 10});
  set.Add(kAllPartitions, IntKeys({1}), 100, 1);
  for (int i = 0; i < 2; ++i)  // computed, then from the cache
    EXPECT_EQ(Visible(set, 7, chunk, 1), (std::vector<uint8_t>{0, 1, 1, 1}));
  EXPECT_EQ(Visible(set, 8, chunk, 1), (std::vector<uint8_t>{0, 1, 1, 1}));
  set.Add(/*scope=*/7, IntKeys({3}), 100, 2);
  EXPECT_EQ(Visible(set, 7, chunk, 2), (std::vector<uint8_t>{0, 1, 0, 1}));
  EXPECT_EQ(Visible(set, 8, chunk, 2), (std::vector<uint8_t>{0, 1, 1, 1}));
  EXPECT_EQ(Visible(set, 7, chunk, 1), (std::vector<uint8_t>{0, 1, 1, 1}));  // older snapshot
  EXPECT_EQ(Visible(set, 7, chunk, 5), (std::vector<uint8_t>{0, 1, 0, 1}));
  set.DropScope(7);
  EXPECT_EQ(Visible(set, 7, chunk, 5), (std::vector<uint8_t>{0, 1, 1, 1}));
  // Another chunk, and a chunk at a freed chunk's address, get their own rows.
  chunk.reset();
  for (int i = 0; i < 200; ++i) {
    auto other = ChunkOf(IntKeys({5, 1}), {10, 200});
    ASSERT_EQ(Visible(set, 7, other, 5), (std::vector<uint8_t>{1, 1}));
  }
}

TEST(DeleteSetTest, ScopedDeletesAndDroppedScopes) {
  DeleteSet set;
  set.Add(/*scope=*/7, StringKeys({"a"}), 100, 1);
  auto chunk = ChunkOf(StringKeys({"a", "b"}), {1, 1});
  EXPECT_EQ(Visible(set, 7, chunk, 1), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(Visible(set, 8, chunk, 1), (std::vector<uint8_t>{1, 1}));
  set.Add(7, StringKeys({"a"}), 90, 2);  // covered by the first: not stored again
  EXPECT_EQ(set.size(), 1u);
  set.DropScope(7);
  EXPECT_EQ(set.size(), 0u);
  EXPECT_EQ(Visible(set, 7, chunk, 2), (std::vector<uint8_t>{1, 1}));
}

TEST(DeltaLogTest, RoundTripsAndRejectsCorruption) {
  std::vector<DeleteBatch> batches = {{7, 100, StringKeys({"a", "b"})},
                                      {7, 200, StringKeys({"c"})}};
  std::string bytes = EncodeDeltaLog(7, batches);
  auto decoded = DecodeDeltaLog(bytes, "delta_log/1/7/0/9");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*decoded)[i].partition_id, 7);
    EXPECT_EQ((*decoded)[i].timestamp, batches[i].timestamp);
    EXPECT_EQ((*decoded)[i].pks.values<std::string>(), batches[i].pks.values<std::string>());
  }
  std::string corrupt = bytes;
  corrupt[kEnvelopeHeaderSize + 3] ^= 1;
  auto bad = DecodeDeltaLog(corrupt, "delta_log/1/7/0/9");
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("delta_log/1/7/0/9"), std::string_view::npos);
}

TEST(DeletePayloadTest, UpsertPayloadRoundTrips) {
  RowBatch rows;
  rows.num_rows = 2;
  rows.columns.push_back(IntKeys({5, 6}));
  auto decoded = DecodeUpsertPayload(EncodeUpsertPayload(rows, IntKeys({1, 2})), "wal/x");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->first.columns[0].values<int64_t>(), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(decoded->second.values<int64_t>(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(DecodeDeletePayload("junk", "wal/x").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace strata
