// Array columns in the row batch codec and column files: round trips of every element type,
// the element type in the header, malformed cells rejected, and files of earlier versions
// still loading.
#include <gtest/gtest.h>

#include <cstring>

#include "format/batch_codec.h"
#include "format/column_file.h"
#include "format/envelope.h"
#include "schema/array_cell.h"

namespace strata {
namespace {

constexpr std::string_view kName = "insert_log/1/2/3/100";

void ExpectDataLoss(const Status& st, std::string_view needle) {
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find(needle), std::string_view::npos) << st.ToString();
}

template <typename T>
Column FixedArrays(DataType element, std::vector<std::vector<T>> rows) {
  Column c(100, DataType::kArray, 0, false, element);
  for (const auto& row : rows) {
    std::string cell;
    for (T v : row) AppendArrayElement<T>(cell, v);
    c.values<std::string>().push_back(cell);
  }
  return c;
}

TEST(ArrayCodecTest, EveryElementTypeRoundTripsInColumnFiles) {
  std::vector<Column> columns = {
      FixedArrays<uint8_t>(DataType::kBool, {{1, 0}, {}, {1}}),
      FixedArrays<int32_t>(DataType::kInt8, {{-128, 127}, {}, {0}}),
      FixedArrays<int32_t>(DataType::kInt16, {{-32768}, {32767}, {}}),
      FixedArrays<int32_t>(DataType::kInt32, {{INT32_MIN, INT32_MAX}, {}, {1}}),
      FixedArrays<int64_t>(DataType::kInt64, {{INT64_MIN}, {1, 2, 3}, {}}),
      FixedArrays<float>(DataType::kFloat, {{1.5f, -0.0f}, {}, {3}}),
      FixedArrays<double>(DataType::kDouble, {{1e300}, {}, {-2.5, 0}}),
  };
  Column words(100, DataType::kArray, 0, /*nullable=*/true, DataType::kVarChar);
  words.values<std::string>() = {"", "", ""};
  AppendArrayString(words.values<std::string>()[0], "a");
  AppendArrayString(words.values<std::string>()[0], std::string("x\0y", 3));
  words.validity() = {1, 1, 0};
  columns.push_back(words);
  for (const Column& c : columns) {
    auto r = DecodeColumnFile(EncodeColumnFile(c), kName);
    ASSERT_TRUE(r.ok()) << DataTypeName(c.element_type()) << ": " << r.status().ToString();
    EXPECT_EQ(*r, c) << DataTypeName(c.element_type());
    EXPECT_EQ(r->element_type(), c.element_type());
  }
}

TEST(ArrayCodecTest, ElementTypeFollowsTheRowCount) {
  Column c = FixedArrays<int64_t>(DataType::kInt64, {{5}});
  std::string bytes = EncodeRowBatch(RowBatch{1, {c}});
  // batch header 12, field id 8, type word 4, dim 8, rows 8, then the element type.
  int32_t element = 0;
  std::memcpy(&element, bytes.data() + 12 + 28, 4);
  EXPECT_EQ(element, static_cast<int32_t>(DataType::kInt64));
  auto r = DecodeRowBatch(bytes, kName);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (RowBatch{1, {c}}));
}

TEST(ArrayCodecTest, BadElementTypesAndMalformedCellsAreDataLoss) {
  Column c = FixedArrays<int64_t>(DataType::kInt64, {{5}});
  std::string bytes = EncodeRowBatch(RowBatch{1, {c}});
  for (int32_t bad :
       {0, static_cast<int32_t>(DataType::kJson), static_cast<int32_t>(DataType::kArray),
        static_cast<int32_t>(DataType::kFloatVector)}) {
    std::string corrupt = bytes;
    std::memcpy(corrupt.data() + 12 + 28, &bad, 4);
    ExpectDataLoss(DecodeRowBatch(corrupt, kName).status(), "element type");
  }
  Column partial(100, DataType::kArray, 0, false, DataType::kInt64);
  partial.values<std::string>() = {"1234567"};  // not a whole Int64
  ExpectDataLoss(DecodeRowBatch(EncodeRowBatch(RowBatch{1, {partial}}), kName).status(), "row 0");
  Column truncated(100, DataType::kArray, 0, false, DataType::kVarChar);
  std::string cell;
  AppendArrayString(cell, "hello");
  truncated.values<std::string>() = {cell.substr(0, 6)};
  ExpectDataLoss(DecodeRowBatch(EncodeRowBatch(RowBatch{1, {truncated}}), kName).status(),
                 "truncated VarChar element");
  Column wide = FixedArrays<int32_t>(DataType::kInt8, {{300}});
  ExpectDataLoss(DecodeRowBatch(EncodeRowBatch(RowBatch{1, {wide}}), kName).status(),
                 "out of range for Int8");
  Column boolean = FixedArrays<uint8_t>(DataType::kBool, {{2}});
  ExpectDataLoss(DecodeRowBatch(EncodeRowBatch(RowBatch{1, {boolean}}), kName).status(),
                 "Bool element 2");
}

// Golden bytes of a version 2 column file (a nullable Int64 column of 3 rows, the middle one
// null), written before Array columns existed: it still loads.
TEST(ArrayCodecTest, ReadsVersionTwoColumnFiles) {
  const unsigned char kGolden[] = {
      // clang-format off
      'S', 'T', 'R', 'T', 3, 0, 2, 0, 53, 0, 0, 0, 0, 0, 0, 0,
      // field 7, type word Int64 | nullable, dim 0, 3 rows, validity 0b101
      7, 0, 0, 0, 0, 0, 0, 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 5,
      // values 10, 0, 30
      10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30, 0, 0, 0, 0, 0, 0, 0,
      // clang-format on
  };
  std::string payload(reinterpret_cast<const char*>(kGolden) + 16, sizeof(kGolden) - 16);
  std::string file = SealEnvelope(ObjectKind::kColumnFile, 2, payload);
  ASSERT_EQ(file.substr(0, 16), std::string(reinterpret_cast<const char*>(kGolden), 16));
  auto r = DecodeColumnFile(file, kName);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Column want(7, DataType::kInt64, 0, /*nullable=*/true);
  want.values<int64_t>() = {10, 0, 30};
  want.validity() = {1, 0, 1};
  EXPECT_EQ(*r, want);
}

}  // namespace
}  // namespace strata
