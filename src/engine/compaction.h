// Compaction: merging a partition's small sealed segments into one.
//
// Sealing cuts segments at --seal-size-mb (or at a flush, or by age), and each sealed segment
// gets its own index. A search walks every segment, so many small ones cost far more per query
// than one large one (two HNSW graphs over 188 MB of Fashion-MNIST cost 2.4x the CPU of one).
// Milvus merges small segments in the background ("mix compaction"); so does Strata:
//
// - Plan: a segment with a fifth or more of its rows deleted is rewritten alone (when loaded:
//   the count is cheap only for rows in memory). Per partition, the segments under half of
//   `max_segment_bytes`, smallest first, are
//   packed into groups of at most `max_segment_bytes`; each group of two or more is one merge,
//   its segments in the order their rows were written.
// - Merge: the groups' rows are read (from memory when loaded), the rows a delete hides are left
//   out (those deletes stay in the delete set and the delta logs: older copies of the key in
//   other segments still need them), and the rest are written as a new segment. Every index
//   of the collection is built on it before the catalog commit, so a search never falls back to
//   an exact scan of the merged rows. One commit removes the sources and adds the new segment;
//   then the loaded collection swaps them in memory and the sources' objects are deleted.
// - A merge whose sources are gone by commit time (partition or collection dropped) commits
//   nothing and deletes what it wrote. A crash before the commit leaves unnamed objects; one
//   after it, the sources' objects: garbage in both cases, never a change to what reads see.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "engine/collection.h"
#include "engine/segment_work.h"

namespace strata {

// One planned merge: sealed segments of one partition.
struct MergePlan {
  int64_t partition_id = 0;
  std::vector<int64_t> sources;
};

// A merge done: the sources and the segment that replaced them (0 when deletes hid every row).
struct MergeInfo {
  std::vector<int64_t> sources;
  int64_t target = 0;
};

// Bytes of a sealed segment's column files.
int64_t SegmentBytes(const SegmentMeta& segment);

// The merges worth doing in `meta` (see the top of this file), in partition order.
std::vector<MergePlan> PlanMerges(const CollectionMeta& meta, int64_t max_segment_bytes);

// A segment with at least this share of its rows deleted is rewritten alone, without them
// (Milvus's single compaction uses the same ratio).
inline constexpr double kPurgeDeletedShare = 0.2;

// One-segment plans for the segments of `meta` outside `merges` that `deleted_rows` (the rows a
// delete hides, or nullopt when unknown cheaply) puts at kPurgeDeletedShare or more.
std::vector<MergePlan> PlanPurges(
    const CollectionMeta& meta, const std::vector<MergePlan>& merges,
    const std::function<std::optional<int64_t>(const SegmentMeta&)>& deleted_rows);

// Carries out `plan` on `collection`, whose catalog entry was `meta` when planned. Returns the
// merge, or nullopt when the plan no longer applies (a source is gone).
Result<std::optional<MergeInfo>> MergeSegments(const SegmentWorkContext& ctx,
                                               Collection& collection, const CollectionMeta& meta,
                                               const MergePlan& plan);

}  // namespace strata
