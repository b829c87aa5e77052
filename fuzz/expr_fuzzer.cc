// libFuzzer target for the filter expression language: every input is parsed against a fixed
// schema (with a few template values); inputs that parse are evaluated over a tiny batch.
// Build and run: see doc/expressions.md ("Fuzzing").
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "expr/expr.h"
#include "schema/array_cell.h"
#include "schema/column.h"
#include "schema/schema.h"

namespace {

using strata::CollectionSchema;
using strata::Column;
using strata::DataType;
using strata::FieldSchema;
using strata::RowBatch;

FieldSchema Field(int64_t id, const char* name, DataType type) {
  FieldSchema f;
  f.field_id = id;
  f.name = name;
  f.type = type;
  return f;
}

CollectionSchema MakeSchema() {
  CollectionSchema s;
  s.name = "fuzz";
  s.fields = {Field(100, "id", DataType::kInt64),        Field(101, "age", DataType::kInt32),
              Field(102, "score", DataType::kFloat),     Field(103, "weight", DataType::kDouble),
              Field(104, "name", DataType::kVarChar),    Field(105, "flag", DataType::kBool),
              Field(106, "small", DataType::kInt8),      Field(107, "meta", DataType::kJson),
              Field(108, "vec", DataType::kFloatVector), Field(109, "opt", DataType::kInt64),
              Field(110, "$meta", DataType::kJson),      Field(111, "nums", DataType::kArray),
              Field(112, "words", DataType::kArray),     Field(113, "reals", DataType::kArray)};
  s.fields[0].is_primary_key = true;
  s.fields[8].dim = 2;
  s.fields[9].nullable = true;     // nulls take the three-valued paths of the evaluator
  s.fields[10].is_dynamic = true;  // unknown names resolve to $meta keys
  s.enable_dynamic_field = true;
  const DataType elements[] = {DataType::kInt64, DataType::kVarChar, DataType::kFloat};
  for (int k = 0; k < 3; ++k) {
    s.fields[11 + k].element_type = elements[k];
    s.fields[11 + k].max_capacity = 4;
    s.fields[11 + k].max_length = 8;
  }
  s.fields[11].nullable = true;
  return s;
}

RowBatch MakeBatch() {
  RowBatch b;
  b.num_rows = 4;
  Column id(100, DataType::kInt64), age(101, DataType::kInt32), score(102, DataType::kFloat),
      weight(103, DataType::kDouble), name(104, DataType::kVarChar), flag(105, DataType::kBool),
      small(106, DataType::kInt8), meta(107, DataType::kJson), vec(108, DataType::kFloatVector, 2),
      opt(109, DataType::kInt64, 0, /*nullable=*/true), dynamic(110, DataType::kJson);
  id.values<int64_t>() = {1, -5, INT64_MAX, INT64_MIN};
  age.values<int32_t>() = {0, 17, -3, 2147483647};
  score.values<float>() = {0.5f, -1e30f, 3.0f, 0.0f};
  weight.values<double>() = {1e300, -0.0, 2.5, -7};
  name.values<std::string>() = {"", "alice", "a%b_c", "\xc3\xa9t\xc3\xa9"};
  flag.values<uint8_t>() = {0, 1, 1, 0};
  small.values<int32_t>() = {-128, 127, 0, 5};
  meta.values<std::string>() = {R"({"a": 1, "b": {"c": [1, "x", null]}, "s": "str"})",
                                R"([1, 2, 3])", "not json",
                                R"({"a": 18446744073709551615, "tags": [1.5, true, {"k": 1}]})"};
  vec.values<float>() = {0, 1, 2, 3, 4, 5, 6, 7};
  opt.values<int64_t>() = {0, 3, 0, -1};
  opt.validity() = {0, 1, 0, 1};
  dynamic.values<std::string>() = {"{}", R"({"color": "red", "n": 2})", R"({"a": {"b": [1]}})",
                                   R"({"color": null})"};
  Column nums(111, DataType::kArray, 0, /*nullable=*/true, DataType::kInt64),
      words(112, DataType::kArray, 0, false, DataType::kVarChar),
      reals(113, DataType::kArray, 0, false, DataType::kFloat);
  nums.values<std::string>() = {"", "", "", ""};
  words.values<std::string>() = {"", "", "", ""};
  reals.values<std::string>() = {"", "", "", ""};
  for (int64_t v : {INT64_MIN, int64_t{0}, int64_t{7}})
    strata::AppendArrayElement(nums.values<std::string>()[1], v);
  strata::AppendArrayElement(nums.values<std::string>()[3], int64_t{7});
  nums.validity() = {0, 1, 1, 1};
  for (const char* w : {"a", "", "a%b_c"})
    strata::AppendArrayString(words.values<std::string>()[2], w);
  strata::AppendArrayString(words.values<std::string>()[3], "alice");
  for (float v : {0.5f, -1e30f}) strata::AppendArrayElement(reals.values<std::string>()[0], v);
  b.columns = {id,   age, score, weight,  name, flag,  small,
               meta, vec, opt,   dynamic, nums, words, reals};
  return b;
}

// Error messages travel in gRPC statuses, which must be UTF-8.
bool IsUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const CollectionSchema schema = MakeSchema();
  static const RowBatch batch = MakeBatch();
  static const strata::expr::ExprTemplateValues templates = {
      {"x", 3},
      {"s", "alice"},
      {"l", nlohmann::json::array({1, "a", 2.5})},
      {"b", true},
      {"n", nlohmann::json::array({7, 0})}};
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto plan = strata::expr::ParseFilter(text, schema, &templates);
  if (!plan.ok()) {
    if (!IsUtf8(plan.status().message())) __builtin_trap();
    return 0;
  }
  strata::expr::FilterBitmap bits;
  strata::Status st = strata::expr::EvaluateFilter(**plan, batch, &bits);
  if (!st.ok() || bits.size() != 4) __builtin_trap();
  (void)strata::expr::ReferencedFields(**plan);
  (void)strata::expr::PrimaryKeyLookup(**plan);
  return 0;
}
