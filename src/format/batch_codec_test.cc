#include "format/batch_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "schema/array_cell.h"

namespace strata {
namespace {

constexpr std::string_view kName = "wal/1/0/00000000000000000007";

// Offsets in an encoded batch: 12-byte batch header, then the first column's header.
constexpr size_t kFirstType = 12 + 8;
constexpr size_t kFirstDim = kFirstType + 4;
constexpr size_t kFirstRows = kFirstDim + 8;
constexpr size_t kFirstValues = kFirstRows + 8;

RowBatch AllTypesBatch() {
  RowBatch b;
  b.num_rows = 3;
  Column boolean(100, DataType::kBool);
  boolean.values<uint8_t>() = {1, 0, 1};
  Column i8(101, DataType::kInt8);
  i8.values<int32_t>() = {-128, 0, 127};
  Column i16(102, DataType::kInt16);
  i16.values<int32_t>() = {-32768, 5, 32767};
  Column i32(103, DataType::kInt32);
  i32.values<int32_t>() = {INT32_MIN, 0, INT32_MAX};
  Column i64(104, DataType::kInt64);
  i64.values<int64_t>() = {INT64_MIN, 42, INT64_MAX};
  Column f(105, DataType::kFloat);
  f.values<float>() = {1.5f, -0.0f, 3.25f};
  Column d(106, DataType::kDouble);
  d.values<double>() = {1e300, -2.5, 0};
  Column s(107, DataType::kVarChar);
  s.values<std::string>() = {"", "hello", std::string("a\0b", 3)};
  Column j(108, DataType::kJson);
  j.values<std::string>() = {"{}", "[1,2]", "{\"k\":\"v\"}"};
  Column fv(109, DataType::kFloatVector, 2);
  fv.values<float>() = {1, 2, 3, 4, 5, 6};
  Column bv(110, DataType::kBinaryVector, 16);
  bv.values<uint8_t>() = {0xff, 0x00, 0x12, 0x34, 0xab, 0xcd};
  Column nullable(111, DataType::kDouble, 0, /*nullable=*/true);
  nullable.values<double>() = {0, 2.5, 0};
  nullable.validity() = {0, 1, 0};
  Column ints(112, DataType::kArray, 0, false, DataType::kInt64);
  ints.values<std::string>() = {"", "", ""};
  AppendArrayElement<int64_t>(ints.values<std::string>()[1], -7);
  AppendArrayElement<int64_t>(ints.values<std::string>()[2], INT64_MAX);
  Column words(113, DataType::kArray, 0, /*nullable=*/true, DataType::kVarChar);
  words.values<std::string>() = {"", "", ""};
  AppendArrayString(words.values<std::string>()[0], "red");
  AppendArrayString(words.values<std::string>()[0], "");
  words.validity() = {1, 0, 1};
  b.columns = {boolean, i8, i16, i32, i64, f, d, s, j, fv, bv, nullable, ints, words};
  return b;
}

RowBatch OneInt64Column() {
  RowBatch b;
  b.num_rows = 2;
  Column c(7, DataType::kInt64);
  c.values<int64_t>() = {10, 20};
  b.columns.push_back(c);
  return b;
}

template <typename T>
void Poke(std::string& bytes, size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

void ExpectDataLoss(const std::string& bytes, std::string_view expected_fragment) {
  auto r = DecodeRowBatch(bytes, kName);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find(kName), std::string_view::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find(expected_fragment), std::string_view::npos)
      << r.status().ToString();
}

TEST(BatchCodecTest, RoundTripsEveryStoredType) {
  RowBatch b = AllTypesBatch();
  auto r = DecodeRowBatch(EncodeRowBatch(b), kName);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, b);
}

TEST(BatchCodecTest, RoundTripsEmptyBatches) {
  RowBatch none;
  auto r = DecodeRowBatch(EncodeRowBatch(none), kName);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, none);

  RowBatch zero_rows;
  zero_rows.columns = {Column(1, DataType::kInt64), Column(2, DataType::kFloatVector, 8),
                       Column(3, DataType::kVarChar)};
  r = DecodeRowBatch(EncodeRowBatch(zero_rows), kName);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, zero_rows);
}

TEST(BatchCodecTest, LayoutIsLittleEndianAsDocumented) {
  std::string bytes = EncodeRowBatch(OneInt64Column());
  ASSERT_EQ(bytes.size(), kFirstValues + 16);
  EXPECT_EQ(bytes.substr(0, 12), std::string("\x02\0\0\0\0\0\0\0\x01\0\0\0", 12));
  EXPECT_EQ(bytes.substr(12, 8), std::string("\x07\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(bytes.substr(kFirstType, 4), std::string("\x05\0\0\0", 4));
  EXPECT_EQ(bytes.substr(kFirstValues, 8), std::string("\x0a\0\0\0\0\0\0\0", 8));
}

RowBatch OneNullableColumn() {
  RowBatch b;
  b.num_rows = 2;
  Column c(7, DataType::kInt64, 0, /*nullable=*/true);
  c.values<int64_t>() = {0, 20};
  c.validity() = {0, 1};
  b.columns.push_back(c);
  return b;
}

TEST(BatchCodecTest, NullableLayoutIsFlagThenBitmap) {
  std::string bytes = EncodeRowBatch(OneNullableColumn());
  ASSERT_EQ(bytes.size(), kFirstValues + 1 + 16);
  EXPECT_EQ(bytes.substr(kFirstType, 4), std::string("\x05\0\x01\0", 4));
  EXPECT_EQ(bytes.substr(kFirstValues, 1), std::string("\x02", 1));  // row 0 null, row 1 not
  auto r = DecodeRowBatch(bytes, kName);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, OneNullableColumn());
}

TEST(BatchCodecTest, BadValidityIsDataLoss) {
  std::string bytes = EncodeRowBatch(OneNullableColumn());
  Poke<uint8_t>(bytes, kFirstValues, 0x06);  // bit 2 is past the 2 rows
  ExpectDataLoss(bytes, "past the last row");

  RowBatch vectors;
  vectors.num_rows = 1;
  vectors.columns.emplace_back(3, DataType::kFloatVector, 2, /*nullable=*/true);
  vectors.columns[0].values<float>() = {1, 2};
  vectors.columns[0].validity() = {1};
  ExpectDataLoss(EncodeRowBatch(vectors), "nullable vector");
}

TEST(BatchCodecTest, EveryTruncationIsDataLoss) {
  std::string bytes = EncodeRowBatch(AllTypesBatch());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = DecodeRowBatch(std::string_view(bytes).substr(0, n), kName);
    ASSERT_FALSE(r.ok()) << "prefix " << n;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  }
}

