// Test data shared by the expr tests: a schema with every filterable type and a generated
// batch whose rows are also kept as plain structs, so expectations are computed without the
// engine.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "schema/column.h"
#include "schema/schema.h"

namespace strata::expr::testing {

inline constexpr int64_t kId = 100, kAge = 101, kScore = 102, kWeight = 103, kName = 104,
                         kFlag = 105, kSmall = 106, kMid = 107, kMeta = 108, kVec = 109, kBig = 110;

struct Row {
  int64_t id;
  int32_t age;
  float score;
  double weight;
  std::string name;
  bool flag;
  int32_t small;  // Int8
  int32_t mid;    // Int16
  int64_t big;
  std::string meta_text;
  nlohmann::json meta;  // discarded when meta_text is not JSON
};

inline FieldSchema MakeField(int64_t id, std::string name, DataType type) {
  FieldSchema f;
  f.field_id = id;
  f.name = std::move(name);
  f.type = type;
  return f;
}

inline CollectionSchema TestSchema() {
  CollectionSchema s;
  s.name = "people";
  s.fields = {
      MakeField(kId, "id", DataType::kInt64),       MakeField(kAge, "age", DataType::kInt32),
      MakeField(kScore, "score", DataType::kFloat), MakeField(kWeight, "weight", DataType::kDouble),
      MakeField(kName, "name", DataType::kVarChar), MakeField(kFlag, "flag", DataType::kBool),
      MakeField(kSmall, "small", DataType::kInt8),  MakeField(kMid, "mid", DataType::kInt16),
      MakeField(kMeta, "meta", DataType::kJson),    MakeField(kVec, "vec", DataType::kFloatVector),
      MakeField(kBig, "big", DataType::kInt64)};
  s.fields[0].is_primary_key = true;
  s.fields[9].dim = 4;
  s.fields[4].max_length = 64;
  return s;
}

inline std::vector<Row> TestRows(int n = 200) {
  static const char* kNames[] = {"alice",  "bob",         "carol",   "dave", "eve",
                                 "al%ice", "under_score", "Ünïcode", ""};
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    Row r;
    r.id = i * 10;
    r.age = (i * 37) % 90;
    r.score = static_cast<float>((i % 23) * 0.5 - 3);
    r.weight = ((i * 7) % 100) / 4.0;
    r.name = std::string(kNames[i % 9]) + (i % 2 ? "" : std::to_string(i % 13));
    r.flag = i % 3 == 0;
    r.small = (i % 256) - 128;
    r.mid = (i * 131) % 60000 - 30000;
    r.big = int64_t{i} * 1000003 - 100000000;
    nlohmann::json m = nlohmann::json::object();
    if (i % 3 != 0) {
      m["a"] = i % 7;
    } else if (i % 9 == 0) {
      m["a"] = "x" + std::to_string(i % 4);
    }
    if (i % 4 != 0) m["b"] = {{"c", i % 5}, {"d", "s" + std::to_string(i % 3)}};
    if (i % 5 != 0) {
      m["tags"] = {i % 4, (i * 3) % 5, "t" + std::to_string(i % 2)};
    } else {
      m["tags"] = "notarray";
    }
    if (i % 2 == 0) m["f"] = i * 0.25;
    if (i % 6 != 0) m["s"] = kNames[i % 5];
    if (i % 8 != 0) m["ok"] = i % 3 == 1;
    if (i % 11 == 0) m["n"] = nullptr;
    r.meta = m;
    r.meta_text = m.dump();
    if (i % 10 == 0) {
      r.meta = nlohmann::json::object();
      r.meta_text = "{}";
    }
    if (i % 17 == 0) {
      r.meta = nlohmann::json(nlohmann::json::value_t::discarded);
      r.meta_text = "not json";
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

inline RowBatch ToBatch(const std::vector<Row>& rows) {
  RowBatch b;
  b.num_rows = static_cast<int64_t>(rows.size());
  Column id(kId, DataType::kInt64), age(kAge, DataType::kInt32), score(kScore, DataType::kFloat),
      weight(kWeight, DataType::kDouble), name(kName, DataType::kVarChar),
      flag(kFlag, DataType::kBool), small(kSmall, DataType::kInt8), mid(kMid, DataType::kInt16),
      meta(kMeta, DataType::kJson), vec(kVec, DataType::kFloatVector, 4),
      big(kBig, DataType::kInt64);
  for (const Row& r : rows) {
    id.values<int64_t>().push_back(r.id);
    age.values<int32_t>().push_back(r.age);
    score.values<float>().push_back(r.score);
    weight.values<double>().push_back(r.weight);
    name.values<std::string>().push_back(r.name);
    flag.values<uint8_t>().push_back(r.flag ? 1 : 0);
    small.values<int32_t>().push_back(r.small);
    mid.values<int32_t>().push_back(r.mid);
    meta.values<std::string>().push_back(r.meta_text);
    for (int k = 0; k < 4; ++k) vec.values<float>().push_back(static_cast<float>(k));
    big.values<int64_t>().push_back(r.big);
  }
  b.columns = {id, age, score, weight, name, flag, small, mid, meta, vec, big};
  return b;
}

// Test-side JSON lookup (deliberately simple and separate from the engine's resolver).
using Key = std::variant<std::string, int>;
inline const nlohmann::json* Get(const Row& r, const std::vector<Key>& path) {
  if (r.meta.is_discarded()) return nullptr;
  const nlohmann::json* v = &r.meta;
  for (const Key& k : path) {
    if (k.index() == 0) {
      if (!v->is_object() || !v->contains(std::get<0>(k))) return nullptr;
      v = &v->at(std::get<0>(k));
    } else {
      if (!v->is_array() || std::get<1>(k) >= static_cast<int>(v->size())) return nullptr;
      v = &v->at(std::get<1>(k));
    }
  }
  return v;
}
inline std::optional<double> Num(const Row& r, const std::vector<Key>& path) {
  const nlohmann::json* v = Get(r, path);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->get<double>();
}
inline std::optional<std::string> Str(const Row& r, const std::vector<Key>& path) {
  const nlohmann::json* v = Get(r, path);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}
inline std::optional<bool> Bool(const Row& r, const std::vector<Key>& path) {
  const nlohmann::json* v = Get(r, path);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

}  // namespace strata::expr::testing
