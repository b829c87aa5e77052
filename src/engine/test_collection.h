// Helpers the engine tests share: collection "c" with an Int64 primary key "id" (field 100)
// and a FloatVector "vec" (field 101) of kTestDim floats.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "engine/engine.h"

namespace strata {

inline constexpr int64_t kTestDim = 8;

// An engine on `store` with a pool of two threads; a test failure (and nullptr) if it fails.
inline std::unique_ptr<Engine> OpenTestEngine(ObjectStore* store) {
  EngineOptions options;
  options.store = store;
  options.threads = 2;
  auto engine = Engine::Open(options);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? std::move(engine).value() : nullptr;
}

inline CollectionSchema TestVectorSchema() {
  CollectionSchema s;
  s.name = "c";
  FieldSchema pk;
  pk.name = "id";
  pk.type = DataType::kInt64;
  pk.is_primary_key = true;
  FieldSchema vec;
  vec.name = "vec";
  vec.type = DataType::kFloatVector;
  vec.dim = kTestDim;
  s.fields = {pk, vec};
  return s;
}

// Rows [first, first + n); row i's vector starts at `base` + 10 i.
inline RowBatch TestVectorRows(int64_t first, int64_t n, float base = 0) {
  RowBatch b;
  b.num_rows = n;
  b.columns.emplace_back(100, DataType::kInt64);
  b.columns.emplace_back(101, DataType::kFloatVector, kTestDim);
  for (int64_t i = first; i < first + n; ++i) {
    b.columns[0].values<int64_t>().push_back(i);
    for (int64_t d = 0; d < kTestDim; ++d)
      b.columns[1].values<float>().push_back(base + static_cast<float>(i * 10 + d));
  }
  return b;
}

// count(*) of collection "c" under `filter`; -1, and a test failure, on an error.
inline int64_t CountRows(Engine& engine, const std::string& filter = "") {
  QueryRequest q;
  q.collection = "c";
  q.filter = filter;
  q.output_fields = {"count(*)"};
  auto r = engine.Query(q);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->count : -1;
}

}  // namespace strata
