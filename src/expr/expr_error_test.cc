// Error reporting, templates, plan introspection and robustness against garbage input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "expr/expr.h"
#include "expr/expr_test_util.h"

namespace strata::expr {
namespace {

using namespace strata::expr::testing;  // NOLINT
using nlohmann::json;
using ::testing::HasSubstr;

std::string ParseError(std::string_view text, const ExprTemplateValues* templates = nullptr,
                       const CollectionSchema& schema = TestSchema()) {
  auto plan = ParseFilter(text, schema, templates);
  if (plan.ok()) return "<parsed>";
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  return std::string(plan.status().message());
}

FilterBitmap Eval(std::string_view text, const ExprTemplateValues* templates = nullptr) {
  auto plan = ParseFilter(text, TestSchema(), templates);
  EXPECT_TRUE(plan.ok()) << text << ": " << plan.status().ToString();
  FilterBitmap bits;
  if (plan.ok()) {
    EXPECT_TRUE(EvaluateFilter(**plan, ToBatch(TestRows()), &bits).ok());
  }
  return bits;
}

TEST(ExprErrorTest, UnknownFieldNamesFieldAndPosition) {
  EXPECT_EQ(ParseError("agee > 1"), "field 'agee' does not exist (at position 0)");
  EXPECT_EQ(ParseError("age > 1 and agee < 2"), "field 'agee' does not exist (at position 12)");
  EXPECT_EQ(ParseError(R"(json_contains(metta["x"], 1))"),
            "field 'metta' does not exist (at position 14)");
}

TEST(ExprErrorTest, TypeMismatchesNameBothSides) {
  std::string m = ParseError(R"(age == "x")");
  EXPECT_THAT(m, HasSubstr("field 'age' (Int32)"));
  EXPECT_THAT(m, HasSubstr("string \"x\""));
  EXPECT_THAT(m, HasSubstr("position 4"));
  m = ParseError("name > 5");
  EXPECT_THAT(m, HasSubstr("field 'name' (VarChar)"));
  EXPECT_THAT(m, HasSubstr("integer 5"));
  m = ParseError("flag == 1");
  EXPECT_THAT(m, HasSubstr("field 'flag' (Bool)"));
  EXPECT_THAT(m, HasSubstr("integer 1"));
  EXPECT_THAT(ParseError("age > name"), HasSubstr("field 'name' (VarChar)"));
  EXPECT_THAT(ParseError("flag < true"), HasSubstr("only == and !="));
  EXPECT_THAT(ParseError(R"(age like "a%")"),
              HasSubstr("like needs a VarChar field or a JSON path, found field 'age' (Int32)"));
  EXPECT_THAT(ParseError("name like 5"), HasSubstr("like needs a string pattern, found integer 5"));
  EXPECT_THAT(ParseError(R"(age in [1, "a"])"),
              HasSubstr("cannot test field 'age' (Int32) against string \"a\""));
  EXPECT_THAT(ParseError(R"(name + 1 > 2)"), HasSubstr("arithmetic needs numbers"));
  EXPECT_THAT(ParseError("-name == 1"), HasSubstr("unary '-' needs a number"));
  EXPECT_THAT(ParseError("age in 5"), HasSubstr("expected a list"));
  // Messages stay valid UTF-8 whatever bytes the literal holds.
  EXPECT_THAT(ParseError("age == \"\xff\x01\u00e9\\\"\""), HasSubstr(R"(string "\xff\x01é\"")"));
  EXPECT_THAT(ParseError("age in [[1]]"), HasSubstr("expected a number, string or boolean"));
}

TEST(ExprErrorTest, VectorAndArrayFields) {
  EXPECT_THAT(ParseError("vec > 1"),
              HasSubstr("field 'vec' is a FloatVector field; vector fields cannot be used"));
  CollectionSchema schema = TestSchema();
  schema.fields.push_back(MakeField(200, "arr", DataType::kArray));
  schema.fields.back().element_type = DataType::kInt32;
  EXPECT_THAT(ParseError("array_contains(arr, \"a\")", nullptr, schema),
              HasSubstr("\"a\" cannot be an element of field 'arr' (array of Int32)"));
  EXPECT_THAT(ParseError("arr == 1", nullptr, schema),
              HasSubstr("cannot compare field 'arr' (Array) with integer 1"));
  EXPECT_THAT(ParseError("array_contains(age, 1)"),
              HasSubstr("array_contains needs an Array or JSON field, but age is Int32"));
  EXPECT_THAT(ParseError("json_contains(name, 1)"), HasSubstr("needs an Array or JSON field"));
}

TEST(ExprErrorTest, SyntaxErrorsSayPositionAndExpectation) {
  EXPECT_EQ(ParseError(R"(meta["a"]["b" == 1)"), "expected ']' at position 14, found '=='");
  EXPECT_EQ(ParseError(R"(age > 1 and meta["a")"),
            "expected ']' at position 20, found end of input");
  EXPECT_EQ(ParseError("age in [1, 2"), "expected ',' or ']' at position 12, found end of input");
  EXPECT_EQ(ParseError("(age > 1"), "expected ')' at position 8, found end of input");
  EXPECT_EQ(ParseError("age > 1)"),
            "expected an operator or end of input at position 7, found ')'");
  EXPECT_EQ(ParseError("age >"), "expected an expression at position 5, found end of input");
  EXPECT_EQ(ParseError("age > 1 and"), "expected an expression at position 11, found end of input");
  EXPECT_EQ(ParseError("age 5"),
            "expected an operator or end of input at position 4, found integer 5");
  EXPECT_EQ(ParseError("age = 5"), "unexpected '=' (use '==' to compare) at position 4");
  EXPECT_EQ(ParseError("age > 5 # x"), "unexpected character '#' at position 8");
  EXPECT_EQ(ParseError(R"(name == "abc)"), "unterminated string literal starting at position 8");
  EXPECT_EQ(ParseError("age is 5"), "expected 'null' or 'not null' at position 7, found integer 5");
  EXPECT_THAT(ParseError("meta[age] == 1"), HasSubstr("expected a string key or an integer index"));
  EXPECT_THAT(ParseError("1 < age > 5"), HasSubstr("chained comparison at position 2"));
  EXPECT_THAT(ParseError("1 < age < 5 < 7"), HasSubstr("at most two operators"));
  EXPECT_THAT(ParseError("age > 1 == true"), HasSubstr("chained comparison"));
  EXPECT_THAT(ParseError("age == 007"), HasSubstr("leading zero"));
  EXPECT_THAT(ParseError("age == 5abc"), HasSubstr("malformed number"));
  EXPECT_THAT(ParseError("age == 1e"), HasSubstr("empty exponent"));
  EXPECT_THAT(ParseError(R"(name == "\u12")"), HasSubstr("\\u escape"));
  EXPECT_THAT(ParseError(R"(name == "\ud800")"), HasSubstr("unpaired surrogate"));
}

// '$' starts an identifier (for $meta); without a dynamic field such names are unknown fields.
TEST(ExprErrorTest, DollarNamesLexAndAreUnknownWithoutADynamicField) {
  EXPECT_EQ(ParseError("$meta[\"a\"] == 1"), "field '$meta' does not exist (at position 0)");
  EXPECT_EQ(ParseError("$ == 1"), "field '$' does not exist (at position 0)");
  EXPECT_THAT(ParseError("age == 1 and $$"), HasSubstr("position 14, found identifier '$'"));
}

TEST(ExprErrorTest, EmptyAndNonBooleanExpressions) {
  EXPECT_EQ(ParseError(""), "empty filter expression (at position 0)");
  EXPECT_EQ(ParseError("   "), "empty filter expression (at position 0)");
  EXPECT_EQ(ParseError("age"),
            "expected a boolean expression, found field 'age' (Int32) (at position 0)");
  EXPECT_THAT(ParseError("age + 1"), HasSubstr("expected a boolean expression"));
  EXPECT_THAT(ParseError("5"), HasSubstr("expected a boolean expression, found integer 5"));
  EXPECT_THAT(ParseError("exists age"), HasSubstr("exists needs a JSON path"));
  EXPECT_THAT(ParseError(R"(age["x"] == 1)"),
              HasSubstr("only JSON and Array fields can be indexed"));
  EXPECT_THAT(ParseError("foo(age)"), HasSubstr("unknown function 'foo'"));
  EXPECT_THAT(ParseError("json_contains(meta)"), HasSubstr("takes 2 arguments, got 1"));
  EXPECT_THAT(ParseError(R"(json_contains_all(meta["tags"], 1))"), HasSubstr("needs a list"));
  EXPECT_THAT(ParseError(R"(array_length(meta["tags"]))"), HasSubstr("is a number"));
  EXPECT_THAT(ParseError("(age > 1) + 1 > 2"), HasSubstr("expected a value"));
  EXPECT_THAT(ParseError("[1, 2] == age"), HasSubstr("a list is only valid"));
  EXPECT_THAT(ParseError("age > age and json_contains(meta[\"t\"], age)"),
              HasSubstr("expected a constant, found field 'age'"));
}

TEST(ExprErrorTest, NumericLimits) {
  EXPECT_THAT(ParseError("age > 9223372036854775808"),
              HasSubstr("integer literal 9223372036854775808 is out of range (at position 6)"));
  EXPECT_THAT(ParseError("age > 99999999999999999999"),
              HasSubstr("integer literal '99999999999999999999' is out of range at position 6"));
  EXPECT_THAT(ParseError("big > 9223372036854775807 + 1"), HasSubstr("integer overflow"));
  EXPECT_THAT(ParseError("big > -9223372036854775808 - 1"), HasSubstr("integer overflow"));
  EXPECT_THAT(ParseError("big > 4611686018427387904 * 2"), HasSubstr("integer overflow"));
  EXPECT_THAT(ParseError("big > -(-9223372036854775808)"), HasSubstr("integer overflow"));
  EXPECT_THAT(ParseError("age > 1e999"), HasSubstr("out of range"));
  EXPECT_THAT(ParseError("age > 10 ** 400"), HasSubstr("not a finite number"));
  EXPECT_THAT(ParseError("age / 0 > 1"), HasSubstr("division by zero"));
  EXPECT_THAT(ParseError("age % 0.0 > 1"), HasSubstr("division by zero"));
  EXPECT_THAT(ParseError("age > 1 / 0"), HasSubstr("division by zero in constant expression"));
  EXPECT_THAT(ParseError("age > 0xFFFFFFFFFFFFFFFFF"), HasSubstr("out of range"));
  EXPECT_EQ(ParseError("age > 1e-999"), "<parsed>");  // underflow is zero, not an error
}

TEST(ExprErrorTest, DeepNestingIsRefusedWithoutCrashing) {
  std::string ok = std::string(150, '(') + "age > 1" + std::string(150, ')');
  EXPECT_EQ(ParseError(ok), "<parsed>");
  for (std::string deep : {std::string(250, '(') + "age > 1" + std::string(250, ')'),
                           std::string(100000, '('), std::string(5000, '['),
                           [] {
                             std::string s;
                             for (int i = 0; i < 300; ++i) s += "not ";
                             return s + "flag";
                           }(),
                           std::string(300, '-') + "age > 1",
                           [] {
                             std::string s = "age";
                             for (int i = 0; i < 500; ++i) s += " + 1";
                             return s + " > 0";
                           }(),
                           "age > 2" +
                               [] {
                                 std::string s;
                                 for (int i = 0; i < 300; ++i) s += " ** 1";
                                 return s;
                               }(),
                           [] {
                             std::string s;
                             for (int i = 0; i < 300; ++i) s += "json_contains(meta, ";
                             return s;
                           }()}) {
    EXPECT_THAT(ParseError(deep), HasSubstr("nests too deeply")) << deep.substr(0, 40);
  }
  // Long flat chains are not nesting.
  std::string chain = "age == 0";
  for (int i = 1; i < 2000; ++i) chain += " or age == " + std::to_string(i);
  FilterBitmap bits = Eval(chain);
  EXPECT_EQ(std::count(bits.begin(), bits.end(), 1), 200);
}

TEST(ExprTemplateTest, ValuesAreSubstituted) {
  ExprTemplateValues t = {{"min_age", 50},
                          {"names", json::array({"alice", "bob"})},
                          {"ages", json::array({1, 2, 37})},
                          {"s", 1.5},
                          {"n", "eve"},
                          {"b", true},
                          {"tags", json::array({3, 4})},
                          {"pat", "al%"}};
  EXPECT_EQ(Eval("age > {min_age}", &t), Eval("age > 50"));
  EXPECT_EQ(Eval("name in {names}", &t), Eval(R"(name in ["alice", "bob"])"));
  EXPECT_EQ(Eval("age in {ages} or score > { s }", &t), Eval("age in [1, 2, 37] or score > 1.5"));
  EXPECT_EQ(Eval("name == {n} and flag == {b}", &t), Eval(R"(name == "eve" and flag == true)"));
  EXPECT_EQ(Eval(R"(json_contains_any(meta["tags"], {tags}))", &t),
            Eval(R"(json_contains_any(meta["tags"], [3, 4]))"));
  EXPECT_EQ(Eval("name like {pat}", &t), Eval(R"(name like "al%")"));
  EXPECT_EQ(Eval("age > {min_age} - 10", &t), Eval("age > 40"));
  EXPECT_EQ(Eval("{b}", &t), Eval("true"));
}

TEST(ExprTemplateTest, Errors) {
  ExprTemplateValues t = {{"list", json::array({1, 2})},
                          {"obj", json::object({{"a", 1}})},
                          {"huge", json(uint64_t{1} << 63)},
                          {"notlist", 5}};
  EXPECT_EQ(ParseError("age > {min_age}"),
            "template value 'min_age' is not provided (at position 6)");
  EXPECT_EQ(ParseError("age > {min_age}", &t),
            "template value 'min_age' is not provided (at position 6)");
  EXPECT_THAT(ParseError("age > {list}", &t), HasSubstr("template value 'list' is a list"));
  EXPECT_THAT(ParseError("age > {obj}", &t), HasSubstr("expected a number, string or boolean"));
  EXPECT_THAT(ParseError("age > {huge}", &t), HasSubstr("out of range"));
  EXPECT_THAT(ParseError("age in {notlist}", &t),
              HasSubstr("template value 'notlist' is not a list"));
  EXPECT_THAT(ParseError("age > {", &t), HasSubstr("expected a template name"));
  EXPECT_THAT(ParseError("age > {x", &t), HasSubstr("expected '}'"));
}

TEST(ExprPlanTest, ReferencedFields) {
  auto plan =
      ParseFilter(R"(age > 1 and meta["a"] == 1 or name like "x%" or age < score)", TestSchema());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(ReferencedFields(**plan), (std::vector<int64_t>{kAge, kScore, kName, kMeta}));
  auto constant = ParseFilter("1 < 2", TestSchema());
  ASSERT_TRUE(constant.ok());
  EXPECT_TRUE(ReferencedFields(**constant).empty());
}

TEST(ExprPlanTest, PrimaryKeyLookup) {
  auto keys = [](std::string_view text) {
    auto plan = ParseFilter(text, TestSchema());
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return PrimaryKeyLookup(**plan);
  };
  using Ints = std::vector<int64_t>;
  EXPECT_EQ(keys("id in [30, 10, 20, 10]"), PrimaryKeys(Ints{10, 20, 30}));
  EXPECT_EQ(keys("id == 5"), PrimaryKeys(Ints{5}));
  EXPECT_EQ(keys("5 == id"), PrimaryKeys(Ints{5}));
  EXPECT_EQ(keys("(id in [-1])"), PrimaryKeys(Ints{-1}));
  EXPECT_EQ(keys("id in []"), PrimaryKeys(Ints{}));
  EXPECT_FALSE(keys("id in [1] and age > 1").has_value());
  EXPECT_FALSE(keys("id > 5").has_value());
  EXPECT_FALSE(keys("id != 5").has_value());
  EXPECT_FALSE(keys("id not in [1]").has_value());
  EXPECT_FALSE(keys("age == 5").has_value());
  EXPECT_FALSE(keys("id == 5.0").has_value());
  EXPECT_FALSE(keys("id + 1 == 5").has_value());
  EXPECT_FALSE(keys("not id == 5").has_value());

  CollectionSchema schema;
  schema.fields = {MakeField(100, "pk", DataType::kVarChar)};
  schema.fields[0].is_primary_key = true;
  auto plan = ParseFilter(R"(pk in ["b", "a", "b"])", schema);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(PrimaryKeyLookup(**plan), PrimaryKeys(std::vector<std::string>{"a", "b"}));
}

TEST(ExprPlanTest, FieldValueLookupReadsTopLevelConjuncts) {
  const CollectionSchema schema = TestSchema();
  auto values = [&](std::string_view text, std::string_view field) {
    auto plan = ParseFilter(text, schema);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return FieldValueLookup(**plan, *schema.FindField(field));
  };
  using Ints = std::vector<int64_t>;
  using Strings = std::vector<std::string>;
  EXPECT_EQ(values("big == 7", "big"), ValueList(Ints{7}));
  EXPECT_EQ(values("big in [3, 1, 3] and age > 1", "big"), ValueList(Ints{1, 3}));
  EXPECT_EQ(values("age > 1 and (flag and big == 4)", "big"), ValueList(Ints{4}));
  EXPECT_EQ(values("big in [1, 2, 3] and big in [2, 3, 4] && big != 3", "big"),
            ValueList(Ints{2, 3}));
  EXPECT_EQ(values("big == 1 and big == 2", "big"), ValueList(Ints{}));
  EXPECT_EQ(values(R"(name in ["b", "a"] and age < 5)", "name"), ValueList(Strings{"a", "b"}));
  EXPECT_FALSE(values("big == 1 or age > 1", "big").has_value());
  EXPECT_FALSE(values("not (big == 1)", "big").has_value());
  EXPECT_FALSE(values("big not in [1] and age > 1", "big").has_value());
  EXPECT_FALSE(values("big > 1", "big").has_value());
  EXPECT_FALSE(values("big == 1.5", "big").has_value());
  EXPECT_FALSE(values("id == 1", "big").has_value());
  EXPECT_FALSE(values("age == 1", "age").has_value());  // only Int64 and VarChar fields
}

TEST(ExprEvalTest, BatchMismatchesAreErrors) {
  auto plan = ParseFilter("age > 1 and name == 'x'", TestSchema());
  ASSERT_TRUE(plan.ok());
  RowBatch batch = ToBatch(TestRows(10));
  FilterBitmap bits;
  RowBatch missing = batch;
  missing.columns.erase(missing.columns.begin() + 1);  // age
  Status st = EvaluateFilter(**plan, missing, &bits);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("field 'age' (id 101)"));
  RowBatch short_column = batch;
  short_column.FindColumn(kName)->values<std::string>().pop_back();
  st = EvaluateFilter(**plan, short_column, &bits);
  EXPECT_THAT(std::string(st.message()), HasSubstr("has 9 rows, the batch has 10"));
  RowBatch wrong_type = batch;
  *wrong_type.FindColumn(kAge) = Column(kAge, DataType::kInt64);
  wrong_type.FindColumn(kAge)->values<int64_t>().assign(10, 1);
  st = EvaluateFilter(**plan, wrong_type, &bits);
  EXPECT_THAT(std::string(st.message()), HasSubstr("has type Int64, the plan expects Int32"));
  // Columns the plan does not read may be absent.
  RowBatch only = batch;
  only.columns = {*batch.FindColumn(kAge), *batch.FindColumn(kName)};
  EXPECT_TRUE(EvaluateFilter(**plan, only, &bits).ok());
}

// Random strings over the grammar's alphabet: parsing never crashes, and whatever parses
// evaluates cleanly to one byte per row.
TEST(ExprFuzzTest, RandomGarbageNeverCrashes) {
  static const char* kPieces[] = {"age",
                                  "meta",
                                  "name",
                                  "flag",
                                  "score",
                                  "id",
                                  "vec",
                                  "agee",
                                  "[",
                                  "]",
                                  "(",
                                  ")",
                                  "{x}",
                                  "\"a\"",
                                  "'b'",
                                  "\"",
                                  "'",
                                  "\\",
                                  "0",
                                  "1",
                                  "-",
                                  "+",
                                  "*",
                                  "/",
                                  "%",
                                  "**",
                                  "==",
                                  "!=",
                                  "<",
                                  "<=",
                                  ">",
                                  ">=",
                                  "and",
                                  "or",
                                  "not",
                                  "!",
                                  "&&",
                                  "||",
                                  "in",
                                  "like",
                                  "is",
                                  "null",
                                  "exists",
                                  "true",
                                  "False",
                                  "json_contains",
                                  "array_length",
                                  ",",
                                  " ",
                                  " ",
                                  "1.5e3",
                                  "9223372036854775808",
                                  "\"%a_\"",
                                  "0x1F",
                                  "\\u00e9",
                                  "{",
                                  "}",
                                  "=",
                                  "&",
                                  "|"};
  std::mt19937 rng(12345);
  CollectionSchema schema = TestSchema();
  RowBatch batch = ToBatch(TestRows(20));
  ExprTemplateValues t = {{"x", 3}};
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int len = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k) {
      if (rng() % 8 == 0) {
        text.push_back(static_cast<char>(rng() % 256));
      } else {
        text += kPieces[rng() % std::size(kPieces)];
      }
    }
    auto plan = ParseFilter(text, schema, &t);
    if (!plan.ok()) {
      EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument) << text;
      continue;
    }
    ++parsed;
    FilterBitmap bits;
    ASSERT_TRUE(EvaluateFilter(**plan, batch, &bits).ok()) << text;
    ASSERT_EQ(bits.size(), 20u) << text;
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace strata::expr
