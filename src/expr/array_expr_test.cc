// Filters over Array fields: indexing, array_contains / _all / _any, array_length, whole-array
// equality and the type errors, each checked against expectations computed from plain rows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "expr/expr.h"
#include "schema/array_cell.h"

namespace strata::expr {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kId = 100, kInts = 101, kWords = 102, kReals = 103, kSmalls = 104, kFlags = 105;

struct Row {
  int64_t id;
  bool ints_null;
  std::vector<int64_t> ints;  // empty when null
  std::vector<std::string> words;
  std::vector<float> reals;
  std::vector<int32_t> smalls;  // Int16
  std::vector<uint8_t> flags;
};

CollectionSchema Schema() {
  CollectionSchema s;
  s.name = "arrays";
  auto add = [&](int64_t id, const char* name, DataType type, DataType element) {
    FieldSchema f;
    f.field_id = id;
    f.name = name;
    f.type = type;
    f.element_type = element;
    f.max_capacity = 8;
    f.max_length = 8;
    s.fields.push_back(f);
  };
  add(kId, "id", DataType::kInt64, DataType::kNone);
  s.fields[0].is_primary_key = true;
  add(kInts, "ints", DataType::kArray, DataType::kInt64);
  s.fields.back().nullable = true;
  add(kWords, "words", DataType::kArray, DataType::kVarChar);
  add(kReals, "reals", DataType::kArray, DataType::kFloat);
  add(kSmalls, "smalls", DataType::kArray, DataType::kInt16);
  add(kFlags, "flags", DataType::kArray, DataType::kBool);
  return s;
}

std::vector<Row> Rows() {
  static const char* kWordList[] = {"red", "green", "blue", "", "a%b", "re"};
  std::vector<Row> rows;
  for (int i = 0; i < 240; ++i) {
    Row r;
    r.id = i;
    r.ints_null = i % 11 == 0;
    for (int k = 0; k < i % 6 && !r.ints_null; ++k) r.ints.push_back((i * 7 + k * 13) % 20 - 5);
    for (int k = 0; k < (i / 3) % 4; ++k) r.words.push_back(kWordList[(i + k * 5) % 6]);
    for (int k = 0; k < i % 3; ++k) r.reals.push_back(static_cast<float>((i + k) % 8) * 0.25f);
    for (int k = 0; k < (i / 2) % 5; ++k) r.smalls.push_back((i * 31 + k * 1000) % 65536 - 32768);
    for (int k = 0; k < i % 4; ++k) r.flags.push_back((i >> k) & 1);
    rows.push_back(std::move(r));
  }
  return rows;
}

RowBatch ToBatch(const std::vector<Row>& rows) {
  RowBatch b;
  b.num_rows = static_cast<int64_t>(rows.size());
  Column id(kId, DataType::kInt64);
  Column ints(kInts, DataType::kArray, 0, true, DataType::kInt64);
  Column words(kWords, DataType::kArray, 0, false, DataType::kVarChar);
  Column reals(kReals, DataType::kArray, 0, false, DataType::kFloat);
  Column smalls(kSmalls, DataType::kArray, 0, false, DataType::kInt16);
  Column flags(kFlags, DataType::kArray, 0, false, DataType::kBool);
  for (const Row& r : rows) {
    id.values<int64_t>().push_back(r.id);
    std::string cell;
    for (int64_t v : r.ints) AppendArrayElement(cell, v);
    ints.values<std::string>().push_back(cell);
    ints.validity().push_back(!r.ints_null);
    cell.clear();
    for (const auto& w : r.words) AppendArrayString(cell, w);
    words.values<std::string>().push_back(cell);
    cell.clear();
    for (float v : r.reals) AppendArrayElement(cell, v);
    reals.values<std::string>().push_back(cell);
    cell.clear();
    for (int32_t v : r.smalls) AppendArrayElement(cell, v);
    smalls.values<std::string>().push_back(cell);
    cell.clear();
    for (uint8_t v : r.flags) AppendArrayElement(cell, v);
    flags.values<std::string>().push_back(cell);
  }
  b.columns = {id, ints, words, reals, smalls, flags};
  return b;
}

template <typename T>
bool Has(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

struct Case {
  const char* filter;
  std::function<bool(const Row&)> want;
};

TEST(ArrayExprTest, MatchesExpectedRows) {
  const std::vector<Row> rows = Rows();
  const RowBatch batch = ToBatch(rows);
  const CollectionSchema schema = Schema();
  auto ints = [](const Row& r) { return !r.ints_null; };  // null rows never match
  const Case cases[] = {
      {"array_contains(ints, 2)", [&](const Row& r) { return ints(r) && Has(r.ints, 2L); }},
      {"not array_contains(ints, 2)", [&](const Row& r) { return ints(r) && !Has(r.ints, 2L); }},
      {"array_contains(ints, 2.0)", [&](const Row& r) { return ints(r) && Has(r.ints, 2L); }},
      {"array_contains_all(ints, [1, 8])",
       [&](const Row& r) { return ints(r) && Has(r.ints, 1L) && Has(r.ints, 8L); }},
      {"array_contains_all(ints, [])", ints},
      {"array_contains_any(ints, [-5, 14, 100])",
       [&](const Row& r) {
         return ints(r) && (Has(r.ints, -5L) || Has(r.ints, 14L) || Has(r.ints, 100L));
       }},
      {"array_contains_any(ints, [])", [](const Row&) { return false; }},
      {"array_length(ints) == 0", [&](const Row& r) { return ints(r) && r.ints.empty(); }},
      {"array_length(ints) >= 4", [&](const Row& r) { return ints(r) && r.ints.size() >= 4; }},
      {"array_length(ints) + 1 > array_length(words)",
       [&](const Row& r) { return ints(r) && r.ints.size() + 1 > r.words.size(); }},
      {"ints[0] > 5", [&](const Row& r) { return !r.ints.empty() && r.ints[0] > 5; }},
      {"ints[4] <= 0", [&](const Row& r) { return r.ints.size() > 4 && r.ints[4] <= 0; }},
      {"ints[7] == 1", [](const Row&) { return false; }},
      {"ints[1] in [0, 1, 2]",
       [&](const Row& r) { return r.ints.size() > 1 && r.ints[1] >= 0 && r.ints[1] <= 2; }},
      {"ints[0] * 2 + ints[1] > 10",
       [&](const Row& r) { return r.ints.size() > 1 && r.ints[0] * 2 + r.ints[1] > 10; }},
      {"ints == [2, 15]",
       [&](const Row& r) {
         return ints(r) && r.ints == std::vector<int64_t>{2, 15};
       }},
      {"[] == ints", [&](const Row& r) { return ints(r) && r.ints.empty(); }},
      {"ints != []", [&](const Row& r) { return ints(r) && !r.ints.empty(); }},
      {"ints is null", [](const Row& r) { return r.ints_null; }},
      {"array_contains(words, \"red\")",
       [](const Row& r) { return Has(r.words, std::string("red")); }},
      {"array_contains(words, \"\")", [](const Row& r) { return Has(r.words, std::string()); }},
      {"array_contains_all(words, [\"red\", \"blue\"])",
       [](const Row& r) {
         return Has(r.words, std::string("red")) && Has(r.words, std::string("blue"));
       }},
      {"json_contains_any(words, [\"re\", \"green\"])",
       [](const Row& r) {
         return Has(r.words, std::string("re")) || Has(r.words, std::string("green"));
       }},
      {"words[0] like \"re%\"",
       [](const Row& r) { return !r.words.empty() && r.words[0].rfind("re", 0) == 0; }},
      {"words[1] == \"a%b\"",
       [](const Row& r) { return r.words.size() > 1 && r.words[1] == "a%b"; }},
      {"words[0] > \"green\"",
       [](const Row& r) { return !r.words.empty() && r.words[0] > "green"; }},
      {"words == [\"red\", \"\"]",
       [](const Row& r) {
         return r.words == std::vector<std::string>{"red", ""};
       }},
      {"array_length(words) == 3", [](const Row& r) { return r.words.size() == 3; }},
      {"array_contains(reals, 0.5)", [](const Row& r) { return Has(r.reals, 0.5f); }},
      {"array_contains(reals, 1)", [](const Row& r) { return Has(r.reals, 1.0f); }},
      {"reals[1] >= 1.25", [](const Row& r) { return r.reals.size() > 1 && r.reals[1] >= 1.25f; }},
      {"reals == [1.75, 0]",
       [](const Row& r) {
         return r.reals == std::vector<float>{1.75f, 0.0f};
       }},
      {"array_contains_any(smalls, [-32768, -31737])",
       [](const Row& r) { return Has(r.smalls, -32768) || Has(r.smalls, -31737); }},
      {"smalls[0] < -30000",
       [](const Row& r) { return !r.smalls.empty() && r.smalls[0] < -30000; }},
      {"array_contains(flags, true)", [](const Row& r) { return Has(r.flags, uint8_t{1}); }},
      {"flags[2]", [](const Row& r) { return r.flags.size() > 2 && r.flags[2]; }},
      {"flags == [false, true]",
       [](const Row& r) {
         return r.flags == std::vector<uint8_t>{0, 1};
       }},
      {"array_contains(ints, 3) or array_length(words) == 0",
       [&](const Row& r) { return (ints(r) && Has(r.ints, 3L)) || r.words.empty(); }},
  };
  for (const Case& c : cases) {
    auto plan = ParseFilter(c.filter, schema);
    ASSERT_TRUE(plan.ok()) << c.filter << ": " << plan.status().ToString();
    FilterBitmap got;
    Status st = EvaluateFilter(**plan, batch, &got);
    ASSERT_TRUE(st.ok()) << c.filter << ": " << st.ToString();
    for (size_t r = 0; r < rows.size(); ++r)
      EXPECT_EQ(got[r] != 0, c.want(rows[r])) << c.filter << " row " << r;
  }
}

TEST(ArrayExprTest, TypeErrorsNameFieldAndPosition) {
  const CollectionSchema schema = Schema();
  const std::pair<const char*, const char*> cases[] = {
      {"array_contains(ints, \"x\")",
       "array_contains: \"x\" cannot be an element of field 'ints' (array of Int64) (at "
       "position 21)"},
      {"array_contains(ints, 1.5)", "1.5 cannot be an element of field 'ints'"},
      {"array_contains_any(words, [\"a\", 3])",
       "3 cannot be an element of field 'words' (array of VarChar)"},
      {"array_contains(flags, 1)", "1 cannot be an element of field 'flags' (array of Bool)"},
      {"array_contains(ints[0], 1)",
       "array_contains needs an Array or JSON field, but ints[0] is "
       "an array element"},
      {"array_contains(id, 1)", "needs an Array or JSON field, but id is Int64"},
      {"ints > 5", "cannot compare field 'ints' (Array) with integer 5"},
      {"ints == words", "cannot compare field 'ints' (Array) with field 'words' (Array)"},
      {"ints in [1, 2]", "'in' needs a value, found field 'ints' (Array)"},
      {"ints == [1, \"a\"]", "array comparison: \"a\" cannot be an element of field 'ints'"},
      {"smalls == [40000]", "40000 is out of range for the Int16 elements of field 'smalls'"},
      {"ints < [1]", "arrays support only == and != (field 'ints')"},
      {"id == [1]",
       "a list is only valid after 'in', in json_contains and array_contains "
       "functions, or compared with an Array field (at position 6)"},
      {"ints[0] == \"a\"", "cannot compare array element ints[0] (Int64) with string"},
      {"ints[\"k\"] == 1",
       "array field 'ints' takes one integer index, as in ints[0] (at "
       "position 0)"},
      {"ints[0][1] == 1", "takes one integer index"},
      {"words[0] + 1 > 2", "arithmetic needs numbers, found array element words[0] (VarChar)"},
      {"exists ints[0]", "exists needs a JSON path"},
      {"ints[0] is null", "array element"},
      {"array_length(ints[0]) == 1", "array_length needs an Array or JSON field"},
  };
  for (const auto& [filter, needle] : cases) {
    auto plan = ParseFilter(filter, schema);
    ASSERT_FALSE(plan.ok()) << filter;
    EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument) << filter;
    EXPECT_THAT(std::string(plan.status().message()), HasSubstr(needle)) << filter;
  }
}

TEST(ArrayExprTest, TemplatesAndColumnChecks) {
  const CollectionSchema schema = Schema();
  const std::vector<Row> rows = Rows();
  RowBatch batch = ToBatch(rows);
  ExprTemplateValues values{{"want", nlohmann::json::array({2, 15})}, {"n", 3}};
  auto plan = ParseFilter("ints == {want} or array_length(ints) == {n}", schema, &values);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  FilterBitmap got;
  ASSERT_TRUE(EvaluateFilter(**plan, batch, &got).ok());
  for (size_t r = 0; r < rows.size(); ++r) {
    bool want = !rows[r].ints_null &&
                (rows[r].ints == std::vector<int64_t>{2, 15} || rows[r].ints.size() == 3);
    EXPECT_EQ(got[r] != 0, want) << r;
  }
  // A column whose element type differs from the schema's is refused, not misread.
  batch.columns[1] = Column(kInts, DataType::kArray, 0, true, DataType::kInt32);
  batch.columns[1].values<std::string>().resize(rows.size());
  batch.columns[1].validity().resize(rows.size(), 1);
  Status st = EvaluateFilter(**plan, batch, &got);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("field 'ints'"));
}

}  // namespace
}  // namespace strata::expr
