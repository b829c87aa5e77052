// IVF_PQ: the coarse quantizer of FloatIvfBase with each row's residual from its list centroid
// product-quantized: dim splits into m sub-vectors of dim / m floats, each replaced by the
// nearest of ksub = min(2^nbits, n) centroids of its own k-means codebook. Search uses
// asymmetric distances: per query (IP) or per query and probed list (L2) a table holds the
// query's distance to every codebook entry, and a row's score is a sum of m table lookups.
#include <string>

#include "index/distance.h"
#include "index/ivf_common.h"
#include "index/kmeans.h"

namespace strata::ivf {

namespace {

class IvfPqIndex : public FloatIvfBase {
 public:
  static Result<std::unique_ptr<VectorIndex>> Build(const IndexSpec& spec, const IvfHeader& header,
                                                    const float* rows, int64_t m, int64_t nbits,
                                                    ThreadPool* pool,
                                                    const std::atomic<bool>* cancel) {
    auto index = std::make_unique<IvfPqIndex>();
    index->spec_ = spec;
    index->header_ = header;
    index->m_ = m;
    index->nbits_ = nbits;
    index->ksub_ = std::min<int64_t>(int64_t{1} << nbits, header.n);
    std::vector<int32_t> labels;
    RETURN_IF_ERROR(index->TrainLists(rows, pool, cancel, &labels));
    int64_t n = header.n, dim = header.dim, dsub = index->dsub();
    int64_t ksub = index->ksub_;

    index->codebooks_.resize(static_cast<size_t>(m * ksub * dsub));
    index->codes_.resize(static_cast<size_t>(n * m * index->code_width()));
    std::vector<float> sub(static_cast<size_t>(n * dsub));
    std::vector<int32_t> sub_labels(static_cast<size_t>(n));
    KMeansOptions options;
    options.iterations = 12;
    options.cancel = cancel;
    for (int64_t j = 0; j < m; ++j) {
      // Sub-vector j of every residual, in list order so the codes come out in list order.
      for (int64_t pos = 0; pos < n; ++pos) {
        int64_t row = index->lists_.ids[static_cast<size_t>(pos)];
        const float* centroid = index->Centroid(labels[static_cast<size_t>(row)]);
        for (int64_t d = 0; d < dsub; ++d) {
          sub[static_cast<size_t>(pos * dsub + d)] =
              rows[row * dim + j * dsub + d] - centroid[j * dsub + d];
        }
      }
      ASSIGN_OR_RETURN(std::vector<float> codebook,
                       TrainKMeans(sub.data(), n, dsub, ksub, options, pool));
      std::copy(codebook.begin(), codebook.end(), index->codebooks_.begin() + j * ksub * dsub);
      NearestCentroids(sub.data(), n, dsub, codebook.data(), ksub, 1, false, pool,
                       sub_labels.data());
      for (int64_t pos = 0; pos < n; ++pos)
        index->SetCode(pos, j, sub_labels[static_cast<size_t>(pos)]);
    }
    return std::unique_ptr<VectorIndex>(std::move(index));
  }

  static Result<std::unique_ptr<VectorIndex>> Load(const IndexSpec& spec, const IvfHeader& header,
                                                   ByteReader* r) {
    auto index = std::make_unique<IvfPqIndex>();
    index->spec_ = spec;
    index->header_ = header;
    RETURN_IF_ERROR(r->Read(&index->m_, "m"));
    RETURN_IF_ERROR(r->Read(&index->nbits_, "nbits"));
    RETURN_IF_ERROR(r->Read(&index->ksub_, "ksub"));
    int64_t m = index->m_;
    if (m < 1 || m > header.dim || header.dim % m != 0) return r->Corrupt("bad m");
    if (index->nbits_ < 1 || index->nbits_ > 16) return r->Corrupt("bad nbits");
    if (index->ksub_ < 1 || index->ksub_ > (int64_t{1} << index->nbits_) ||
        index->ksub_ > header.n) {
      return r->Corrupt("bad codebook size");
    }
    RETURN_IF_ERROR(r->ReadArray(static_cast<uint64_t>(header.nlist * header.dim),
                                 &index->centroids_, "centroids"));
    RETURN_IF_ERROR(r->ReadArray(static_cast<uint64_t>(index->ksub_ * header.dim),
                                 &index->codebooks_, "codebooks"));
    RETURN_IF_ERROR(index->lists_.Read(r, header.nlist, header.n));
    RETURN_IF_ERROR(r->ReadArray(static_cast<uint64_t>(header.n * m * index->code_width()),
                                 &index->codes_, "codes"));
    // Codes index the lookup tables, so each must name an existing codebook entry.
    for (int64_t pos = 0; pos < header.n; ++pos) {
      for (int64_t j = 0; j < m; ++j) {
        if (index->Code(pos, j) >= index->ksub_) return r->Corrupt("PQ code out of range");
      }
    }
    return std::unique_ptr<VectorIndex>(std::move(index));
  }

  int64_t MemoryBytes() const override {
    return static_cast<int64_t>((centroids_.size() + codebooks_.size()) * sizeof(float) +
                                codes_.size()) +
           lists_.MemoryBytes();
  }

