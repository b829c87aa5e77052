#include "engine/compaction.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "segment/segment_io.h"

namespace strata {

int64_t SegmentBytes(const SegmentMeta& segment) {
  int64_t bytes = 0;
  for (const auto& file : segment.column_files) bytes += file.size;
  return bytes;
}

std::vector<MergePlan> PlanMerges(const CollectionMeta& meta, int64_t max_segment_bytes) {
  std::map<int64_t, std::vector<const SegmentMeta*>> small;  // by partition
  for (const auto& seg : meta.segments)
    if (SegmentBytes(seg) < max_segment_bytes / 2) small[seg.partition_id].push_back(&seg);
  std::vector<MergePlan> plans;
  for (auto& [partition_id, segments] : small) {
    std::sort(segments.begin(), segments.end(), [](const SegmentMeta* a, const SegmentMeta* b) {
      int64_t x = SegmentBytes(*a), y = SegmentBytes(*b);
      return x != y ? x < y : a->segment_id < b->segment_id;
    });
    std::vector<const SegmentMeta*> group;
    int64_t bytes = 0;
    auto close = [&] {
      // Sources in the order their rows were written (a merged segment's rows are older than
      // a segment sealed while it was being merged), so the merged rows keep insertion order,
      // which breaks ties between equal scores the way the separate segments did.
      std::sort(group.begin(), group.end(), [](const SegmentMeta* a, const SegmentMeta* b) {
        return a->min_ts != b->min_ts ? a->min_ts < b->min_ts : a->segment_id < b->segment_id;
      });
      if (group.size() >= 2) {
        MergePlan plan{partition_id, {}};
        for (const SegmentMeta* seg : group) plan.sources.push_back(seg->segment_id);
        plans.push_back(std::move(plan));
      }
      group.clear();
      bytes = 0;
    };
    for (const SegmentMeta* seg : segments) {
      if (!group.empty() && bytes + SegmentBytes(*seg) > max_segment_bytes) close();
      group.push_back(seg);
      bytes += SegmentBytes(*seg);
    }
    close();
  }
  return plans;
}

std::vector<MergePlan> PlanPurges(
    const CollectionMeta& meta, const std::vector<MergePlan>& merges,
    const std::function<std::optional<int64_t>(const SegmentMeta&)>& deleted_rows) {
  std::vector<MergePlan> plans;
  for (const auto& seg : meta.segments) {
    bool merging = std::any_of(merges.begin(), merges.end(), [&](const MergePlan& m) {
      return std::find(m.sources.begin(), m.sources.end(), seg.segment_id) != m.sources.end();
    });
    if (merging || seg.num_rows == 0) continue;
    std::optional<int64_t> deleted = deleted_rows(seg);
    if (deleted &&
        static_cast<double>(*deleted) >= kPurgeDeletedShare * static_cast<double>(seg.num_rows))
      plans.push_back({seg.partition_id, {seg.segment_id}});
  }
  return plans;
}

namespace {

// Deletes every object in `keys`, logging (not returning) a failure: the catalog no longer
// names them, so what is left is garbage, not damage.
void DeleteUnnamed(ObjectStore* store, const std::vector<std::string>& keys) {
  Status st = store->DeleteMany(keys);
  if (!st.ok()) spdlog::warn("compaction left {} unnamed objects: {}", keys.size(), st.ToString());
}

// A stopping server ends a merge between its steps (the index build checks on its own); the
// restart plans the merge again, and what it wrote is deleted or left to garbage collection.
Status StopIfCancelled(const SegmentWorkContext& ctx) {
  if (ctx.cancel != nullptr && ctx.cancel->load())
    return Status(StatusCode::kCancelled, "merge cancelled: the server is stopping");
  return Status::Ok();
}

}  // namespace

Result<std::optional<MergeInfo>> MergeSegments(const SegmentWorkContext& ctx,
                                               Collection& collection, const CollectionMeta& meta,
                                               const MergePlan& plan) {
  std::vector<const SegmentMeta*> sources;
  for (int64_t id : plan.sources) {
    const SegmentMeta* seg = meta.FindSegment(id);
    if (seg == nullptr) return std::optional<MergeInfo>();
    sources.push_back(seg);
  }
  std::vector<std::shared_ptr<const Chunk>> chunks;
  for (const SegmentMeta* seg : sources) {
    RETURN_IF_ERROR(StopIfCancelled(ctx));
    ASSIGN_OR_RETURN(std::shared_ptr<const Chunk> chunk, collection.SealedChunk(*seg));
    chunks.push_back(collection.WithoutDeletedRows(plan.partition_id, std::move(chunk)));
  }
  auto merged = std::make_shared<const Chunk>(MergeChunks(chunks));
  chunks.clear();
  RETURN_IF_ERROR(StopIfCancelled(ctx));

  // The new segment and its indexes, unreachable until the commit names them.
  MergeInfo info{plan.sources, 0};
  std::optional<SegmentMeta> target;
  std::vector<BuiltSegmentIndex> built;
  std::vector<std::string> written;
  if (merged->num_rows() > 0) {
    info.target = static_cast<int64_t>(ctx.clock->Now());
    SegmentLocation where{ctx.root, meta.collection_id, plan.partition_id, info.target};
    auto segment = WriteSealedSegment(ctx.store, where, meta.schema, *merged,
                                      static_cast<int64_t>(ctx.clock->Now()));
    if (!segment.ok()) return segment.status();
    target = std::move(*segment);
    written = SegmentKeys(*target);
    for (const IndexMeta& index : meta.indexes) {
      auto one =
          BuildSegmentIndex(ctx, meta.schema, index, plan.partition_id, info.target, *merged);
      if (!one.ok()) {
        DeleteUnnamed(ctx.store, written);
        return one.status();
      }
      written.push_back(one->file.key);
      built.push_back(std::move(*one));
    }
  }

  bool committed = false;
  std::vector<SegmentMeta> replaced;  // the sources as the commit found them
  std::vector<std::string> unnamed;   // index files of indexes dropped meanwhile
  Status st = ctx.catalog->Commit([&](Manifest& next) -> Status {
    replaced.clear();
    unnamed.clear();
    CollectionMeta* c = next.FindCollection(meta.collection_id);
    if (c == nullptr) return Status::Ok();
    for (int64_t id : plan.sources) {
      const SegmentMeta* seg = c->FindSegment(id);
      if (seg == nullptr) return Status::Ok();
      replaced.push_back(*seg);
    }
    std::erase_if(c->segments, [&](const SegmentMeta& seg) {
      return std::find(plan.sources.begin(), plan.sources.end(), seg.segment_id) !=
             plan.sources.end();
    });
    if (target) {
      SegmentMeta seg = *target;
      for (const auto& b : built) {
        bool live = std::any_of(c->indexes.begin(), c->indexes.end(),
                                [&](const IndexMeta& i) { return i.index_id == b.file.index_id; });
        if (live)
          seg.index_files.push_back(b.file);
        else
          unnamed.push_back(b.file.key);
      }
      c->segments.push_back(std::move(seg));
    }
    committed = true;
    return Status::Ok();
  });
  // A failed commit may still land (Catalog::Commit adopts it later), so what it would name
  // stays: garbage at worst.
  if (!st.ok()) return st;
  if (!committed) {
    DeleteUnnamed(ctx.store, written);
    return std::optional<MergeInfo>();
  }

  std::map<int64_t, std::shared_ptr<const VectorIndex>> indexes;
  for (auto& b : built)
    if (std::find(unnamed.begin(), unnamed.end(), b.file.key) == unnamed.end())
      indexes[b.file.index_id] = std::move(b.index);
  collection.ReplaceSegments(plan.sources, target ? &*target : nullptr, merged, std::move(indexes));
  std::vector<std::string> garbage = std::move(unnamed);
  for (const SegmentMeta& seg : replaced) {
    for (auto& key : SegmentKeys(seg)) garbage.push_back(std::move(key));
    for (const auto& file : seg.index_files) garbage.push_back(file.key);
  }
  DeleteUnnamed(ctx.store, garbage);
  return std::optional<MergeInfo>(std::move(info));
}

}  // namespace strata
