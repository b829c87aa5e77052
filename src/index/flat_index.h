// FLAT and BIN_FLAT as VectorIndex: a copy of the rows, searched exactly with flat_search.h.
//
// The index owns its copy (no reference to the build input), is immutable and safe to search
// from many threads. It takes no build or search parameters (any given are ignored, as Milvus
// does). Payload format: doc/indexes.md.
#pragma once

#include <memory>
#include <string_view>

#include "index/vector_index.h"

namespace strata {

// spec.index_type "FLAT" (float rows; L2, IP or COSINE) or "BIN_FLAT" (binary rows, dim bits;
// HAMMING or JACCARD). InvalidArgument for another type, a metric that does not fit, a bad
// dimension or missing data. Zero rows is allowed. `pool` is unused (copying is the build).
Result<std::unique_ptr<VectorIndex>> BuildFlatIndex(const IndexSpec& spec, const VectorData& data,
                                                    ThreadPool* pool);

// Loads what Serialize() wrote; the payload's type and metric must match `spec`. DataLoss
// naming `object_name` for a truncated or inconsistent payload.
Result<std::unique_ptr<VectorIndex>> LoadFlatIndex(const IndexSpec& spec, std::string_view payload,
                                                   std::string_view object_name);

}  // namespace strata