  void WriteBody(ByteWriter* w) const override {
    w->Put(m_);
    w->Put(nbits_);
    w->Put(ksub_);
    w->PutArray(centroids_.data(), centroids_.size());
    w->PutArray(codebooks_.data(), codebooks_.size());
    lists_.Write(w);
    w->PutArray(codes_.data(), codes_.size());
  }

 protected:
  std::unique_ptr<ListScanner> NewScanner(const void* query) const override {
    return std::make_unique<Scanner>(this, static_cast<const float*>(query));
  }

 private:
  int64_t dsub() const { return header_.dim / m_; }
  int64_t code_width() const { return nbits_ <= 8 ? 1 : 2; }
  const float* CodebookEntry(int64_t j, int64_t c) const {
    return codebooks_.data() + (j * ksub_ + c) * dsub();
  }
  int64_t Code(int64_t pos, int64_t j) const {
    const uint8_t* p = codes_.data() + (pos * m_ + j) * code_width();
    return code_width() == 1 ? p[0] : p[0] | (int64_t{p[1]} << 8);
  }
  void SetCode(int64_t pos, int64_t j, int64_t code) {
    uint8_t* p = codes_.data() + (pos * m_ + j) * code_width();
    p[0] = static_cast<uint8_t>(code);
    if (code_width() == 2) p[1] = static_cast<uint8_t>(code >> 8);
  }

  // IP (and COSINE): <q, c + r> = <q, c> + sum_j <q_j, codebook_j[code_j]>, so the table is
  // built once per query. L2: |q - c - r|^2 = sum_j |(q - c)_j - codebook_j[code_j]|^2, so
  // it is rebuilt for each probed list.
  class Scanner : public ListScanner {
   public:
    Scanner(const IvfPqIndex* index, const float* query)
        : index_(index), query_(query), table_(static_cast<size_t>(index->m_ * index->ksub_)) {
      if (index->inner_product()) FillTable(query, /*l2=*/false);
    }

    int64_t Scan(int64_t l, const Bitset* allowed, HitHeap* heap) override {
      int64_t dim = index_->header_.dim;
      const float* centroid = index_->Centroid(l);
      bool l2 = !index_->inner_product();
      float offset = 0;
      if (l2) {
        residual_.resize(static_cast<size_t>(dim));
        for (int64_t d = 0; d < dim; ++d)
          residual_[static_cast<size_t>(d)] = query_[d] - centroid[d];
        FillTable(residual_.data(), /*l2=*/true);
      } else {
        offset = InnerProduct(query_, centroid, static_cast<size_t>(dim));
      }
      int64_t m = index_->m_, ksub = index_->ksub_;
      size_t code_bytes = static_cast<size_t>(m * index_->code_width());
      return ScanListPositions(index_->lists_, l, allowed, index_->codes_.data(), code_bytes,
                               &positions_, [&](uint64_t pos) {
                                 float sum = 0;
                                 if (index_->code_width() == 1) {
                                   const uint8_t* code = index_->codes_.data() + pos * m;
                                   for (int64_t j = 0; j < m; ++j)
                                     sum += table_[static_cast<size_t>(j * ksub + code[j])];
                                 } else {
                                   for (int64_t j = 0; j < m; ++j) {
                                     sum += table_[static_cast<size_t>(
                                         j * ksub + index_->Code(static_cast<int64_t>(pos), j))];
                                   }
                                 }
                                 float key = l2 ? sum : -(offset + sum);
                                 if (key <= heap->Bound()) heap->Add(key, index_->lists_.ids[pos]);
                               });
    }

   private:
    void FillTable(const float* v, bool l2) {
      size_t dsub = static_cast<size_t>(index_->dsub());
      const DistanceKernels& kernels = Kernels();
      for (int64_t j = 0; j < index_->m_; ++j) {
        const float* vj = v + j * index_->dsub();
        float* row = table_.data() + j * index_->ksub_;
        for (int64_t c = 0; c < index_->ksub_; ++c) {
          const float* entry = index_->CodebookEntry(j, c);
          row[c] = l2 ? kernels.l2sq_f32(vj, entry, dsub) : kernels.ip_f32(vj, entry, dsub);
        }
      }
    }

    const IvfPqIndex* index_;
    const float* query_;
    std::vector<float> table_;  // m x ksub
    std::vector<float> residual_;
    std::vector<uint64_t> positions_;
  };

  int64_t m_ = 0;
  int64_t nbits_ = 0;
  int64_t ksub_ = 0;
  std::vector<float> codebooks_;  // m x ksub x dsub
  std::vector<uint8_t> codes_;    // n x m codes of code_width() bytes (little-endian), list order
};

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildIvfPq(const IndexSpec& spec, const IvfHeader& header,
                                                const float* rows, int64_t m, int64_t nbits,
                                                ThreadPool* pool, const std::atomic<bool>* cancel) {
  return IvfPqIndex::Build(spec, header, rows, m, nbits, pool, cancel);
}

Result<std::unique_ptr<VectorIndex>> LoadIvfPq(const IndexSpec& spec, const IvfHeader& header,
                                               ByteReader* r) {
  return IvfPqIndex::Load(spec, header, r);
}

}  // namespace strata::ivf
