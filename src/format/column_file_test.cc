#include "format/column_file.h"

#include <gtest/gtest.h>

#include "format/batch_codec.h"
#include "format/envelope.h"

namespace strata {
namespace {

constexpr std::string_view kName = "insert_log/1/2/3/101/1";

Column VectorColumn() {
  Column c(101, DataType::kFloatVector, 3);
  c.values<float>() = {1, 2, 3, 4, 5, 6};
  return c;
}

void ExpectDataLoss(const Status& st, std::string_view fragment) {
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find(fragment), std::string_view::npos) << st.ToString();
}

TEST(ColumnFileTest, RoundTrips) {
  Column strings(102, DataType::kVarChar);
  strings.values<std::string>() = {"x", "", "yz"};
  for (const Column& c : {VectorColumn(), strings, Column(103, DataType::kInt64)}) {
    auto r = DecodeColumnFile(EncodeColumnFile(c), kName);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, c);
  }
}

TEST(ColumnFileTest, PayloadIsTheRowBatchColumnLayout) {
  // The column file payload is byte-for-byte the column inside a row batch (after the
  // batch's 12-byte header), so one codec serves both.
  Column c = VectorColumn();
  RowBatch b;
  b.num_rows = c.size();
  b.columns = {c};
  std::string file = EncodeColumnFile(c);
  std::string batch = EncodeRowBatch(b);
  EXPECT_EQ(
      file.substr(kEnvelopeHeaderSize, file.size() - kEnvelopeHeaderSize - kEnvelopeTrailerSize),
      batch.substr(12));
}

TEST(ColumnFileTest, EveryCorruptByteIsDataLossNamingTheObject) {
  std::string bytes = EncodeColumnFile(VectorColumn());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x01;
    auto r = DecodeColumnFile(bad, kName);
    ASSERT_FALSE(r.ok()) << "byte " << i;
    ExpectDataLoss(r.status(), kName);
  }
}

TEST(ColumnFileTest, WrongKindTrailingBytesAndNewerVersionAreDataLoss) {
  ExpectDataLoss(DecodeColumnFile(EncodeSegmentStats({}), kName).status(), "object kind");

  std::string payload = EncodeRowBatch(RowBatch{0, {Column(1, DataType::kInt64)}}).substr(12);
  ExpectDataLoss(
      DecodeColumnFile(SealEnvelope(ObjectKind::kColumnFile, 1, payload + "z"), kName).status(),
      "trailing");
  ExpectDataLoss(
      DecodeColumnFile(SealEnvelope(ObjectKind::kColumnFile, 4, payload), kName).status(),
      "format version 4");
}

// Version 1 files (before nullable columns) hold the same column layout and still load.
TEST(ColumnFileTest, ReadsVersionOneFiles) {
  Column c(5, DataType::kInt64);
  c.values<int64_t>() = {7, 8};
  std::string payload = EncodeRowBatch(RowBatch{2, {c}}).substr(12);
  auto r = DecodeColumnFile(SealEnvelope(ObjectKind::kColumnFile, 1, payload), kName);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, c);
}

TEST(ColumnFileTest, NullableColumnRoundTrips) {
  Column c(5, DataType::kVarChar, 0, /*nullable=*/true);
  c.values<std::string>() = {"a", "", "c"};
  c.validity() = {1, 0, 1};
  auto r = DecodeColumnFile(EncodeColumnFile(c), kName);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, c);
  EXPECT_TRUE(r->IsNull(1));
  EXPECT_FALSE(r->IsNull(0));
}

TEST(SegmentStatsTest, RoundTrips) {
  SegmentStats ints{100, DataType::kInt64, -5, 900, "", "", 1000, 2000};
  auto r = DecodeSegmentStats(EncodeSegmentStats(ints), kName);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, ints);

  SegmentStats strings{2, DataType::kVarChar, 0, 0, "apple", "pear", 7, 7};
  r = DecodeSegmentStats(EncodeSegmentStats(strings), kName);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, strings);

  SegmentStats empty;  // no rows: ranges are not checked
  empty.min_int_pk = 9;
  r = DecodeSegmentStats(EncodeSegmentStats(empty), kName);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, empty);
}

TEST(SegmentStatsTest, InconsistentStatsAreDataLoss) {
  SegmentStats s{1, DataType::kFloat, 0, 0, "", "", 0, 0};
  ExpectDataLoss(DecodeSegmentStats(EncodeSegmentStats(s), kName).status(), "primary key type");
  s = {1, DataType::kInt64, 5, 4, "", "", 0, 0};
  ExpectDataLoss(DecodeSegmentStats(EncodeSegmentStats(s), kName).status(), "min primary key");
  s = {1, DataType::kVarChar, 0, 0, "b", "a", 0, 0};
  ExpectDataLoss(DecodeSegmentStats(EncodeSegmentStats(s), kName).status(), "min primary key");
  s = {1, DataType::kInt64, 0, 0, "", "", 3, 2};
  ExpectDataLoss(DecodeSegmentStats(EncodeSegmentStats(s), kName).status(), "min timestamp");
  s = {-1, DataType::kInt64, 0, 0, "", "", 0, 0};
  ExpectDataLoss(DecodeSegmentStats(EncodeSegmentStats(s), kName).status(), "row count");
}

TEST(SegmentStatsTest, EveryTruncatedPayloadIsDataLoss) {
  SegmentStats s{2, DataType::kVarChar, 0, 0, "apple", "pear", 7, 8};
  std::string bytes = EncodeSegmentStats(s);
  std::string payload =
      bytes.substr(kEnvelopeHeaderSize, bytes.size() - kEnvelopeHeaderSize - kEnvelopeTrailerSize);
  for (size_t n = 0; n < payload.size(); ++n) {
    auto r = DecodeSegmentStats(SealEnvelope(ObjectKind::kStats, 1, payload.substr(0, n)), kName);
    ASSERT_FALSE(r.ok()) << "prefix " << n;
    ExpectDataLoss(r.status(), "truncated");
  }
}

}  // namespace
}  // namespace strata
