// Nullable fields, default values and the dynamic field: schema rules, CompleteBatch and the
// null checks of ValidateBatch.
#include <gtest/gtest.h>

#include "schema/schema.h"

namespace strata {
namespace {

FieldSchema Field(const char* name, DataType type) {
  FieldSchema f;
  f.name = name;
  f.type = type;
  return f;
}

// id (pk), vec, age (nullable Int32), city (VarChar default "none"), score (nullable Double
// with default 1.5); ids 100..104, $meta 105 when dynamic.
CollectionSchema Schema(bool dynamic) {
  CollectionSchema s;
  s.name = "people";
  s.enable_dynamic_field = dynamic;
  s.fields = {Field("id", DataType::kInt64), Field("vec", DataType::kFloatVector),
              Field("age", DataType::kInt32), Field("city", DataType::kVarChar),
              Field("score", DataType::kDouble)};
  s.fields[0].is_primary_key = true;
  s.fields[1].dim = 2;
  s.fields[2].nullable = true;
  s.fields[3].max_length = 8;
  s.fields[3].default_value = "none";
  s.fields[4].nullable = true;
  s.fields[4].default_value = 1.5;
  EXPECT_TRUE(ValidateSchema(s).ok());
  return s;
}

// Two rows with id and vec only.
RowBatch Minimal() {
  RowBatch b;
  b.num_rows = 2;
  b.columns.emplace_back(100, DataType::kInt64);
  b.columns.back().values<int64_t>() = {1, 2};
  b.columns.emplace_back(101, DataType::kFloatVector, 2);
  b.columns.back().values<float>() = {1, 2, 3, 4};
  return b;
}

Status SchemaError(CollectionSchema s) { return ValidateSchema(s); }

TEST(NullableSchemaTest, RejectsNullablePrimaryKeysAndVectorsAndBadDefaults) {
  auto s = Schema(false);
  s.fields[1].nullable = true;
  EXPECT_NE(SchemaError(s).message().find("vector field 'vec' (FloatVector) cannot be nullable"),
            std::string_view::npos);
  s = Schema(false);
  s.fields[0].nullable = true;
  EXPECT_NE(SchemaError(s).message().find("primary key 'id' cannot be nullable"),
            std::string_view::npos);
  s = Schema(false);
  s.fields[2].default_value = "x";
  EXPECT_NE(SchemaError(s).message().find("field 'age': default value \"x\" does not fit"),
            std::string_view::npos);
  s = Schema(false);
  s.fields[2].default_value = int64_t{1} << 40;
  EXPECT_EQ(SchemaError(s).code(), StatusCode::kInvalidArgument);
  s = Schema(false);
  s.fields[3].default_value = "too long for eight";
  EXPECT_NE(SchemaError(s).message().find("max_length"), std::string_view::npos);
}

TEST(NullableSchemaTest, DynamicFieldIsAppendedAndSurvivesJson) {
  auto s = Schema(true);
  ASSERT_EQ(s.fields.size(), 6u);
  const FieldSchema* meta = s.DynamicField();
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(meta->name, "$meta");
  EXPECT_EQ(meta->field_id, 105);
  EXPECT_EQ(meta->type, DataType::kJson);
  EXPECT_EQ(Schema(false).DynamicField(), nullptr);
  auto back = SchemaFromJson(SchemaToJson(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, s);
  // Validating again (as a client resending it would) keeps a single $meta.
  ASSERT_TRUE(ValidateSchema(*back).ok());
  EXPECT_EQ(*back, s);
}

TEST(NullableSchemaTest, SchemaJsonWithoutNewKeysStillLoads) {
  auto json = SchemaToJson(Schema(false));
  for (auto& f : json["fields"]) {
    f.erase("nullable");
    f.erase("default_value");
    f.erase("is_dynamic");
  }
  auto back = SchemaFromJson(json);
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->fields[2].nullable);
  EXPECT_TRUE(back->fields[3].default_value.is_null());
}

TEST(CompleteBatchTest, FillsMissingColumnsWithNullsDefaultsAndEmptyObjects) {
  auto s = Schema(true);
  RowBatch b = Minimal();
  CompleteBatch(s, b);
  ASSERT_TRUE(ValidateBatch(s, b).ok()) << ValidateBatch(s, b).ToString();
  const Column* age = b.FindColumn(102);
  ASSERT_NE(age, nullptr);
  EXPECT_TRUE(age->IsNull(0) && age->IsNull(1));
  EXPECT_EQ(b.FindColumn(103)->values<std::string>(), (std::vector<std::string>{"none", "none"}));
  EXPECT_FALSE(b.FindColumn(103)->nullable());
  EXPECT_EQ(b.FindColumn(104)->values<double>(), (std::vector<double>{1.5, 1.5}));
  EXPECT_EQ(b.FindColumn(104)->validity(), (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(b.FindColumn(105)->values<std::string>(), (std::vector<std::string>{"{}", "{}"}));
}

TEST(CompleteBatchTest, NullsTakeTheDefaultAndNullSlotsAreZeroed) {
  auto s = Schema(false);
  RowBatch b = Minimal();
  Column city(103, DataType::kVarChar, 0, true);
  city.values<std::string>() = {"paris", "junk"};
  city.validity() = {1, 0};
  Column age(102, DataType::kInt32, 0, true);
  age.values<int32_t>() = {99, 7};
  age.validity() = {0, 1};
  b.columns.push_back(city);
  b.columns.push_back(age);
  CompleteBatch(s, b);
  ASSERT_TRUE(ValidateBatch(s, b).ok());
  EXPECT_FALSE(b.FindColumn(103)->nullable());
  EXPECT_EQ(b.FindColumn(103)->values<std::string>(), (std::vector<std::string>{"paris", "none"}));
  EXPECT_EQ(b.FindColumn(102)->values<int32_t>(), (std::vector<int32_t>{0, 7}));
  EXPECT_TRUE(b.FindColumn(102)->IsNull(0));
}

TEST(ValidateBatchTest, NullInAFieldThatIsNotNullableNamesTheFieldAndRow) {
  auto s = Schema(false);
  s.fields[3].default_value = nullptr;  // city: neither nullable nor defaulted
  RowBatch b = Minimal();
  Column city(103, DataType::kVarChar, 0, true);
  city.values<std::string>() = {"a", ""};
  city.validity() = {1, 0};
  b.columns.push_back(city);
  CompleteBatch(s, b);
  Status st = ValidateBatch(s, b);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("field 'city' row 1: null value"), std::string_view::npos)
      << st.ToString();
}

TEST(ValidateBatchTest, DynamicRowsMustBeObjectsWithoutSchemaKeys) {
  auto s = Schema(true);
  RowBatch b = Minimal();
  b.columns.emplace_back(105, DataType::kJson);
  b.columns.back().values<std::string>() = {R"({"color":"red"})", "[1]"};
  CompleteBatch(s, b);
  EXPECT_NE(ValidateBatch(s, b).message().find("row 1: the dynamic field must hold a JSON object"),
            std::string_view::npos);
  b.FindColumn(105)->values<std::string>()[1] = R"({"age":3})";
  EXPECT_NE(ValidateBatch(s, b).message().find("dynamic key 'age' is also a field"),
            std::string_view::npos);
}

}  // namespace
}  // namespace strata