TEST(BatchCodecTest, TrailingBytesAreDataLoss) {
  ExpectDataLoss(EncodeRowBatch(OneInt64Column()) + "x", "trailing");
}

TEST(BatchCodecTest, UnknownTypeIsDataLoss) {
  std::string bytes = EncodeRowBatch(OneInt64Column());
  Poke<int32_t>(bytes, kFirstType, 99);
  ExpectDataLoss(bytes, "unknown data type 99");
  Poke<int32_t>(bytes, kFirstType, static_cast<int32_t>(DataType::kSparseFloatVector));
  ExpectDataLoss(bytes, "unknown data type");
}

TEST(BatchCodecTest, MismatchedColumnLengthIsDataLoss) {
  RowBatch b = OneInt64Column();
  b.num_rows = 3;  // the column has 2
  ExpectDataLoss(EncodeRowBatch(b), "has 2 rows");
}

TEST(BatchCodecTest, DuplicateFieldIsDataLoss) {
  RowBatch b = OneInt64Column();
  b.columns.push_back(b.columns[0]);
  ExpectDataLoss(EncodeRowBatch(b), "appears twice");
}

TEST(BatchCodecTest, HugeClaimedCountsFailWithoutAllocating) {
  std::string bytes = EncodeRowBatch(OneInt64Column());
  std::string huge_rows = bytes;
  Poke<uint64_t>(huge_rows, kFirstRows, uint64_t{1} << 61);
  ExpectDataLoss(huge_rows, "exceed the object");

  std::string huge_columns = bytes;
  Poke<uint32_t>(huge_columns, 8, UINT32_MAX);
  ExpectDataLoss(huge_columns, "columns exceed the object");

  RowBatch vec;
  vec.num_rows = 1;
  vec.columns.push_back(Column(1, DataType::kFloatVector, 2));
  vec.columns[0].values<float>() = {1, 2};
  std::string huge_dim = EncodeRowBatch(vec);
  Poke<int64_t>(huge_dim, kFirstDim, INT64_MAX);
  ExpectDataLoss(huge_dim, "exceed the object");

  RowBatch str;
  str.num_rows = 1;
  str.columns.push_back(Column(1, DataType::kVarChar));
  str.columns[0].values<std::string>() = {"abc"};
  std::string huge_string = EncodeRowBatch(str);
  Poke<uint32_t>(huge_string, kFirstValues, UINT32_MAX);
  ExpectDataLoss(huge_string, "truncated string");
  std::string huge_strings = EncodeRowBatch(str);
  Poke<uint64_t>(huge_strings, kFirstRows, UINT64_MAX);
  ExpectDataLoss(huge_strings, "strings exceed the object");
}

TEST(BatchCodecTest, BadDimsAreDataLoss) {
  RowBatch b;
  b.num_rows = 1;
  b.columns.push_back(Column(1, DataType::kBinaryVector, 16));
  b.columns[0].values<uint8_t>() = {1, 2};
  std::string bytes = EncodeRowBatch(b);
  Poke<int64_t>(bytes, kFirstDim, 12);
  ExpectDataLoss(bytes, "dim 12");
  Poke<int64_t>(bytes, kFirstDim, 0);
  ExpectDataLoss(bytes, "dim 0");
  Poke<int64_t>(bytes, kFirstDim, -8);
  ExpectDataLoss(bytes, "dim -8");
}

TEST(BatchCodecTest, OutOfRangeSmallValuesAreDataLoss) {
  RowBatch b;
  b.num_rows = 1;
  b.columns.push_back(Column(1, DataType::kBool));
  b.columns[0].values<uint8_t>() = {1};
  std::string bytes = EncodeRowBatch(b);
  bytes[kFirstValues] = 2;
  ExpectDataLoss(bytes, "Bool value 2");

  b.columns[0] = Column(1, DataType::kInt8);
  b.columns[0].values<int32_t>() = {200};
  ExpectDataLoss(EncodeRowBatch(b), "200 out of range for Int8");
  b.columns[0] = Column(1, DataType::kInt16);
  b.columns[0].values<int32_t>() = {-40000};
  ExpectDataLoss(EncodeRowBatch(b), "-40000 out of range for Int16");
}

TEST(BatchCodecTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(7);
  std::string valid = EncodeRowBatch(AllTypesBatch());
  for (int i = 0; i < 20000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(rng() % 96);
      for (auto& c : bytes) c = static_cast<char>(rng());
    } else {
      // Mutations of a valid batch reach deeper into the decoder than pure noise.
      bytes = valid;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k)
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    auto r = DecodeRowBatch(bytes, kName);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    }
  }
}

}  // namespace
}  // namespace strata
