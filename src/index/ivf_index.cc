#include "index/ivf_index.h"

#include <string>

#include "index/ivf_common.h"
#include "index/kmeans.h"

namespace strata {

using ivf::IvfHeader;
using ivf::IvfType;

Result<std::unique_ptr<VectorIndex>> BuildIvfIndex(const IndexSpec& spec, const VectorData& data,
                                                   ThreadPool* pool,
                                                   const std::atomic<bool>* cancel) {
  ASSIGN_OR_RETURN(IvfType type, ivf::ParseIvfType(spec.index_type));
  bool binary = type == IvfType::kBinFlat;
  if (IsBinaryMetric(spec.metric) != binary) {
    return InvalidArgument(spec.index_type + " does not support metric " +
                           std::string(MetricTypeName(spec.metric)));
  }
  if (data.n <= 0 || data.n >= ivf::kMaxRows) {
    return InvalidArgument("cannot build " + spec.index_type + " over " + std::to_string(data.n) +
                           " rows");
  }
  if (binary ? data.binary_data == nullptr : data.float_data == nullptr) {
    return InvalidArgument(spec.index_type + " needs " + (binary ? "binary" : "float") +
                           " vector data");
  }
  int64_t max_dim = binary ? ivf::kMaxDim * 8 : ivf::kMaxDim;
  if (data.dim <= 0 || data.dim > max_dim || (binary && data.dim % 8 != 0)) {
    return InvalidArgument("bad dimension " + std::to_string(data.dim) + " for " + spec.index_type);
  }
  ASSIGN_OR_RETURN(int64_t nlist,
                   ivf::IntParam(spec.params, "nlist", ivf::kDefaultNlist, 1, ivf::kMaxNlist));
  IvfHeader header;
  header.type = type;
  header.metric = spec.metric;
  header.dim = data.dim;
  header.n = data.n;
  header.nlist = ivf::EffectiveNlist(nlist, data.n);
  if (binary) return ivf::BuildBinIvf(spec, header, data.binary_data, pool, cancel);

  // IVF_PQ's parameters are checked before any training work.
  int64_t m = 0, nbits = 0;
  if (type == IvfType::kPq) {
    ASSIGN_OR_RETURN(m, ivf::IntParam(spec.params, "m", 0, 1, data.dim));
    if (m == 0 || data.dim % m != 0) {
      return InvalidArgument("IVF_PQ needs m dividing dim " + std::to_string(data.dim) + ", got " +
                             std::to_string(m));
    }
    ASSIGN_OR_RETURN(nbits, ivf::IntParam(spec.params, "nbits", ivf::kDefaultNbits, 1, 16));
  }
  const float* rows = data.float_data;
  std::vector<float> normalized;
  if (spec.metric == MetricType::kCosine) {
    normalized.assign(rows, rows + data.n * data.dim);
    NormalizeRows(normalized.data(), data.n, data.dim);
    rows = normalized.data();
  }
  if (type == IvfType::kPq) return ivf::BuildIvfPq(spec, header, rows, m, nbits, pool, cancel);
  return ivf::BuildIvfFlatOrSq8(spec, header, rows, pool, cancel);
}

Result<std::unique_ptr<VectorIndex>> LoadIvfIndex(const IndexSpec& spec, std::string_view payload,
                                                  std::string_view object_name) {
  ByteReader reader(payload, object_name);
  IvfHeader header;
  RETURN_IF_ERROR(ivf::ReadHeader(&reader, &header));
  if (ivf::IvfTypeName(header.type) != spec.index_type || header.metric != spec.metric) {
    return reader.Corrupt("payload holds " + std::string(ivf::IvfTypeName(header.type)) + "/" +
                          std::string(MetricTypeName(header.metric)) + ", expected " +
                          spec.index_type + "/" + std::string(MetricTypeName(spec.metric)));
  }
  Result<std::unique_ptr<VectorIndex>> index = Status(StatusCode::kInternal, "unreachable");
  switch (header.type) {
    case IvfType::kFlat:
    case IvfType::kSq8:
      index = ivf::LoadIvfFlatOrSq8(spec, header, &reader);
      break;
    case IvfType::kPq:
      index = ivf::LoadIvfPq(spec, header, &reader);
      break;
    case IvfType::kBinFlat:
      index = ivf::LoadBinIvf(spec, header, &reader);
      break;
  }
  if (index.ok() && reader.remaining() != 0) return reader.Corrupt("trailing bytes");
  return index;
}

}  // namespace strata
