// The table test: each expression is evaluated by the engine over a generated batch and
// compared with a per-row lambda written directly against the test's plain row structs.
#include "expr/expr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "expr/expr_test_util.h"

namespace strata::expr {
namespace {

using namespace strata::expr::testing;  // NOLINT
using nlohmann::json;

struct Case {
  std::string text;
  std::function<bool(const Row&)> expect;
};

// Element equality for json_contains, written independently: numbers by value, else ==.
bool Same(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}
bool ArrayHas(const Row& r, const json& v) {
  const json* tags = Get(r, {"tags"});
  if (tags == nullptr || !tags->is_array()) return false;
  for (const json& e : *tags)
    if (Same(e, v)) return true;
  return false;
}
bool HasTags(const Row& r) {
  const json* tags = Get(r, {"tags"});
  return tags != nullptr && tags->is_array();
}
bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool EndsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

std::vector<Case> Cases() {
  using R = const Row&;
  return {
      // Integer comparisons, both operand orders.
      {"age > 50", [](R r) { return r.age > 50; }},
      {"age >= 50", [](R r) { return r.age >= 50; }},
      {"age < 10", [](R r) { return r.age < 10; }},
      {"age <= 10", [](R r) { return r.age <= 10; }},
      {"age == 37", [](R r) { return r.age == 37; }},
      {"age != 37", [](R r) { return r.age != 37; }},
      {"50 < age", [](R r) { return r.age > 50; }},
      {"10 >= age", [](R r) { return r.age <= 10; }},
      {"age > -1", [](R) { return true; }},
      {"age == 1.5", [](R) { return false; }},
      {"age > 44.5", [](R r) { return r.age > 44.5; }},
      {"id == 100", [](R r) { return r.id == 100; }},
      {"id in [0, 10, 20, 5000, 1990]",
       [](R r) { return r.id == 0 || r.id == 10 || r.id == 20 || r.id == 1990; }},
      {"id not in [0, 10, 20]", [](R r) { return r.id != 0 && r.id != 10 && r.id != 20; }},
      {"big > 0", [](R r) { return r.big > 0; }},
      {"big <= -99000000", [](R r) { return r.big <= -99000000; }},
      {"small < 0", [](R r) { return r.small < 0; }},
      {"small == -128", [](R r) { return r.small == -128; }},
      {"mid >= 20000", [](R r) { return r.mid >= 20000; }},
      {"mid != 0", [](R r) { return r.mid != 0; }},
      {"age == 0x25", [](R r) { return r.age == 37; }},
      {"age > 1e1", [](R r) { return r.age > 10; }},
      {"age > .5e2", [](R r) { return r.age > 50; }},
      {"age > -9223372036854775808", [](R) { return true; }},
      // Floating-point fields compare as double.
      {"score > 1.5", [](R r) { return double{r.score} > 1.5; }},
      {"score <= -1", [](R r) { return double{r.score} <= -1; }},
      {"score == 0.5", [](R r) { return double{r.score} == 0.5; }},
      {"weight >= 12.25", [](R r) { return r.weight >= 12.25; }},
      {"weight < 1e1", [](R r) { return r.weight < 10; }},
      {"weight > 2.5E+1", [](R r) { return r.weight > 25; }},
      // Booleans.
      {"flag", [](R r) { return r.flag; }},
      {"flag == true", [](R r) { return r.flag; }},
      {"flag == True", [](R r) { return r.flag; }},
      {"flag != true", [](R r) { return !r.flag; }},
      {"flag == FALSE", [](R r) { return !r.flag; }},
      {"not flag", [](R r) { return !r.flag; }},
      {"!flag", [](R r) { return !r.flag; }},
      {"not not flag", [](R r) { return r.flag; }},
      {"true", [](R) { return true; }},
      {"false", [](R) { return false; }},
      {"flag in [true]", [](R r) { return r.flag; }},
      {"flag not in [true, false]", [](R) { return false; }},
      // Strings.
      {R"(name == "alice")", [](R r) { return r.name == "alice"; }},
      {"name == 'bob'", [](R r) { return r.name == "bob"; }},
      {R"(name != "alice")", [](R r) { return r.name != "alice"; }},
      {R"(name > "c")", [](R r) { return r.name > "c"; }},
      {R"(name <= "bob")", [](R r) { return r.name <= "bob"; }},
      {R"(name == "")", [](R r) { return r.name.empty(); }},
      {R"(name == "al\u0025ice")", [](R r) { return r.name == "al%ice"; }},
      {R"(name in ["alice", "eve", "dave4"])",
       [](R r) { return r.name == "alice" || r.name == "eve" || r.name == "dave4"; }},
      {R"(name not in ["alice"])", [](R r) { return r.name != "alice"; }},
      {R"(name in ['x', "bob"])", [](R r) { return r.name == "bob"; }},
      // like.
      {R"(name like "al%")", [](R r) { return StartsWith(r.name, "al"); }},
      {R"(name like "%e")", [](R r) { return EndsWith(r.name, "e"); }},
      {R"(name like "%ar%")", [](R r) { return r.name.find("ar") != std::string::npos; }},
      {R"(name like "alice")", [](R r) { return r.name == "alice"; }},
      {R"(name like "%")", [](R) { return true; }},
      {R"(name like "%%")", [](R) { return true; }},
      {R"(name LIKE 'c%')", [](R r) { return StartsWith(r.name, "c"); }},
      {R"(name like "a_ice%")",
       [](R r) { return r.name.size() >= 5 && r.name[0] == 'a' && r.name.substr(2, 3) == "ice"; }},
      {R"(name like "al\%ice%")", [](R r) { return StartsWith(r.name, "al%ice"); }},
      {R"(name like "al\\%ice%")", [](R r) { return StartsWith(r.name, "al%ice"); }},
      {R"(name like "under\_score%")", [](R r) { return StartsWith(r.name, "under_score"); }},
      {R"(name like "_nïcode%")", [](R r) { return StartsWith(r.name, "Ünïcode"); }},
      {R"(name like "%l%e%")",
       [](R r) {
         size_t l = r.name.find('l');
         return l != std::string::npos && r.name.find('e', l + 1) != std::string::npos;
       }},
      {R"(name like "___")", [](R r) { return r.name == "bob" || r.name == "eve"; }},
      {R"(name like "%1_")",
       [](R r) { return r.name.size() >= 2 && r.name[r.name.size() - 2] == '1'; }},
      // Chained ranges.
      {"10 < age <= 20", [](R r) { return r.age > 10 && r.age <= 20; }},
      {"10 <= age < 20", [](R r) { return r.age >= 10 && r.age < 20; }},
      {"20 > age >= 10", [](R r) { return r.age < 20 && r.age >= 10; }},
      {"-1.5 < score < 1.5", [](R r) { return r.score > -1.5 && r.score < 1.5; }},
      {"0 <= weight <= 5", [](R r) { return r.weight >= 0 && r.weight <= 5; }},
      {"small < age < mid", [](R r) { return r.small < r.age && r.age < r.mid; }},
      // Arithmetic.
      {"age + 5 > 50", [](R r) { return r.age + 5 > 50; }},
      {"age - 5 == 10", [](R r) { return r.age - 5 == 10; }},
      {"age * 2 < 30", [](R r) { return r.age * 2 < 30; }},
      {"age / 2 == 10", [](R r) { return r.age / 2 == 10; }},
      {"age % 7 == 3", [](R r) { return r.age % 7 == 3; }},
      {"age % -7 == 3", [](R r) { return r.age % -7 == 3; }},
      {"age ** 2 > 1000", [](R r) { return std::pow(r.age, 2) > 1000; }},
      {"age % 2 == 0 and age > 40", [](R r) { return r.age % 2 == 0 && r.age > 40; }},
      {"(age + 1) * 2 > 100", [](R r) { return (r.age + 1) * 2 > 100; }},
      {"age + 1 * 2 > 50", [](R r) { return r.age + 2 > 50; }},
      {"-age < -50", [](R r) { return r.age > 50; }},
      {"+age < 5", [](R r) { return r.age < 5; }},
      {"score * 2 > 3", [](R r) { return double{r.score} * 2 > 3; }},
      {"weight / 2 <= 3", [](R r) { return r.weight / 2 <= 3; }},
      {"weight % 2.5 == 0", [](R r) { return std::fmod(r.weight, 2.5) == 0; }},
      {"age + small > 0", [](R r) { return r.age + r.small > 0; }},
      {"age > small", [](R r) { return r.age > r.small; }},
      {"age == mid", [](R r) { return r.age == r.mid; }},
      {"score < weight", [](R r) { return double{r.score} < r.weight; }},
      {"big / 1000 > age", [](R r) { return r.big / 1000 > r.age; }},
      {"big % age == 1", [](R r) { return r.age != 0 && r.big % r.age == 1; }},
      {"100 / age > 5", [](R r) { return r.age != 0 && 100 / r.age > 5; }},
      {"2 ** 3 == 8", [](R) { return true; }},
      {"1 > 2", [](R) { return false; }},
      {"age > 2 ** 5", [](R r) { return r.age > 32; }},
      {"age > -(-10)", [](R r) { return r.age > 10; }},
      {"age in [1+1, 2*3, 10]", [](R r) { return r.age == 2 || r.age == 6 || r.age == 10; }},
      {"age * 1.5 >= 60", [](R r) { return r.age * 1.5 >= 60; }},
      // Logical operators and precedence.
      {"age > 50 and flag", [](R r) { return r.age > 50 && r.flag; }},
      {"age > 50 && flag", [](R r) { return r.age > 50 && r.flag; }},
      {"age > 50 or flag", [](R r) { return r.age > 50 || r.flag; }},
      {"age > 50 || flag", [](R r) { return r.age > 50 || r.flag; }},
      {"age > 50 AND flag OR name == 'bob'",
       [](R r) { return (r.age > 50 && r.flag) || r.name == "bob"; }},
      {"name == 'bob' or age > 50 and flag",
       [](R r) { return r.name == "bob" || (r.age > 50 && r.flag); }},
      {"age > 50 and (flag or name == 'bob')",
       [](R r) { return r.age > 50 && (r.flag || r.name == "bob"); }},
      {"not age > 50", [](R r) { return !(r.age > 50); }},
      {"not age > 50 and flag", [](R r) { return !(r.age > 50) && r.flag; }},
      {"not (age > 50 or age < 10)", [](R r) { return !(r.age > 50 || r.age < 10); }},
      {"!(age > 50) && !(flag)", [](R r) { return !(r.age > 50) && !r.flag; }},
      {"NOT flag Or age == 3", [](R r) { return !r.flag || r.age == 3; }},
      {"age > 10 and age < 80 and flag and score > 0",
       [](R r) { return r.age > 10 && r.age < 80 && r.flag && r.score > 0; }},
      {"age < 5 or age > 85 or id == 50",
       [](R r) { return r.age < 5 || r.age > 85 || r.id == 50; }},
      {"((age > 10))", [](R r) { return r.age > 10; }},
      {"id == 1990 or id == 0", [](R r) { return r.id == 1990 || r.id == 0; }},
      {"false or flag", [](R r) { return r.flag; }},
      {"true and not flag", [](R r) { return !r.flag; }},
      // in / not in.
      {"age in [1, 2, 3, 37]",
       [](R r) { return r.age == 1 || r.age == 2 || r.age == 3 || r.age == 37; }},
      {"age not in [1, 2, 3]", [](R r) { return r.age < 1 || r.age > 3; }},
      {"age in []", [](R) { return false; }},
      {"age in [1, 2,]", [](R r) { return r.age == 1 || r.age == 2; }},
      {"age in [37.0, 2.5]", [](R r) { return r.age == 37; }},
      {"score in [0.5, 1, -3]",
       [](R r) { return r.score == 0.5f || r.score == 1 || r.score == -3; }},
      {"weight in [0, 25, 0.25]",
       [](R r) { return r.weight == 0 || r.weight == 25 || r.weight == 0.25; }},
      {"small in [-128, 0, 5]",
       [](R r) { return r.small == -128 || r.small == 0 || r.small == 5; }},
      {"age + 1 in [38, 1]", [](R r) { return r.age == 37 || r.age == 0; }},
      // JSON paths.
      {R"(meta["a"] > 3)",
       [](R r) {
         auto v = Num(r, {"a"});
         return v && *v > 3;
       }},
      {R"(meta["a"] == 3)",
       [](R r) {
         auto v = Num(r, {"a"});
         return v && *v == 3;
       }},
      {R"(meta["a"] != 3)",
       [](R r) {
         auto v = Num(r, {"a"});
         return v && *v != 3;
       }},
      {R"(meta["a"] == "x1")", [](R r) { return Str(r, {"a"}) == "x1"; }},
      {R"(meta["a"] >= 2.5)",
       [](R r) {
         auto v = Num(r, {"a"});
         return v && *v >= 2.5;
       }},
      {R"(meta["b"]["c"] >= 2)",
       [](R r) {
         auto v = Num(r, {"b", "c"});
         return v && *v >= 2;
       }},
      {R"(meta["b"]["d"] == "s1")",
       [](R r) {
         return Str(r, {"b", "d"}) == "s1";
       }},
      {R"(meta["b"]["d"] like "s%")",
       [](R r) {
         return Str(r, {"b", "d"}).has_value();
       }},
      {R"(meta["s"] like "%o%")",
       [](R r) {
         auto s = Str(r, {"s"});
         return s && s->find('o') != std::string::npos;
       }},
      {R"(meta["tags"][0] == 1)",
       [](R r) {
         auto v = Num(r, {"tags", 0});
         return v && *v == 1;
       }},
      {R"(meta["tags"][2] == "t1")",
       [](R r) {
         return Str(r, {"tags", 2}) == "t1";
       }},
      {R"(meta["tags"][5] == 1)", [](R) { return false; }},
      {R"(meta["missing"]["deep"] == 1)", [](R) { return false; }},
      {R"(meta["a"]["x"] == 1)", [](R) { return false; }},
      {R"(exists meta["a"])", [](R r) { return Get(r, {"a"}) != nullptr; }},
      {R"(exists meta["b"]["c"])",
       [](R r) {
         return Get(r, {"b", "c"}) != nullptr;
       }},
      {R"(exists meta["n"])", [](R r) { return Get(r, {"n"}) != nullptr; }},
      {R"(EXISTS meta["tags"][1])",
       [](R r) {
         return Get(r, {"tags", 1}) != nullptr;
       }},
      {R"(not exists meta["a"])", [](R r) { return Get(r, {"a"}) == nullptr; }},
      {R"(json_contains(meta["tags"], 2))", [](R r) { return ArrayHas(r, 2); }},
      {R"(json_contains(meta["tags"], "t0"))", [](R r) { return ArrayHas(r, "t0"); }},
      {R"(JSON_CONTAINS(meta["tags"], 2.0))", [](R r) { return ArrayHas(r, 2); }},
      {R"(json_contains_all(meta["tags"], [0, "t1"]))",
       [](R r) { return ArrayHas(r, 0) && ArrayHas(r, "t1"); }},
      {R"(json_contains_any(meta["tags"], [3, 4]))",
       [](R r) { return ArrayHas(r, 3) || ArrayHas(r, 4); }},
      {R"(json_contains_all(meta["tags"], []))", [](R r) { return HasTags(r); }},
      {R"(array_contains(meta["tags"], 1))", [](R r) { return ArrayHas(r, 1); }},
      {R"(array_contains_any(meta["tags"], ["t1", 9]))", [](R r) { return ArrayHas(r, "t1"); }},
      {R"(array_length(meta["tags"]) == 3)", [](R r) { return HasTags(r); }},
      {R"(array_length(meta["b"]) >= 0)", [](R) { return false; }},
      {R"(meta["f"] > 10.5)",
       [](R r) {
         auto v = Num(r, {"f"});
         return v && *v > 10.5;
       }},
      {R"(meta["f"] + 1 > 20)",
       [](R r) {
         auto v = Num(r, {"f"});
         return v && *v + 1 > 20;
       }},
      {R"(meta["a"] % 2 == 1)",
       [](R r) {
         auto v = Num(r, {"a"});
         return v && std::fmod(*v, 2) == 1;
       }},
      {R"(meta["ok"])", [](R r) { return Bool(r, {"ok"}) == true; }},
      {R"(meta["ok"] == false)", [](R r) { return Bool(r, {"ok"}) == false; }},
      {R"(meta["ok"] != true)", [](R r) { return Bool(r, {"ok"}) == false; }},
      {R"(meta["a"] in [1, 2, "x1"])",
       [](R r) {
         auto v = Num(r, {"a"});
         return (v && (*v == 1 || *v == 2)) || Str(r, {"a"}) == "x1";
       }},
      {R"(meta["a"] not in [1, 2])",
       [](R r) {
         auto v = Num(r, {"a"});
         return (v && *v != 1 && *v != 2) || Str(r, {"a"}).has_value();
       }},
      {R"(meta["s"] in ["alice", "bob"])",
       [](R r) {
         auto s = Str(r, {"s"});
         return s == "alice" || s == "bob";
       }},
      {R"(meta["a"] > age)",
       [](R r) {
         auto v = Num(r, {"a"});
         return v && *v > r.age;
       }},
      {R"(meta["b"]["c"] < meta["a"])",
       [](R r) {
         auto c = Num(r, {"b", "c"}), a = Num(r, {"a"});
         return c && a && *c < *a;
       }},
      {R"(meta["s"] == name)", [](R r) { return Str(r, {"s"}) == r.name; }},
      {R"(2 < meta["a"] <= 5)",
       [](R r) {
         auto v = Num(r, {"a"});
         return v && *v > 2 && *v <= 5;
       }},
      {R"(not (meta["a"] > 3))",
       [](R r) {
         auto v = Num(r, {"a"});
         return !(v && *v > 3);
       }},
      {R"(meta["a"] > 3 or meta["b"]["c"] == 0)",
       [](R r) {
         auto a = Num(r, {"a"}), c = Num(r, {"b", "c"});
         return (a && *a > 3) || (c && *c == 0);
       }},
      // Null tests on fields that are not nullable (null_dynamic_test.cc has nullable ones).
      {"age is null", [](R) { return false; }},
      {"age is not null", [](R) { return true; }},
      {"meta IS NOT NULL", [](R) { return true; }},
      {"name is null or age == 3", [](R r) { return r.age == 3; }},
  };
}

TEST(ExprTableTest, MatchesIndependentExpectations) {
  CollectionSchema schema = TestSchema();
  std::vector<Row> rows = TestRows();
  RowBatch batch = ToBatch(rows);
  std::vector<Case> cases = Cases();
  ASSERT_GE(cases.size(), 120u);
  std::set<std::string> seen;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_TRUE(seen.insert(c.text).second) << "duplicate case";
    auto plan = ParseFilter(c.text, schema);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    FilterBitmap bits;
    ASSERT_TRUE(EvaluateFilter(**plan, batch, &bits).ok());
    ASSERT_EQ(bits.size(), rows.size());
    int mismatches = 0;
    for (size_t r = 0; r < rows.size(); ++r) {
      bool want = c.expect(rows[r]);
      if ((bits[r] != 0) != want && ++mismatches <= 3)
        ADD_FAILURE() << "row " << r << " (age " << rows[r].age << ", name '" << rows[r].name
                      << "', meta " << rows[r].meta_text << "): engine " << int{bits[r]}
                      << ", expected " << want;
    }
    EXPECT_EQ(mismatches, 0);
  }
}

// Every case selects something and rejects something in aggregate, so the table is not
// dominated by trivially-true or trivially-false expectations.
TEST(ExprTableTest, TableIsDiscriminating) {
  std::vector<Row> rows = TestRows();
  int mixed = 0;
  for (const Case& c : Cases()) {
    int hits = 0;
    for (const Row& r : rows) hits += c.expect(r);
    mixed += hits > 0 && hits < static_cast<int>(rows.size());
  }
  EXPECT_GE(mixed, 110);
}

TEST(ExprTest, ConcurrentEvaluationOfOnePlan) {
  CollectionSchema schema = TestSchema();
  RowBatch batch = ToBatch(TestRows());
  auto plan = ParseFilter(R"(age > 20 and meta["a"] > 2 or name like "%e")", schema);
  ASSERT_TRUE(plan.ok());
  FilterBitmap expected;
  ASSERT_TRUE(EvaluateFilter(**plan, batch, &expected).ok());
  std::vector<std::thread> threads;
  std::vector<FilterBitmap> results(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) ASSERT_TRUE(EvaluateFilter(**plan, batch, &results[t]).ok());
    });
  for (auto& th : threads) th.join();
  for (const auto& r : results) EXPECT_EQ(r, expected);
}

TEST(ExprTest, EmptyBatch) {
  auto plan = ParseFilter("age > 1", TestSchema());
  ASSERT_TRUE(plan.ok());
  FilterBitmap bits{1, 2, 3};
  ASSERT_TRUE(EvaluateFilter(**plan, ToBatch({}), &bits).ok());
  EXPECT_TRUE(bits.empty());
}

}  // namespace
}  // namespace strata::expr
