// Persistence of sealed segments in the bucket layout of ARCHITECTURE.md:
//   <root>insert_log/<collection>/<partition>/<segment>/<field>/<log>   one column file per field
//   <root>stats_log/<collection>/<partition>/<segment>/<pk field>/<log>  pk range, ts range
// Row timestamps are written as field 1, as Milvus does.
#pragma once

#include <cstdint>
#include <string>

#include "catalog/manifest.h"
#include "common/result.h"
#include "objstore/object_store.h"
#include "schema/schema.h"
#include "segment/segment.h"

namespace strata {

struct SegmentLocation {
  std::string root;  // "" or ending in '/'
  int64_t collection_id = 0;
  int64_t partition_id = 0;
  int64_t segment_id = 0;
};

// Writes every column of `chunk` and its stats; returns the metadata that names them, to be
// committed to the catalog by the caller. Objects are unreachable until that commit.
Result<SegmentMeta> WriteSealedSegment(ObjectStore* store, const SegmentLocation& where,
                                       const CollectionSchema& schema, const Chunk& chunk,
                                       int64_t log_id);

// Reads the column files named by `meta` back into one chunk. A missing or corrupt object is
// DataLoss naming its key.
Result<Chunk> ReadSealedSegment(ObjectStore* store, const SegmentMeta& meta,
                                const CollectionSchema& schema);

// Every key the segment's metadata names (for deletion).
std::vector<std::string> SegmentKeys(const SegmentMeta& meta);

}  // namespace strata
