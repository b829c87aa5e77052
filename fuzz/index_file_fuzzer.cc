// libFuzzer target for LoadVectorIndex (index/vector_index.h): index files are read back from
// the bucket, so a damaged one must load or fail with DataLoss — and an index that loads must
// answer searches without crashing (a bad neighbour id or list offset must have been caught).
//
// Random bytes rarely get past the envelope checksum, so the input edits a real index file:
// byte 0 picks one of the index types below; then each 3-byte group (offset, offset, value)
// XORs one byte of the file body, whose first bytes hold the spec JSON and the rest the
// index's own bytes; a final lone byte truncates the body. The edited body is sealed again.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "format/envelope.h"
#include "index/vector_index.h"

namespace {

constexpr int64_t kRows = 64;
constexpr int64_t kDim = 8;         // float dimensions
constexpr int64_t kBinaryDim = 32;  // bits

struct Kind {
  const char* type;
  const char* metric;
  const char* build;
  bool binary;
};

const Kind kKinds[] = {
    {"FLAT", "L2", "{}", false},
    {"HNSW", "L2", R"({"M":4,"efConstruction":16})", false},
    {"HNSW", "COSINE", R"({"M":4,"efConstruction":16})", false},
    {"IVF_FLAT", "IP", R"({"nlist":4})", false},
    {"IVF_SQ8", "L2", R"({"nlist":4})", false},
    {"IVF_PQ", "L2", R"({"nlist":2,"m":2,"nbits":4})", false},
    {"BIN_FLAT", "HAMMING", "{}", true},
    {"BIN_IVF_FLAT", "JACCARD", R"({"nlist":4})", true},
};
constexpr size_t kNumKinds = sizeof(kKinds) / sizeof(kKinds[0]);

struct Fixture {
  std::vector<float> floats;
  std::vector<uint8_t> bits;
  std::vector<std::string> bodies;  // the envelope payload of each kind's index file
};

const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture;
    uint32_t state = 12345;
    auto next = [&] { return state = state * 1664525u + 1013904223u; };
    for (int64_t i = 0; i < kRows * kDim; ++i) f->floats.push_back((next() >> 8) / 16777216.0f);
    for (int64_t i = 0; i < kRows * kBinaryDim / 8; ++i) f->bits.push_back(next() >> 24);
    for (const Kind& kind : kKinds) {
      strata::IndexSpec spec;
      spec.index_type = kind.type;
      spec.metric = *strata::ParseMetricType(kind.metric);
      spec.params = nlohmann::json::parse(kind.build);
      strata::VectorData data;
      data.n = kRows;
      if (kind.binary) {
        data.binary_data = f->bits.data();
        data.dim = kBinaryDim;
      } else {
        data.float_data = f->floats.data();
        data.dim = kDim;
      }
      auto index = strata::BuildVectorIndex(spec, data, nullptr);
      if (!index.ok()) __builtin_trap();
      auto file = strata::SaveVectorIndex(**index);
      if (!file.ok()) __builtin_trap();
      auto env = strata::OpenEnvelope(*file, strata::ObjectKind::kIndexFile,
                                      strata::kIndexFileVersion, "fixture");
      if (!env.ok()) __builtin_trap();
      f->bodies.emplace_back(env->payload);
    }
    return f;
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Fixture& fixture = GetFixture();
  const size_t which = data[0] % kNumKinds;
  std::string body = fixture.bodies[which];
  size_t pos = 1;
  for (; pos + 3 <= size; pos += 3) {
    size_t offset = (static_cast<size_t>(data[pos]) << 8 | data[pos + 1]) % body.size();
    body[offset] = static_cast<char>(body[offset] ^ data[pos + 2]);
  }
  if (pos < size) body.resize(data[pos] % (body.size() + 1));

  std::string file =
      strata::SealEnvelope(strata::ObjectKind::kIndexFile, strata::kIndexFileVersion, body);
  auto index = strata::LoadVectorIndex(file, "fuzz");
  if (!index.ok()) {
    if (index.status().code() != strata::StatusCode::kDataLoss) __builtin_trap();
    return 0;
  }
  // A loaded index must answer (or refuse) a search without reading out of bounds.
  const auto& idx = **index;
  const void* query = kKinds[which].binary ? static_cast<const void*>(fixture.bits.data())
                                           : static_cast<const void*>(fixture.floats.data());
  if (idx.dim() != (kKinds[which].binary ? kBinaryDim : kDim)) return 0;
  std::vector<strata::TopK> out;
  for (const char* params : {"{}", R"({"nprobe":4,"ef":16})"})
    (void)idx.Search(query, 2, 5, nlohmann::json::parse(params), nullptr, nullptr, &out);
  return 0;
}
