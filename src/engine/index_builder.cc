#include "engine/index_builder.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace strata {

Result<IndexSpec> IndexSpecFromMeta(const IndexMeta& index, DataType field_type) {
  IndexSpec spec;
  std::string metric;
  for (const auto& [k, v] : index.params) {
    if (k == "index_type") {
      spec.index_type = v;
    } else if (k == "metric_type") {
      metric = v;
    } else if (k == "params") {
      auto json = nlohmann::json::parse(v, nullptr, /*allow_exceptions=*/false);
      if (json.is_discarded() || !json.is_object())
        return InvalidArgument("index params are not a JSON object: " + v);
      spec.params = std::move(json);
    }
  }
  if (metric.empty()) metric = field_type == DataType::kBinaryVector ? "HAMMING" : "L2";
  ASSIGN_OR_RETURN(spec.metric, ParseMetricType(metric));
  return spec;
}

IndexBuilder::IndexBuilder(ObjectStore* store, std::string root, Catalog* catalog,
                           HybridClock* clock, ThreadPool* pool, CollectionLookup lookup)
    : store_(store),
      root_(std::move(root)),
      catalog_(catalog),
      clock_(clock),
      pool_(pool),
      lookup_(std::move(lookup)),
      worker_([this] { Run(); }) {}

IndexBuilder::~IndexBuilder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  worker_.join();
}

void IndexBuilder::Schedule(int64_t collection_id) {
  {
    std::lock_guard lock(mu_);
    if (std::find(queue_.begin(), queue_.end(), collection_id) == queue_.end())
      queue_.push_back(collection_id);
  }
  cv_.notify_all();
}

void IndexBuilder::WaitIdle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stopping_ || (queue_.empty() && !busy_); });
}

void IndexBuilder::Run() {
  for (;;) {
    int64_t collection_id;
    {
      std::unique_lock lock(mu_);
      busy_ = false;
      cv_.notify_all();
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      collection_id = queue_.front();
      queue_.pop_front();
      busy_ = true;
    }
    Status st = BuildPending(collection_id);
    if (!st.ok())
      spdlog::error(
          "index build for collection {} failed (retried on the next flush, index "
          "change or restart): {}",
          collection_id, st.ToString());
  }
}

Status IndexBuilder::BuildPending(int64_t collection_id) {
  for (;;) {
    // Find one (index, segment) pair still to build, against the newest catalog each time so
    // drops and new segments are seen.
    Manifest m = catalog_->Snapshot();
    const CollectionMeta* meta = m.FindCollection(collection_id);
    if (meta == nullptr) return Status::Ok();
    const IndexMeta* index = nullptr;
    const SegmentMeta* segment = nullptr;
    for (const auto& i : meta->indexes) {
      for (const auto& seg : meta->segments) {
        bool built =
            std::any_of(seg.index_files.begin(), seg.index_files.end(),
                        [&](const SegmentIndexFile& f) { return f.index_id == i.index_id; });
        if (!built) {
          index = &i;
          segment = &seg;
          break;
        }
      }
      if (index) break;
    }
    if (index == nullptr) return Status::Ok();
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Status::Ok();
    }
    std::shared_ptr<Collection> collection = lookup_(collection_id);
    if (!collection) return Status::Ok();
    const FieldSchema* field = meta->schema.FindField(index->field_id);
    if (field == nullptr) return Internal("index on a field the schema does not have");
    ASSIGN_OR_RETURN(IndexSpec spec, IndexSpecFromMeta(*index, field->type));
    ASSIGN_OR_RETURN(std::shared_ptr<const Chunk> chunk, collection->SealedChunk(*segment));
    const Column& column = *chunk->rows.FindColumn(field->field_id);
    VectorData data;
    data.n = chunk->num_rows();
    data.dim = field->dim;
    if (field->type == DataType::kBinaryVector)
      data.binary_data = column.values<uint8_t>().data();
    else
      data.float_data = column.values<float>().data();

    auto started = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(std::unique_ptr<VectorIndex> built, BuildVectorIndex(spec, data, pool_));
    ASSIGN_OR_RETURN(std::string bytes, SaveVectorIndex(*built));
    std::string key = fmt::format("{}index_files/{}/1/{}/{}/{}", root_, clock_->Now(),
                                  segment->partition_id, segment->segment_id, index->index_name);
    RETURN_IF_ERROR(store_->Put(key, bytes));
    int64_t index_id = index->index_id, segment_id = segment->segment_id;
    bool committed = false;
    RETURN_IF_ERROR(catalog_->Commit([&](Manifest& next) -> Status {
      CollectionMeta* c = next.FindCollection(collection_id);
      if (c == nullptr) return Status::Ok();
      bool index_alive = std::any_of(c->indexes.begin(), c->indexes.end(),
                                     [&](const IndexMeta& i) { return i.index_id == index_id; });
      SegmentMeta* seg = c->FindSegment(segment_id);
      if (!index_alive || seg == nullptr) return Status::Ok();
      seg->index_files.push_back({index_id, key, static_cast<int64_t>(bytes.size())});
      committed = true;
      return Status::Ok();
    }));
    if (!committed) {  // Dropped while we built: the file is garbage.
      (void)store_->Delete(key);
      continue;
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("built {} index '{}' on segment {} ({} rows, {} bytes) in {:.2f}s",
                 spec.index_type, index->index_name, segment_id, data.n, bytes.size(), seconds);
    collection->AttachIndex(segment_id, index_id, std::move(built));
  }
}

}  // namespace strata
