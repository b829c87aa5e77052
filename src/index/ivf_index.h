// Inverted-file indexes: IVF_FLAT, IVF_SQ8, IVF_PQ (float vectors) and BIN_IVF_FLAT (binary
// vectors), with Milvus's parameter names and ranges. doc/indexes.md describes each type, the
// payload format and the filter behaviour.
//
// Build parameters (spec.params): nlist in [1, 65536] (default 128); IVF_PQ also m (must
// divide dim; required) and nbits in [1, 16] (default 8). A segment too small for nlist gets
// max(1, min(nlist, n / 39)) lists. Search parameter: nprobe in [1, 65536] (default 8),
// clamped to the number of lists.
//
// The returned indexes own all their data (no reference to the build input), are immutable
// and safe to search from many threads at once.
#pragma once

#include <memory>
#include <string_view>

#include "index/vector_index.h"

namespace strata {

// Builds spec.index_type (IVF_FLAT, IVF_SQ8, IVF_PQ or BIN_IVF_FLAT) over `data`: float rows
// for the float types (metric L2, IP or COSINE), binary rows for BIN_IVF_FLAT (HAMMING or
// JACCARD). InvalidArgument for another type, a metric that does not fit, bad parameters,
// no rows, or more than 2^31 - 1 rows. `pool` (nullable) parallelises training and encoding.
// Stops with Cancelled once `*cancel` (nullable) is true: checked by every k-means iteration
// and every 65,536 rows of the pass that assigns rows to lists.
Result<std::unique_ptr<VectorIndex>> BuildIvfIndex(const IndexSpec& spec, const VectorData& data,
                                                   ThreadPool* pool,
                                                   const std::atomic<bool>* cancel = nullptr);

// Loads what the index's Serialize() wrote. The payload's type and metric must match `spec`.
// DataLoss naming `object_name` for anything truncated, inconsistent or out of range.
Result<std::unique_ptr<VectorIndex>> LoadIvfIndex(const IndexSpec& spec, std::string_view payload,
                                                  std::string_view object_name);

}  // namespace strata
