// libFuzzer target for ParseHybridSearchRequest (api/request_parsing.h), which turns a client's
// HybridSearchRequest — every sub-request's search parameters and query vectors, and the rank
// parameters' JSON — into the engine's request. It must return a request or InvalidArgument,
// never crash; an accepted request must hold query vectors of the right size for its field.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>

#include "api/request_parsing.h"
#include "milvus.pb.h"

namespace {

strata::CollectionSchema Schema() {
  strata::CollectionSchema s;
  s.name = "c";
  auto add = [&](const char* name, strata::DataType type, int64_t dim) {
    strata::FieldSchema f;
    f.field_id = 100 + static_cast<int64_t>(s.fields.size());
    f.name = name;
    f.type = type;
    f.dim = dim;
    s.fields.push_back(f);
  };
  add("id", strata::DataType::kInt64, 0);
  s.fields.back().is_primary_key = true;
  add("text", strata::DataType::kFloatVector, 4);
  add("image", strata::DataType::kBinaryVector, 16);
  return s;
}

}  // namespace

// Protobuf logs every string field that is not UTF-8; the fuzzer would print thousands.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const strata::CollectionSchema schema = Schema();
  milvus::proto::milvus::HybridSearchRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto parsed = strata::api::ParseHybridSearchRequest(request, schema);
  if (!parsed.ok()) {
    if (parsed.status().code() != strata::StatusCode::kInvalidArgument) __builtin_trap();
    return 0;
  }
  for (const strata::SearchRequest& search : parsed->searches) {
    const strata::FieldSchema* field = schema.FindField(search.anns_field);
    if (field == nullptr || search.nq <= 0) __builtin_trap();
    const bool binary = field->type == strata::DataType::kBinaryVector;
    const size_t want = static_cast<size_t>(search.nq * (binary ? field->dim / 8 : field->dim));
    if ((binary ? search.binary_queries.size() : search.float_queries.size()) != want)
      __builtin_trap();
  }
  return 0;
}
