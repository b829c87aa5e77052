#include "schema/schema.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

CollectionSchema ImageSchema() {
  CollectionSchema s;
  s.name = "images";
  FieldSchema pk;
  pk.name = "id";
  pk.type = DataType::kInt64;
  pk.is_primary_key = true;
  pk.auto_id = true;
  FieldSchema path;
  path.name = "path";
  path.type = DataType::kVarChar;
  path.type_params = {{"max_length", "8"}};
  FieldSchema vec;
  vec.name = "embedding";
  vec.type = DataType::kFloatVector;
  vec.type_params = {{"dim", "4"}};
  s.fields = {pk, path, vec};
  return s;
}

RowBatch GoodBatch(const CollectionSchema& s) {
  RowBatch b;
  b.num_rows = 2;
  b.columns.emplace_back(s.fields[1].field_id, DataType::kVarChar);
  b.columns.back().values<std::string>() = {"a.jpg", "b.jpg"};
  b.columns.emplace_back(s.fields[2].field_id, DataType::kFloatVector, 4);
  b.columns.back().values<float>() = {1, 2, 3, 4, 5, 6, 7, 8};
  return b;
}

TEST(SchemaTest, ValidateAssignsIdsAndParsesParams) {
  auto s = ImageSchema();
  ASSERT_TRUE(ValidateSchema(s).ok());
  EXPECT_EQ(s.fields[0].field_id, 100);
  EXPECT_EQ(s.fields[2].field_id, 102);
  EXPECT_EQ(s.fields[1].max_length, 8);
  EXPECT_EQ(s.fields[2].dim, 4);
  EXPECT_TRUE(s.auto_id);
}

TEST(SchemaTest, RejectsBadSchemas) {
  auto s = ImageSchema();
  s.fields[2].type_params = {{"dim", "0"}};
  EXPECT_EQ(ValidateSchema(s).code(), StatusCode::kInvalidArgument);
  s = ImageSchema();
  s.fields[0].is_primary_key = false;
  EXPECT_EQ(ValidateSchema(s).code(), StatusCode::kInvalidArgument);
  s = ImageSchema();
  s.fields[1].name = "id";
  EXPECT_NE(ValidateSchema(s).message().find("duplicate"), std::string::npos);
  s = ImageSchema();
  s.name = "bad name";
  EXPECT_FALSE(ValidateSchema(s).ok());
}

TEST(SchemaTest, PartitionKeyRules) {
  auto s = ImageSchema();
  EXPECT_EQ(s.PartitionKeyField(), nullptr);
  s.fields[1].is_partition_key = true;  // VarChar
  ASSERT_TRUE(ValidateSchema(s).ok());
  ASSERT_NE(s.PartitionKeyField(), nullptr);
  EXPECT_EQ(s.PartitionKeyField()->name, s.fields[1].name);

  auto message = [](CollectionSchema schema) {
    return std::string(ValidateSchema(schema).message());
  };
  s = ImageSchema();
  s.fields[0].is_partition_key = true;
  EXPECT_EQ(message(s), "the partition key field must not be primary field");
  s = ImageSchema();
  s.fields[2].is_partition_key = true;
  EXPECT_NE(message(s).find("should be Int64 or VarChar"), std::string::npos);
  s = ImageSchema();
  FieldSchema second;
  second.name = "year";
  second.type = DataType::kInt64;
  second.is_partition_key = true;
  s.fields[1].is_partition_key = true;
  s.fields.push_back(second);
  EXPECT_NE(message(s).find("more than one partition key"), std::string::npos);
  s = ImageSchema();
  s.fields[1].is_partition_key = true;
  s.fields[1].nullable = true;
  EXPECT_NE(message(s).find("partition key field not support nullable"), std::string::npos);
}

TEST(SchemaTest, ValidateBatch) {
  auto s = ImageSchema();
  ASSERT_TRUE(ValidateSchema(s).ok());
  EXPECT_TRUE(ValidateBatch(s, GoodBatch(s)).ok());

  auto long_string = GoodBatch(s);
  long_string.columns[0].values<std::string>()[1] = "much-too-long.jpg";
  auto st = ValidateBatch(s, long_string);
  EXPECT_NE(st.message().find("max_length"), std::string::npos) << st.ToString();

  auto wrong_dim = GoodBatch(s);
  wrong_dim.columns[1] = Column(s.fields[2].field_id, DataType::kFloatVector, 2);
  wrong_dim.columns[1].values<float>() = {1, 2, 3, 4};
  EXPECT_NE(ValidateBatch(s, wrong_dim).message().find("dim"), std::string::npos);

  auto missing = GoodBatch(s);
  missing.columns.pop_back();
  EXPECT_NE(ValidateBatch(s, missing).message().find("missing"), std::string::npos);
}

TEST(SchemaTest, JsonRoundTrip) {
  auto s = ImageSchema();
  ASSERT_TRUE(ValidateSchema(s).ok());
  auto back = SchemaFromJson(SchemaToJson(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, s);
}

}  // namespace
}  // namespace strata
