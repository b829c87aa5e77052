// Segments: the unit of data placement. A growing segment is a list of immutable chunks that
// inserts append to; a sealed segment is one chunk persisted as column files. Readers take
// a snapshot (a copy of the chunk list) and never block writers.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "schema/column.h"

namespace strata {

// Milvus's system field ids: row timestamps are persisted as field 1 beside user fields.
inline constexpr int64_t kTimestampFieldId = 1;

// Rows inserted together (or a sealed segment's rows): immutable once published.
struct Chunk {
  RowBatch rows;                     // one column per schema field, in schema order
  std::vector<uint64_t> timestamps;  // one per row

  int64_t num_rows() const { return rows.num_rows; }
};

// Concatenates chunks (same schema) into one.
Chunk MergeChunks(const std::vector<std::shared_ptr<const Chunk>>& chunks);

// A segment's id, partition and chunks. Thread-safe.
class Segment {
 public:
  Segment(int64_t id, int64_t partition_id) : id_(id), partition_id_(partition_id) {}

  int64_t id() const { return id_; }
  int64_t partition_id() const { return partition_id_; }

  void Append(std::shared_ptr<const Chunk> chunk);
  std::vector<std::shared_ptr<const Chunk>> Chunks() const;
  int64_t num_rows() const;

 private:
  const int64_t id_;
  const int64_t partition_id_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const Chunk>> chunks_;
  int64_t num_rows_ = 0;
};

}  // namespace strata
