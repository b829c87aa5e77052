// IVF_FLAT and IVF_SQ8: the coarse quantizer of FloatIvfBase with full vectors (IVF_FLAT) or
// 8-bit scalar-quantized residuals (IVF_SQ8) in each list.
#include <cmath>

#include "index/distance.h"
#include "index/ivf_common.h"
#include "index/ivf_sq8_kernels.h"

namespace strata::ivf {

namespace {

// IVF_FLAT: list rows stored whole (unit length for COSINE), in list order.
class IvfFlatIndex : public FloatIvfBase {
 public:
  static Result<std::unique_ptr<VectorIndex>> Build(const IndexSpec& spec, const IvfHeader& header,
                                                    const float* rows, ThreadPool* pool) {
    auto index = std::make_unique<IvfFlatIndex>();
    index->spec_ = spec;
    index->header_ = header;
    std::vector<int32_t> labels;
    RETURN_IF_ERROR(index->TrainLists(rows, pool, &labels));
    index->vectors_ = RowsInListOrder(index->lists_, rows, header.dim);
    return std::unique_ptr<VectorIndex>(std::move(index));
  }

  static Result<std::unique_ptr<VectorIndex>> Load(const IndexSpec& spec, const IvfHeader& header,
                                                   ByteReader* r) {
    auto index = std::make_unique<IvfFlatIndex>();
    index->spec_ = spec;
    index->header_ = header;
    RETURN_IF_ERROR(r->ReadArray(static_cast<uint64_t>(header.nlist * header.dim),
                                 &index->centroids_, "centroids"));
    RETURN_IF_ERROR(index->lists_.Read(r, header.nlist, header.n));
    RETURN_IF_ERROR(
        r->ReadArray(static_cast<uint64_t>(header.n * header.dim), &index->vectors_, "vectors"));
    return std::unique_ptr<VectorIndex>(std::move(index));
  }

  int64_t MemoryBytes() const override {
    return static_cast<int64_t>((centroids_.size() + vectors_.size()) * sizeof(float)) +
           lists_.MemoryBytes();
  }

  void WriteBody(ByteWriter* w) const override {
    w->PutArray(centroids_.data(), centroids_.size());
    lists_.Write(w);
    w->PutArray(vectors_.data(), vectors_.size());
  }

 protected:
  std::unique_ptr<ListScanner> NewScanner(const void* query) const override {
    return std::make_unique<Scanner>(this, static_cast<const float*>(query));
  }

 private:
  class Scanner : public ListScanner {
   public:
    Scanner(const IvfFlatIndex* index, const float* query) : index_(index), query_(query) {}

    int64_t Scan(int64_t l, const Bitset* allowed, HitHeap* heap) override {
      const DistanceKernels& kernels = Kernels();
      size_t dim = static_cast<size_t>(index_->header_.dim);
      bool l2 = index_->header_.metric == MetricType::kL2;
      const float* vectors = index_->vectors_.data();
      return ScanListPositions(
          index_->lists_, l, allowed, reinterpret_cast<const uint8_t*>(vectors),
          dim * sizeof(float), &positions_, [&](uint64_t pos) {
            const float* x = vectors + pos * dim;
            float key = l2 ? kernels.l2sq_f32(query_, x, dim) : -kernels.ip_f32(query_, x, dim);
            if (key <= heap->Bound()) heap->Add(key, index_->lists_.ids[pos]);
          });
    }

   private:
    const IvfFlatIndex* index_;
    const float* query_;
    std::vector<uint64_t> positions_;
  };

  std::vector<float> vectors_;  // n x dim, list order
};

// IVF_SQ8: each row's residual from its list centroid, quantized per list and dimension to
// 8 bits over that list's residual range: r[d] ~ vmin[l][d] + scale[l][d] * code[d]. Ranges
// per list (2 * dim floats each) are much tighter than one global range when lists differ in
// spread, for a negligible size cost.
class IvfSq8Index : public FloatIvfBase {
 public:
  static Result<std::unique_ptr<VectorIndex>> Build(const IndexSpec& spec, const IvfHeader& header,
                                                    const float* rows, ThreadPool* pool) {
    auto index = std::make_unique<IvfSq8Index>();
    index->spec_ = spec;
    index->header_ = header;
    std::vector<int32_t> labels;
    RETURN_IF_ERROR(index->TrainLists(rows, pool, &labels));
    int64_t dim = header.dim;
    const InvertedLists& lists = index->lists_;
    index->vmin_.resize(static_cast<size_t>(header.nlist * dim));
    index->scale_.resize(static_cast<size_t>(header.nlist * dim));
    index->codes_.resize(static_cast<size_t>(header.n * dim));
    ParallelRange(pool, header.nlist, [&](int64_t l) {
      const float* centroid = index->Centroid(l);
      float* vmin = index->vmin_.data() + l * dim;
      float* scale = index->scale_.data() + l * dim;
      std::vector<float> vmax(static_cast<size_t>(dim), -std::numeric_limits<float>::infinity());
      std::fill_n(vmin, dim, std::numeric_limits<float>::infinity());
      uint64_t begin = lists.offsets[static_cast<size_t>(l)];
      uint64_t end = lists.offsets[static_cast<size_t>(l) + 1];
      for (uint64_t pos = begin; pos < end; ++pos) {
        const float* x = rows + int64_t{lists.ids[pos]} * dim;
        for (int64_t d = 0; d < dim; ++d) {
          vmin[d] = std::min(vmin[d], x[d] - centroid[d]);
          vmax[static_cast<size_t>(d)] = std::max(vmax[static_cast<size_t>(d)], x[d] - centroid[d]);
        }
      }
      for (int64_t d = 0; d < dim; ++d) {
        float range = vmax[static_cast<size_t>(d)] - vmin[d];
        // A constant (or non-finite, or empty-list) dimension encodes as 0 and decodes to vmin.
        if (!std::isfinite(vmin[d])) vmin[d] = 0;
        scale[d] = std::isfinite(range) && range > 0 ? range / 255 : 0;
      }
      for (uint64_t pos = begin; pos < end; ++pos) {
        const float* x = rows + int64_t{lists.ids[pos]} * dim;
        uint8_t* code = index->codes_.data() + pos * static_cast<uint64_t>(dim);
        for (int64_t d = 0; d < dim; ++d) {
          float v = scale[d] > 0 ? std::nearbyint((x[d] - centroid[d] - vmin[d]) / scale[d]) : 0;
          code[d] = static_cast<uint8_t>(v >= 255 ? 255 : (v > 0 ? v : 0));
        }
      }
    });
    return std::unique_ptr<VectorIndex>(std::move(index));
  }

