// Array fields: schema rules (element type, max_capacity, max_length of VarChar elements),
// the cell encoding, and ValidateBatch's checks of array rows.
#include <gtest/gtest.h>

#include "schema/array_cell.h"
#include "schema/schema.h"

namespace strata {
namespace {

FieldSchema Field(const char* name, DataType type) {
  FieldSchema f;
  f.name = name;
  f.type = type;
  return f;
}

FieldSchema ArrayField(const char* name, DataType element, KeyValues params) {
  FieldSchema f = Field(name, DataType::kArray);
  f.element_type = element;
  f.type_params = std::move(params);
  return f;
}

// id (pk, 100), vec (101), nums (Int64 array of at most 3, 102), tags (nullable VarChar array
// of at most 2 elements of at most 4 bytes, 103).
CollectionSchema Schema() {
  CollectionSchema s;
  s.name = "arrays";
  s.fields = {Field("id", DataType::kInt64), Field("vec", DataType::kFloatVector),
              ArrayField("nums", DataType::kInt64, {{"max_capacity", "3"}}),
              ArrayField("tags", DataType::kVarChar, {{"max_capacity", "2"}, {"max_length", "4"}})};
  s.fields[0].is_primary_key = true;
  s.fields[1].dim = 2;
  s.fields[3].nullable = true;
  Status st = ValidateSchema(s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return s;
}

Status Validate(FieldSchema f) {
  CollectionSchema s;
  s.name = "c";
  s.fields = {Field("id", DataType::kInt64), Field("vec", DataType::kFloatVector), std::move(f)};
  s.fields[0].is_primary_key = true;
  s.fields[1].dim = 2;
  return ValidateSchema(s);
}

void ExpectInvalid(const Status& st, std::string_view needle) {
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find(needle), std::string_view::npos) << st.ToString();
}

TEST(ArraySchemaTest, ParsesCapacityAndLength) {
  CollectionSchema s = Schema();
  EXPECT_EQ(s.fields[2].max_capacity, 3);
  EXPECT_EQ(s.fields[2].element_type, DataType::kInt64);
  EXPECT_EQ(s.fields[3].max_capacity, 2);
  EXPECT_EQ(s.fields[3].max_length, 4);
  auto back = SchemaFromJson(SchemaToJson(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, s);
  EXPECT_EQ(ColumnForField(s.fields[3]).element_type(), DataType::kVarChar);
  EXPECT_TRUE(ColumnForField(s.fields[3]).nullable());
}

TEST(ArraySchemaTest, RulesNameTheField) {
  for (DataType bad : {DataType::kNone, DataType::kJson, DataType::kArray, DataType::kFloatVector,
                       DataType::kString})
    ExpectInvalid(Validate(ArrayField("a", bad, {{"max_capacity", "4"}})),
                  "array field 'a': element type");
  ExpectInvalid(Validate(ArrayField("a", DataType::kInt32, {})),
                "max_capacity) should be specified for array field 'a'");
  ExpectInvalid(Validate(ArrayField("a", DataType::kInt32, {{"max_capacity", "0"}})),
                "should be specified");
  ExpectInvalid(Validate(ArrayField("a", DataType::kInt32, {{"max_capacity", "4097"}})),
                "max_capacity must be in [1, 4096], got 4097");
  ExpectInvalid(Validate(ArrayField("a", DataType::kInt32, {{"max_capacity", "-1"}})), "got -1");
  ExpectInvalid(Validate(ArrayField("a", DataType::kInt32, {{"max_capacity", "x"}})),
                "max_capacity must be an integer");
  ExpectInvalid(Validate(ArrayField("a", DataType::kVarChar, {{"max_capacity", "4"}})),
                "field 'a': max_length must be in");
  FieldSchema with_default = ArrayField("a", DataType::kInt32, {{"max_capacity", "4"}});
  with_default.default_value = 1;
  ExpectInvalid(Validate(with_default), "Array fields cannot have a default value");
  EXPECT_TRUE(Validate(ArrayField("a", DataType::kInt32, {{"max_capacity", "4096"}})).ok());
}

TEST(ArrayCellTest, LengthsAndChecks) {
  std::string words;
  AppendArrayString(words, "ab");
  AppendArrayString(words, "");
  AppendArrayString(words, "xyz");
  EXPECT_EQ(ArrayCellLength(DataType::kVarChar, words), 3);
  std::vector<std::string> seen;
  ForEachArrayString(words, [&](std::string_view w) {
    seen.emplace_back(w);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"ab", "", "xyz"}));
  int64_t length = -1;
  EXPECT_TRUE(CheckArrayCell(DataType::kVarChar, words, &length).ok());
  EXPECT_EQ(length, 3);
  EXPECT_FALSE(CheckArrayCell(DataType::kVarChar, words.substr(0, words.size() - 1), &length).ok());
  EXPECT_FALSE(CheckArrayCell(DataType::kVarChar, words.substr(0, 2), &length).ok());

  std::string doubles;
  AppendArrayElement<double>(doubles, 1.5);
  AppendArrayElement<double>(doubles, -2);
  EXPECT_EQ(ArrayCellLength(DataType::kDouble, doubles), 2);
  EXPECT_EQ(ArrayElementAt<double>(doubles, 1), -2);
  EXPECT_TRUE(CheckArrayCell(DataType::kDouble, "", &length).ok());
  EXPECT_EQ(length, 0);
  EXPECT_FALSE(CheckArrayCell(DataType::kInt32, "abc", &length).ok());
}

RowBatch Rows(std::vector<std::vector<int64_t>> nums, std::vector<std::vector<std::string>> tags) {
  RowBatch b;
  b.num_rows = static_cast<int64_t>(nums.size());
  Column id(100, DataType::kInt64), vec(101, DataType::kFloatVector, 2);
  Column n(102, DataType::kArray, 0, false, DataType::kInt64);
  Column t(103, DataType::kArray, 0, true, DataType::kVarChar);
  for (size_t r = 0; r < nums.size(); ++r) {
    id.values<int64_t>().push_back(static_cast<int64_t>(r));
    vec.values<float>().insert(vec.values<float>().end(), {0, 1});
    std::string cell;
    for (int64_t v : nums[r]) AppendArrayElement<int64_t>(cell, v);
    n.values<std::string>().push_back(cell);
    cell.clear();
    for (const auto& w : tags[r]) AppendArrayString(cell, w);
    t.values<std::string>().push_back(cell);
    t.validity().push_back(1);
  }
  b.columns = {id, vec, n, t};
  return b;
}

TEST(ArrayBatchTest, AcceptsArraysWithinLimits) {
  CollectionSchema s = Schema();
  RowBatch b = Rows({{}, {1, 2, 3}}, {{"abcd", ""}, {}});
  EXPECT_TRUE(ValidateBatch(s, b).ok()) << ValidateBatch(s, b).ToString();
}

TEST(ArrayBatchTest, OverCapacityLongElementsAndWrongElementTypeAreRefused) {
  CollectionSchema s = Schema();
  ExpectInvalid(ValidateBatch(s, Rows({{}, {1, 2, 3, 4}}, {{}, {}})),
                "field 'nums' row 1: array length 4 exceeds max_capacity 3");
  ExpectInvalid(ValidateBatch(s, Rows({{}, {}}, {{"a", "b", "c"}, {}})),
                "field 'tags' row 0: array length 3 exceeds max_capacity 2");
  ExpectInvalid(ValidateBatch(s, Rows({{}, {}}, {{}, {"ok", "toolong"}})),
                "field 'tags' row 1: array element 1 has length 7, exceeding max_length 4");
  RowBatch wrong = Rows({{1}}, {{}});
  wrong.columns[2] = Column(102, DataType::kArray, 0, false, DataType::kInt32);
  wrong.columns[2].values<std::string>() = {std::string(4, '\0')};
  ExpectInvalid(ValidateBatch(s, wrong),
                "array field 'nums' holds Int64 elements but the data is "
                "Int32");
  RowBatch partial = Rows({{1}}, {{}});
  partial.columns[2].values<std::string>()[0].pop_back();
  ExpectInvalid(ValidateBatch(s, partial), "field 'nums' row 0: 7 bytes are not whole Int64");
}

TEST(ArrayBatchTest, NullArraysNeedANullableField) {
  CollectionSchema s = Schema();
  RowBatch b = Rows({{1}, {2}}, {{"a"}, {"b"}});
  b.columns[3].validity()[1] = 0;
  CompleteBatch(s, b);
  EXPECT_TRUE(ValidateBatch(s, b).ok());
  EXPECT_TRUE(b.columns[3].IsNull(1));
  EXPECT_EQ(b.columns[3].values<std::string>()[1], "");  // the placeholder is the empty array

  RowBatch missing = Rows({{1}}, {{"a"}});
  missing.columns.pop_back();  // tags left out: all null
  CompleteBatch(s, missing);
  ASSERT_TRUE(ValidateBatch(s, missing).ok());
  EXPECT_EQ(missing.FindColumn(103)->element_type(), DataType::kVarChar);
  EXPECT_TRUE(missing.FindColumn(103)->IsNull(0));
}

}  // namespace
}  // namespace strata
