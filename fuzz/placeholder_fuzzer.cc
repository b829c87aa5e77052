// libFuzzer target for ParsePlaceholderGroup (api/placeholder.h), which reads a SearchRequest's
// query vectors from client bytes: it must return a view or InvalidArgument, never crash, and
// every view must lie inside the input. Wherever protobuf's own parser accepts the bytes as a
// group of one placeholder, this parser must accept them too and find the same type and
// values. (The reverse need not hold: protobuf also rejects a tag that is not UTF-8, which
// the search never reads.)
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/placeholder.h"
#include "common.pb.h"

// Protobuf logs every tag that is not UTF-8; the fuzzer would print thousands.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto view = strata::api::ParsePlaceholderGroup(bytes);
  if (view.ok()) {
    for (std::string_view v : view->values) {
      if (v.data() < bytes.data() || v.data() + v.size() > bytes.data() + bytes.size())
        __builtin_trap();
    }
  } else if (view.status().code() != strata::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
  milvus::proto::common::PlaceholderGroup group;
  if (!group.ParseFromArray(data, static_cast<int>(size)) || group.placeholders_size() != 1)
    return 0;
  const auto& ph = group.placeholders(0);
  if (!view.ok() || view->type != static_cast<int>(ph.type()) ||
      view->values.size() != static_cast<size_t>(ph.values_size()))
    __builtin_trap();
  for (int i = 0; i < ph.values_size(); ++i) {
    if (view->values[static_cast<size_t>(i)] != ph.values(i)) __builtin_trap();
  }
  return 0;
}
