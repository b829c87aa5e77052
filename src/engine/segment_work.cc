#include "engine/segment_work.h"

#include <fmt/format.h>

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

Result<BuiltSegmentIndex> BuildSegmentIndex(const SegmentWorkContext& ctx,
                                            const CollectionSchema& schema, const IndexMeta& index,
                                            int64_t partition_id, int64_t segment_id,
                                            const Chunk& chunk) {
  const FieldSchema* field = schema.FindField(index.field_id);
  if (field == nullptr) return Internal("index on a field the schema does not have");
  ASSIGN_OR_RETURN(IndexSpec spec, IndexSpecFromMeta(index, field->type));
  const Column& column = *chunk.rows.FindColumn(field->field_id);
  VectorData data;
  data.n = chunk.num_rows();
  data.dim = field->dim;
  if (field->type == DataType::kBinaryVector)
    data.binary_data = column.values<uint8_t>().data();
  else
    data.float_data = column.values<float>().data();
  BuiltSegmentIndex out;
  ASSIGN_OR_RETURN(out.index, BuildVectorIndex(spec, data, ctx.pool, ctx.cancel));
  ASSIGN_OR_RETURN(std::string bytes, SaveVectorIndex(*out.index));
  out.file.index_id = index.index_id;
  out.file.key = fmt::format("{}index_files/{}/1/{}/{}/{}", ctx.root, ctx.clock->Now(),
                             partition_id, segment_id, index.index_name);
  out.file.size = static_cast<int64_t>(bytes.size());
  RETURN_IF_ERROR(ctx.store->Put(out.file.key, bytes));
  return out;
}

}  // namespace strata
