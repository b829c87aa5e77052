// IVF_FLAT and IVF_SQ8: the coarse quantizer of FloatIvfBase with full vectors (IVF_FLAT) or
// 8-bit scalar-quantized residuals (IVF_SQ8) in each list.
#include <algorithm>
#include <bit>
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
                                                    const float* rows, ThreadPool* pool,
                                                    const std::atomic<bool>* cancel) {
    auto index = std::make_unique<IvfFlatIndex>();
    index->spec_ = spec;
    index->header_ = header;
    std::vector<int32_t> labels;
    RETURN_IF_ERROR(index->TrainLists(rows, pool, cancel, &labels));
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

// bfloat16 is the high half of a float's bits. Rounding toward zero truncates; one step away
// from zero gives the other direction. A finite float never becomes infinite here.
uint16_t Bf16Rounded(float f, bool up) {
  auto bits = std::bit_cast<uint32_t>(f);
  auto high = static_cast<uint16_t>(bits >> 16);
  bool negative = (bits >> 31) != 0;
  if ((bits & 0xFFFF) != 0 && up != negative && std::isfinite(f)) {
    auto away = static_cast<uint16_t>(high + 1);
    if (std::isfinite(std::bit_cast<float>(uint32_t{away} << 16))) high = away;
  }
  return high;
}

float FromBf16(uint16_t h) { return std::bit_cast<float>(uint32_t{h} << 16); }

// IVF_SQ8's per-list, per-dimension quantizer ranges: r[d] ~ vmin[d] + scale[d] * code[d]. Built
// indexes (payload version 2) keep them as bfloat16, vmin rounded down and scale up, so that
// the range still covers every residual; at 8-bit codes that costs at most 1/256 of a step.
// Version 1 payloads kept floats, which their codes were computed from, so those stay floats.
struct Sq8Ranges {
  std::vector<uint16_t> vmin16, scale16;  // nlist x dim, or empty
  std::vector<float> vmin32, scale32;     // nlist x dim, or empty (version 1 only)

  // List l's ranges as floats into vmin[0, dim) and scale[0, dim).
  void Decode(int64_t l, size_t dim, float* vmin, float* scale) const {
    size_t at = static_cast<size_t>(l) * dim;
    if (!vmin32.empty()) {
      std::copy_n(vmin32.data() + at, dim, vmin);
      std::copy_n(scale32.data() + at, dim, scale);
      return;
    }
    for (size_t d = 0; d < dim; ++d) {
      vmin[d] = FromBf16(vmin16[at + d]);
      scale[d] = FromBf16(scale16[at + d]);
    }
  }
  int64_t MemoryBytes() const {
    return static_cast<int64_t>((vmin16.size() + scale16.size()) * sizeof(uint16_t) +
                                (vmin32.size() + scale32.size()) * sizeof(float));
  }
};

// IVF_SQ8: each row's residual from its list centroid, quantized per list and dimension to
// 8 bits over that list's residual range (Sq8Ranges). Ranges per list are much tighter than one
// global range when lists differ in spread, for a small size cost.
class IvfSq8Index : public FloatIvfBase {
 public:
  static Result<std::unique_ptr<VectorIndex>> Build(const IndexSpec& spec, const IvfHeader& header,
                                                    const float* rows, ThreadPool* pool,
                                                    const std::atomic<bool>* cancel) {
    auto index = std::make_unique<IvfSq8Index>();
    index->spec_ = spec;
    index->header_ = header;
    index->header_.version = kIvfVersion;
    std::vector<int32_t> labels;
    RETURN_IF_ERROR(index->TrainLists(rows, pool, cancel, &labels));
    int64_t dim = header.dim;
    auto udim = static_cast<size_t>(dim);
    const InvertedLists& lists = index->lists_;
    Sq8Ranges& ranges = index->ranges_;
    ranges.vmin16.resize(static_cast<size_t>(header.nlist) * udim);
    ranges.scale16.resize(static_cast<size_t>(header.nlist) * udim);
    index->codes_.resize(static_cast<size_t>(header.n) * udim);
    ParallelRange(pool, header.nlist, [&](int64_t l) {
      const float* centroid = index->Centroid(l);
      std::vector<float> vmin(udim, std::numeric_limits<float>::infinity());
      std::vector<float> vmax(udim, -std::numeric_limits<float>::infinity());
      std::vector<float> scale(udim);
      uint64_t begin = lists.offsets[static_cast<size_t>(l)];
      uint64_t end = lists.offsets[static_cast<size_t>(l) + 1];
      for (uint64_t pos = begin; pos < end; ++pos) {
        const float* x = rows + int64_t{lists.ids[pos]} * dim;
        for (size_t d = 0; d < udim; ++d) {
          vmin[d] = std::min(vmin[d], x[d] - centroid[d]);
          vmax[d] = std::max(vmax[d], x[d] - centroid[d]);
        }
      }
      size_t at = static_cast<size_t>(l) * udim;
      for (size_t d = 0; d < udim; ++d) {
        // A constant (or non-finite, or empty-list) dimension encodes as 0 and decodes to vmin.
        if (!std::isfinite(vmin[d])) vmin[d] = 0;
        ranges.vmin16[at + d] = Bf16Rounded(vmin[d], /*up=*/false);
        float range = vmax[d] - FromBf16(ranges.vmin16[at + d]);
        float step = std::isfinite(range) && range > 0 ? range / 255 : 0;
        ranges.scale16[at + d] = Bf16Rounded(step, /*up=*/true);
      }
      // Encode with exactly the ranges a search decodes.
      ranges.Decode(l, udim, vmin.data(), scale.data());
      for (uint64_t pos = begin; pos < end; ++pos) {
        const float* x = rows + int64_t{lists.ids[pos]} * dim;
        uint8_t* code = index->codes_.data() + pos * udim;
        for (size_t d = 0; d < udim; ++d) {
          float v = scale[d] > 0 ? std::nearbyint((x[d] - centroid[d] - vmin[d]) / scale[d]) : 0;
          code[d] = static_cast<uint8_t>(v >= 255 ? 255 : (v > 0 ? v : 0));
        }
      }
    });
    index->ComputeInverseNorms(pool);
    return std::unique_ptr<VectorIndex>(std::move(index));
  }

  static Result<std::unique_ptr<VectorIndex>> Load(const IndexSpec& spec, const IvfHeader& header,
                                                   ByteReader* r) {
    auto index = std::make_unique<IvfSq8Index>();
    index->spec_ = spec;
    index->header_ = header;
    auto cells = static_cast<uint64_t>(header.nlist * header.dim);
    Sq8Ranges& ranges = index->ranges_;
    RETURN_IF_ERROR(r->ReadArray(cells, &index->centroids_, "centroids"));
    if (header.version == 1) {
      RETURN_IF_ERROR(r->ReadArray(cells, &ranges.vmin32, "vmin"));
      RETURN_IF_ERROR(r->ReadArray(cells, &ranges.scale32, "scale"));
    } else {
      RETURN_IF_ERROR(r->ReadArray(cells, &ranges.vmin16, "vmin"));
      RETURN_IF_ERROR(r->ReadArray(cells, &ranges.scale16, "scale"));
    }
    RETURN_IF_ERROR(index->lists_.Read(r, header.nlist, header.n));
    RETURN_IF_ERROR(
        r->ReadArray(static_cast<uint64_t>(header.n * header.dim), &index->codes_, "codes"));
    index->ComputeInverseNorms(nullptr);
    return std::unique_ptr<VectorIndex>(std::move(index));
  }

  int64_t MemoryBytes() const override {
    return static_cast<int64_t>((centroids_.size() + inv_norms_.size()) * sizeof(float) +
                                codes_.size()) +
           ranges_.MemoryBytes() + lists_.MemoryBytes();
  }

  void WriteBody(ByteWriter* w) const override {
    w->PutArray(centroids_.data(), centroids_.size());
    if (header_.version == 1) {
      w->PutArray(ranges_.vmin32.data(), ranges_.vmin32.size());
      w->PutArray(ranges_.scale32.data(), ranges_.scale32.size());
    } else {
      w->PutArray(ranges_.vmin16.data(), ranges_.vmin16.size());
      w->PutArray(ranges_.scale16.data(), ranges_.scale16.size());
    }
    lists_.Write(w);
    w->PutArray(codes_.data(), codes_.size());
  }

 protected:
  std::unique_ptr<ListScanner> NewScanner(const void* query) const override {
    return std::make_unique<Scanner>(this, static_cast<const float*>(query));
  }

 private:
  // COSINE: rows are unit length before they are quantized, but their decoded form x' = x + e
  // (e the quantization error) is not. Dividing <q, x'> by |x'| cancels, to first order, the
  // part of e along x, leaving about <q - <q, x> x, e>: for a near neighbour, where q is
  // close to x, much less than the <q, e> of the plain dot product. Computed from the codes
  // on build and load, so the file format is unchanged; in memory it adds 4 bytes a row.
  // GloVe-100, nlist 1024: the recall gap to IVF_FLAT at nprobe 16 / 32 / 64 / 128 went from
  // 0.0049 / 0.0070 / 0.0090 / 0.0103 to 0.0034 / 0.0051 / 0.0067 / 0.0077 (doc/benchmarks.md).
  void ComputeInverseNorms(ThreadPool* pool) {
    if (header_.metric != MetricType::kCosine) return;
    auto dim = static_cast<size_t>(header_.dim);
    const Sq8Kernels& kernels = ActiveSq8Kernels();
    inv_norms_.assign(static_cast<size_t>(header_.n), 0.0f);
    ParallelRange(pool, header_.nlist, [&](int64_t l) {
      // |x'|^2 = sum (centroid + vmin + scale c)^2: the search's L2 kernel from the point
      // -(centroid + vmin).
      std::vector<float> from(dim), scale(dim);
      ranges_.Decode(l, dim, from.data(), scale.data());
      const float* centroid = Centroid(l);
      for (size_t d = 0; d < dim; ++d) from[d] = -(from[d] + centroid[d]);
      for (uint64_t pos = lists_.offsets[static_cast<size_t>(l)];
           pos < lists_.offsets[static_cast<size_t>(l) + 1]; ++pos) {
        float sq = kernels.l2(from.data(), scale.data(), codes_.data() + pos * dim, dim);
        inv_norms_[pos] = sq > 0 ? 1.0f / std::sqrt(sq) : 0.0f;
      }
    });
  }

  // L2: per list, q' = q - centroid - vmin, and |q - x|^2 = sum (q'[d] - scale[d] c[d])^2.
  // IP: <q, x> = <q, centroid> + <q, vmin> + sum (q[d] scale[d]) c[d]; COSINE then divides by
  // the decoded row's norm (ComputeInverseNorms).
  class Scanner : public ListScanner {
   public:
    Scanner(const IvfSq8Index* index, const float* query)
        : index_(index),
          query_(query),
          kernels_(ActiveSq8Kernels()),
          adjusted_(static_cast<size_t>(index->header_.dim)),
          vmin_(adjusted_.size()),
          scale_(adjusted_.size()) {}

    int64_t Scan(int64_t l, const Bitset* allowed, HitHeap* heap) override {
      size_t dim = static_cast<size_t>(index_->header_.dim);
      const float* centroid = index_->Centroid(l);
      index_->ranges_.Decode(l, dim, vmin_.data(), scale_.data());
      const float* vmin = vmin_.data();
      const float* scale = scale_.data();
      bool l2 = !index_->inner_product();
      float offset = 0;
      if (l2) {
        for (size_t d = 0; d < dim; ++d) adjusted_[d] = query_[d] - centroid[d] - vmin[d];
      } else {
        for (size_t d = 0; d < dim; ++d) adjusted_[d] = query_[d] * scale[d];
        offset = InnerProduct(query_, centroid, dim) + InnerProduct(query_, vmin, dim);
      }
      const uint8_t* codes = index_->codes_.data();
      const float* inv_norms = index_->inv_norms_.empty() ? nullptr : index_->inv_norms_.data();
      return ScanListPositions(index_->lists_, l, allowed, codes, dim, &positions_,
                               [&](uint64_t pos) {
                                 const uint8_t* code = codes + pos * dim;
                                 float key;
                                 if (l2) {
                                   key = kernels_.l2(adjusted_.data(), scale, code, dim);
                                 } else {
                                   float dot = offset + kernels_.ip(adjusted_.data(), code, dim);
                                   key = -(inv_norms != nullptr ? dot * inv_norms[pos] : dot);
                                 }
                                 if (key <= heap->Bound()) heap->Add(key, index_->lists_.ids[pos]);
                               });
    }

   private:
    const IvfSq8Index* index_;
    const float* query_;
    const Sq8Kernels& kernels_;
    std::vector<float> adjusted_;
    std::vector<float> vmin_, scale_;  // the probed list's ranges
    std::vector<uint64_t> positions_;
  };

  Sq8Ranges ranges_;
  std::vector<uint8_t> codes_;    // n x dim, list order
  std::vector<float> inv_norms_;  // COSINE only: 1 / |decoded row| per position, else empty
};

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildIvfFlatOrSq8(const IndexSpec& spec,
                                                       const IvfHeader& header, const float* rows,
                                                       ThreadPool* pool,
                                                       const std::atomic<bool>* cancel) {
  if (header.type == IvfType::kSq8) return IvfSq8Index::Build(spec, header, rows, pool, cancel);
  return IvfFlatIndex::Build(spec, header, rows, pool, cancel);
}

Result<std::unique_ptr<VectorIndex>> LoadIvfFlatOrSq8(const IndexSpec& spec,
                                                      const IvfHeader& header, ByteReader* r) {
  if (header.type == IvfType::kSq8) return IvfSq8Index::Load(spec, header, r);
  return IvfFlatIndex::Load(spec, header, r);
}

}  // namespace strata::ivf
