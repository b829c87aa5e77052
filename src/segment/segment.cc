#include "segment/segment.h"

namespace strata {

Chunk MergeChunks(const std::vector<std::shared_ptr<const Chunk>>& chunks) {
  Chunk out;
  int64_t total = 0;
  for (const auto& c : chunks) total += c->num_rows();
  if (chunks.empty()) return out;
  out.rows.columns.reserve(chunks.front()->rows.columns.size());
  for (const auto& col : chunks.front()->rows.columns) {
    out.rows.columns.emplace_back(col.field_id(), col.type(), col.dim(), col.nullable(),
                                  col.element_type());
    out.rows.columns.back().Reserve(total);
  }
  out.timestamps.reserve(total);
  for (const auto& c : chunks) {
    for (size_t i = 0; i < out.rows.columns.size(); ++i)
      out.rows.columns[i].Append(c->rows.columns[i]);
    out.timestamps.insert(out.timestamps.end(), c->timestamps.begin(), c->timestamps.end());
  }
  out.rows.num_rows = total;
  return out;
}

void Segment::Append(std::shared_ptr<const Chunk> chunk) {
  std::lock_guard lock(mu_);
  num_rows_ += chunk->num_rows();
  chunks_.push_back(std::move(chunk));
}

std::vector<std::shared_ptr<const Chunk>> Segment::Chunks() const {
  std::lock_guard lock(mu_);
  return chunks_;
}

int64_t Segment::num_rows() const {
  std::lock_guard lock(mu_);
  return num_rows_;
}

}  // namespace strata
