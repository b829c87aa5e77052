#include "index/flat_index.h"

#include <string>

#include "index/ivf_common.h"

namespace strata {

namespace {

constexpr uint32_t kFlatMagic = 0x544c4653;  // "SFLT" little-endian
constexpr uint32_t kFlatVersion = 1;

class FlatIndex : public VectorIndex {
 public:
  FlatIndex(IndexSpec spec, int64_t n, int64_t dim, std::vector<uint8_t> bytes)
      : spec_(std::move(spec)), n_(n), dim_(dim), bytes_(std::move(bytes)) {}

  const IndexSpec& spec() const override { return spec_; }
  int64_t size() const override { return n_; }
  int64_t dim() const override { return dim_; }
  int64_t MemoryBytes() const override { return static_cast<int64_t>(bytes_.size()); }

  Status Search(const void* queries, int64_t nq, int64_t k, const nlohmann::json& search_params,
                const Bitset* allowed, ThreadPool* pool, std::vector<TopK>* out) const override {
    if (k > ivf::kMaxK) {
      return InvalidArgument("k must be at most " + std::to_string(ivf::kMaxK));
    }
    if (IsBinaryMetric(spec_.metric)) {
      return SearchBinaryFlat(bytes_.data(), n_, dim_, static_cast<const uint8_t*>(queries), nq,
                              spec_.metric, k, allowed, pool, out);
    }
    return SearchFloatFlat(reinterpret_cast<const float*>(bytes_.data()), n_, dim_,
                           static_cast<const float*>(queries), nq, spec_.metric, k, allowed, pool,
                           out);
  }

  Status RangeSearch(const void* queries, int64_t nq, const RangeParams& range, int64_t limit,
                     const nlohmann::json& /*search_params*/, const Bitset* allowed,
                     ThreadPool* pool, std::vector<RangeHits>* out) const override {
    if (limit > ivf::kMaxK) {
      return InvalidArgument("limit must be at most " + std::to_string(ivf::kMaxK));
    }
    if (IsBinaryMetric(spec_.metric)) {
      return RangeSearchBinaryFlat(bytes_.data(), n_, dim_, static_cast<const uint8_t*>(queries),
                                   nq, spec_.metric, range, limit, allowed, pool, out);
    }
    return RangeSearchFloatFlat(reinterpret_cast<const float*>(bytes_.data()), n_, dim_,
                                static_cast<const float*>(queries), nq, spec_.metric, range, limit,
                                allowed, pool, out);
  }

  Status Serialize(std::string* out) const override {
    out->clear();
    ByteWriter w(out);
    w.Put(kFlatMagic);
    w.Put(kFlatVersion);
    w.Put(static_cast<uint8_t>(spec_.metric));
    w.Put(uint8_t{0});
    w.Put(uint16_t{0});
    w.Put(dim_);
    w.Put(n_);
    w.PutArray(bytes_.data(), bytes_.size());
    return Status::Ok();
  }

 private:
  IndexSpec spec_;
  int64_t n_;
  int64_t dim_;  // floats, or bits for BIN_FLAT
  // The rows as bytes; float rows are read through a float pointer (std::vector's allocation
  // is suitably aligned for any fundamental type).
  std::vector<uint8_t> bytes_;
};

Status CheckSpec(const IndexSpec& spec) {
  bool binary = spec.index_type == "BIN_FLAT";
  if (!binary && spec.index_type != "FLAT") {
    return InvalidArgument("not a flat index type: \"" + spec.index_type +
                           "\"; valid: FLAT, BIN_FLAT");
  }
  if (IsBinaryMetric(spec.metric) != binary) {
    return InvalidArgument(spec.index_type + " does not support metric " +
                           std::string(MetricTypeName(spec.metric)));
  }
  return Status::Ok();
}

int64_t RowBytes(bool binary, int64_t dim) { return binary ? dim / 8 : dim * 4; }

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildFlatIndex(const IndexSpec& spec, const VectorData& data,
                                                    ThreadPool* /*pool*/) {
  RETURN_IF_ERROR(CheckSpec(spec));
  bool binary = IsBinaryMetric(spec.metric);
  int64_t max_dim = binary ? ivf::kMaxDim * 8 : ivf::kMaxDim;
  if (data.dim <= 0 || data.dim > max_dim || (binary && data.dim % 8 != 0)) {
    return InvalidArgument("bad dimension " + std::to_string(data.dim) + " for " + spec.index_type);
  }
  if (data.n < 0 || data.n >= ivf::kMaxRows) {
    return InvalidArgument("bad row count " + std::to_string(data.n));
  }
  const uint8_t* src =
      binary ? data.binary_data : reinterpret_cast<const uint8_t*>(data.float_data);
  if (data.n > 0 && src == nullptr) return InvalidArgument(spec.index_type + " needs vector data");
  std::vector<uint8_t> bytes(src, src + data.n * RowBytes(binary, data.dim));
  return std::unique_ptr<VectorIndex>(
      std::make_unique<FlatIndex>(spec, data.n, data.dim, std::move(bytes)));
}

Result<std::unique_ptr<VectorIndex>> LoadFlatIndex(const IndexSpec& spec, std::string_view payload,
                                                   std::string_view object_name) {
  RETURN_IF_ERROR(CheckSpec(spec));
  ByteReader r(payload, object_name);
  uint32_t magic = 0, version = 0;
  uint8_t metric = 0, reserved8 = 0;
  uint16_t reserved16 = 0;
  int64_t dim = 0, n = 0;
  RETURN_IF_ERROR(r.Read(&magic, "magic"));
  if (magic != kFlatMagic) return r.Corrupt("bad magic");
  RETURN_IF_ERROR(r.Read(&version, "version"));
  if (version != kFlatVersion) return r.Corrupt("unknown version " + std::to_string(version));
  RETURN_IF_ERROR(r.Read(&metric, "metric"));
  RETURN_IF_ERROR(r.Read(&reserved8, "reserved8"));
  RETURN_IF_ERROR(r.Read(&reserved16, "reserved16"));
  RETURN_IF_ERROR(r.Read(&dim, "dim"));
  RETURN_IF_ERROR(r.Read(&n, "n"));
  if (metric != static_cast<uint8_t>(spec.metric)) return r.Corrupt("metric does not match");
  bool binary = IsBinaryMetric(spec.metric);
  int64_t max_dim = binary ? ivf::kMaxDim * 8 : ivf::kMaxDim;
  if (dim <= 0 || dim > max_dim || (binary && dim % 8 != 0)) return r.Corrupt("bad dimension");
  if (n < 0 || n >= ivf::kMaxRows) return r.Corrupt("bad row count");
  std::vector<uint8_t> bytes;
  RETURN_IF_ERROR(r.ReadArray(static_cast<uint64_t>(n * RowBytes(binary, dim)), &bytes, "bytes"));
  if (r.remaining() != 0) return r.Corrupt("trailing bytes");
  return std::unique_ptr<VectorIndex>(std::make_unique<FlatIndex>(spec, n, dim, std::move(bytes)));
}

}  // namespace strata
