// Filters over nullable fields (three-valued: a comparison with null never matches, and `not`
// does not turn it into a match) and over the dynamic field ($meta keys by bare name).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expr/expr.h"

namespace strata::expr {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kId = 100, kNum = 101, kText = 102, kDoc = 103, kMeta = 104;

CollectionSchema Schema(bool dynamic) {
  CollectionSchema s;
  s.name = "c";
  auto add = [&](int64_t id, const char* name, DataType type, bool nullable) {
    FieldSchema f;
    f.field_id = id;
    f.name = name;
    f.type = type;
    f.nullable = nullable;
    f.max_length = 16;
    s.fields.push_back(f);
  };
  add(kId, "id", DataType::kInt64, false);
  s.fields[0].is_primary_key = true;
  add(kNum, "num", DataType::kInt64, true);
  add(kText, "text", DataType::kVarChar, true);
  add(kDoc, "doc", DataType::kJson, true);
  if (dynamic) {
    add(kMeta, "$meta", DataType::kJson, false);
    s.fields.back().is_dynamic = true;
  }
  return s;
}

// Rows 0..5: num = 1, null, 3, null, 5, 2; text = "a1", "b", null, "a2", null, "c";
// doc null in rows 1 and 4; $meta keys vary.
RowBatch Rows() {
  RowBatch b;
  b.num_rows = 6;
  Column id(kId, DataType::kInt64), num(kNum, DataType::kInt64, 0, true),
      text(kText, DataType::kVarChar, 0, true), doc(kDoc, DataType::kJson, 0, true),
      meta(kMeta, DataType::kJson);
  id.values<int64_t>() = {0, 1, 2, 3, 4, 5};
  num.values<int64_t>() = {1, 0, 3, 0, 5, 2};
  num.validity() = {1, 0, 1, 0, 1, 1};
  text.values<std::string>() = {"a1", "b", "", "a2", "", "c"};
  text.validity() = {1, 1, 0, 1, 0, 1};
  doc.values<std::string>() = {R"({"k":1})", "", R"({"k":2})", R"({"k":3})", "", "{}"};
  doc.validity() = {1, 0, 1, 1, 0, 1};
  meta.values<std::string>() = {R"({"color":"red","price":5})",
                                R"({"color":"blue","price":20,"a":{"b":1}})",
                                "{}",
                                R"({"color":"red","price":15})",
                                R"({"a":{"b":2}})",
                                R"({"color":null,"price":11.5})"};
  b.columns = {id, num, text, doc, meta};
  return b;
}

std::vector<int64_t> Match(std::string_view filter) {
  auto plan = ParseFilter(filter, Schema(true));
  EXPECT_TRUE(plan.ok()) << filter << ": " << plan.status().ToString();
  if (!plan.ok()) return {};
  FilterBitmap bits;
  Status st = EvaluateFilter(**plan, Rows(), &bits);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::vector<int64_t> rows;
  for (size_t r = 0; r < bits.size(); ++r)
    if (bits[r]) rows.push_back(static_cast<int64_t>(r));
  return rows;
}

using Rows_ = std::vector<int64_t>;

TEST(NullableFilterTest, IsNullReadsTheValidity) {
  EXPECT_EQ(Match("num is null"), (Rows_{1, 3}));
  EXPECT_EQ(Match("num is not null"), (Rows_{0, 2, 4, 5}));
  EXPECT_EQ(Match("text IS NULL"), (Rows_{2, 4}));
  EXPECT_EQ(Match("doc is null"), (Rows_{1, 4}));
  EXPECT_EQ(Match("not (num is null)"), (Rows_{0, 2, 4, 5}));
  EXPECT_EQ(Match("id is null"), Rows_{});
}

TEST(NullableFilterTest, ComparisonsWithNullNeverMatch) {
  EXPECT_EQ(Match("num > 1"), (Rows_{2, 4, 5}));
  EXPECT_EQ(Match("num != 3"), (Rows_{0, 4, 5}));
  EXPECT_EQ(Match("num == 0"), Rows_{});  // the placeholder of a null row is not a value
  EXPECT_EQ(Match("num + 1 >= 3"), (Rows_{2, 4, 5}));
  EXPECT_EQ(Match("num in [0, 1, 2]"), (Rows_{0, 5}));
  EXPECT_EQ(Match("num not in [1]"), (Rows_{2, 4, 5}));
  EXPECT_EQ(Match("text like \"a%\""), (Rows_{0, 3}));
  EXPECT_EQ(Match("text != \"b\""), (Rows_{0, 3, 5}));
  EXPECT_EQ(Match("doc[\"k\"] >= 1"), (Rows_{0, 2, 3}));
  EXPECT_EQ(Match("1 < num < 5"), (Rows_{2, 5}));
}

TEST(NullableFilterTest, NotAndOrFollowThreeValuedLogic) {
  EXPECT_EQ(Match("not (num > 2)"), (Rows_{0, 5}));
  // false and unknown is false, so `not` matches every row.
  EXPECT_EQ(Match("not (num > 2 and id > 100)"), (Rows_{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(Match("num > 2 or id == 1"), (Rows_{1, 2, 4}));
  EXPECT_EQ(Match("not (num > 2 or id == 3)"), (Rows_{0, 5}));
  EXPECT_EQ(Match("num is null or text is null"), (Rows_{1, 2, 3, 4}));
}

TEST(DynamicFilterTest, BareNamesAreMetaKeys) {
  EXPECT_EQ(Match("color == \"red\""), (Rows_{0, 3}));
  EXPECT_EQ(Match("price > 10"), (Rows_{1, 3, 5}));
  EXPECT_EQ(Match("a[\"b\"] == 2"), Rows_{4});
  EXPECT_EQ(Match("$meta[\"a\"][\"b\"] >= 1"), (Rows_{1, 4}));
  EXPECT_EQ(Match("$meta[\"color\"] in [\"blue\"]"), Rows_{1});
  EXPECT_EQ(Match("exists color"), (Rows_{0, 1, 3, 5}));
  EXPECT_EQ(Match("price > 10 and num is not null"), Rows_{5});
  // A missing key is not a null field: the JSON rules apply (no match, and `not` flips it).
  EXPECT_EQ(Match("not (color == \"red\")"), (Rows_{1, 2, 4, 5}));
}

TEST(DynamicFilterTest, ErrorsNameTheProblem) {
  auto plan = ParseFilter("color == \"red\"", Schema(false));
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("field 'color' does not exist"));
}

// On a JSON path or dynamic key, `is null` means no value: the row's JSON is null, the key is
// missing, or it holds JSON null. It never yields unknown, so `not` and `is not null` are exact
// complements.
TEST(DynamicFilterTest, IsNullOnJsonPathsMeansNoValue) {
  EXPECT_EQ(Match("color is null"), (Rows_{2, 4, 5}));
  EXPECT_EQ(Match("color is not null"), (Rows_{0, 1, 3}));
  EXPECT_EQ(Match("$meta[\"a\"][\"b\"] is not null"), (Rows_{1, 4}));
  EXPECT_EQ(Match("a[\"b\"] is null"), (Rows_{0, 2, 3, 5}));
  EXPECT_EQ(Match("doc[\"k\"] is null"), (Rows_{1, 4, 5}));  // null rows 1, 4; no key in 5
  EXPECT_EQ(Match("not (doc[\"k\"] is null)"), (Rows_{0, 2, 3}));
  EXPECT_EQ(Match("price is null or price < 10"), (Rows_{0, 2, 4}));
}

TEST(NullableFilterTest, ValidityOfTheWrongLengthIsAnError) {
  RowBatch rows = Rows();
  rows.columns[1].validity().pop_back();
  auto plan = ParseFilter("num > 1", Schema(true));
  ASSERT_TRUE(plan.ok());
  FilterBitmap bits;
  EXPECT_EQ(EvaluateFilter(**plan, rows, &bits).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata::expr