  static Result<std::unique_ptr<VectorIndex>> Load(const IndexSpec& spec, const IvfHeader& header,
                                                   ByteReader* r) {
    auto index = std::make_unique<IvfSq8Index>();
    index->spec_ = spec;
    index->header_ = header;
    RETURN_IF_ERROR(r->ReadArray(static_cast<uint64_t>(header.nlist * header.dim),
                                 &index->centroids_, "centroids"));
    RETURN_IF_ERROR(
        r->ReadArray(static_cast<uint64_t>(header.nlist * header.dim), &index->vmin_, "vmin"));
    RETURN_IF_ERROR(
        r->ReadArray(static_cast<uint64_t>(header.nlist * header.dim), &index->scale_, "scale"));
    RETURN_IF_ERROR(index->lists_.Read(r, header.nlist, header.n));
    RETURN_IF_ERROR(
        r->ReadArray(static_cast<uint64_t>(header.n * header.dim), &index->codes_, "codes"));
    return std::unique_ptr<VectorIndex>(std::move(index));
  }

  int64_t MemoryBytes() const override {
    return static_cast<int64_t>((centroids_.size() + vmin_.size() + scale_.size()) * sizeof(float) +
                                codes_.size()) +
           lists_.MemoryBytes();
  }

  void WriteBody(ByteWriter* w) const override {
    w->PutArray(centroids_.data(), centroids_.size());
    w->PutArray(vmin_.data(), vmin_.size());
    w->PutArray(scale_.data(), scale_.size());
    lists_.Write(w);
    w->PutArray(codes_.data(), codes_.size());
  }

 protected:
  std::unique_ptr<ListScanner> NewScanner(const void* query) const override {
    return std::make_unique<Scanner>(this, static_cast<const float*>(query));
  }

 private:
  // L2: per list, q' = q - centroid - vmin, and |q - x|^2 = sum (q'[d] - scale[d] c[d])^2.
  // IP: <q, x> = <q, centroid> + <q, vmin> + sum (q[d] scale[d]) c[d].
  class Scanner : public ListScanner {
   public:
    Scanner(const IvfSq8Index* index, const float* query)
        : index_(index),
          query_(query),
          kernels_(ActiveSq8Kernels()),
          adjusted_(static_cast<size_t>(index->header_.dim)) {}

    int64_t Scan(int64_t l, const Bitset* allowed, HitHeap* heap) override {
      size_t dim = static_cast<size_t>(index_->header_.dim);
      const float* centroid = index_->Centroid(l);
      const float* vmin = index_->vmin_.data() + l * index_->header_.dim;
      const float* scale = index_->scale_.data() + l * index_->header_.dim;
      bool l2 = !index_->inner_product();
      float offset = 0;
      if (l2) {
        for (size_t d = 0; d < dim; ++d) adjusted_[d] = query_[d] - centroid[d] - vmin[d];
      } else {
        for (size_t d = 0; d < dim; ++d) adjusted_[d] = query_[d] * scale[d];
        offset = InnerProduct(query_, centroid, dim) + InnerProduct(query_, vmin, dim);
      }
      const uint8_t* codes = index_->codes_.data();
      return ScanListPositions(
          index_->lists_, l, allowed, codes, dim, &positions_, [&](uint64_t pos) {
            const uint8_t* code = codes + pos * dim;
            float key = l2 ? kernels_.l2(adjusted_.data(), scale, code, dim)
                           : -(offset + kernels_.ip(adjusted_.data(), code, dim));
            if (key <= heap->Bound()) heap->Add(key, index_->lists_.ids[pos]);
          });
    }

   private:
    const IvfSq8Index* index_;
    const float* query_;
    const Sq8Kernels& kernels_;
    std::vector<float> adjusted_;
    std::vector<uint64_t> positions_;
  };

  std::vector<float> vmin_;     // nlist x dim
  std::vector<float> scale_;    // nlist x dim
  std::vector<uint8_t> codes_;  // n x dim, list order
};

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildIvfFlatOrSq8(const IndexSpec& spec,
                                                       const IvfHeader& header, const float* rows,
                                                       ThreadPool* pool) {
  if (header.type == IvfType::kSq8) return IvfSq8Index::Build(spec, header, rows, pool);
  return IvfFlatIndex::Build(spec, header, rows, pool);
}

Result<std::unique_ptr<VectorIndex>> LoadIvfFlatOrSq8(const IndexSpec& spec,
                                                      const IvfHeader& header, ByteReader* r) {
  if (header.type == IvfType::kSq8) return IvfSq8Index::Load(spec, header, r);
  return IvfFlatIndex::Load(spec, header, r);
}

}  // namespace strata::ivf
