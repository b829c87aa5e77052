// The query vectors of a SearchRequest, read straight from its placeholder_group bytes (a
// serialized milvus.proto.common.PlaceholderGroup) without building the message: a batch of
// 100 Fashion-MNIST queries is 313 KB, and parsing it into a message copied every vector into
// its own string before the engine copied it again.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata::api {

// The group's one PlaceholderValue.
struct PlaceholderView {
  int type = 0;                          // milvus.proto.common.PlaceholderType; 0 = None
  std::vector<std::string_view> values;  // one per query, pointing into the parsed bytes
};

// Reads a PlaceholderGroup the way protobuf does (unknown fields skipped, the last `type`
// wins) and requires exactly one PlaceholderValue. InvalidArgument, starting "malformed
// placeholder group", for bytes that are not such a group.
Result<PlaceholderView> ParsePlaceholderGroup(std::string_view bytes);

}  // namespace strata::api
