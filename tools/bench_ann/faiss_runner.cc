// FAISS as a peer (Debian's build; its threads are OpenMP's), with the index matching the one
// Strata builds: IndexHNSWFlat for HNSW (M, efConstruction; efSearch = ef), IndexIVFFlat for
// IVF_FLAT and IndexIVFScalarQuantizer (8-bit) for IVF_SQ8 (nlist over a flat quantizer,
// trained on the whole base; nprobe).
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexScalarQuantizer.h>
#include <omp.h>

#include "runner.h"

namespace strata::bench {
namespace {

class FaissRunner final : public AnnRunner {
 public:
  std::string Name() const override { return "faiss"; }

  explicit FaissRunner(std::string index_type) : index_type_(std::move(index_type)) {}

  Status Build(const Matrix& base, MetricType metric, const nlohmann::json& build,
               int threads) override {
    cosine_ = metric == MetricType::kCosine;
    dim_ = base.dim;
    omp_set_num_threads(threads);
    faiss::MetricType faiss_metric =
        metric == MetricType::kL2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
    int d = static_cast<int>(base.dim);
    std::vector<float> normalized;
    const float* rows = base.values.data();
    if (cosine_) {
      normalized = NormalizedRows(rows, base.n, base.dim);
      rows = normalized.data();
    }
    try {
      if (index_type_ == "HNSW") {
        auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(d, build.value("M", 16), faiss_metric);
        hnsw->hnsw.efConstruction = build.value("efConstruction", 200);
        hnsw->add(base.n, rows);
        bytes_ = static_cast<int64_t>(
            base.n * base.dim * sizeof(float) +
            hnsw->hnsw.neighbors.size() * sizeof(faiss::HNSW::storage_idx_t) +
            hnsw->hnsw.offsets.size() * sizeof(size_t) + hnsw->hnsw.levels.size() * sizeof(int));
        hnsw_ = hnsw.get();
        index_ = std::move(hnsw);
      } else if (index_type_ == "IVF_FLAT" || index_type_ == "IVF_SQ8") {
        size_t nlist = build.value("nlist", 128);
        quantizer_ = std::make_unique<faiss::IndexFlat>(d, faiss_metric);
        std::unique_ptr<faiss::IndexIVF> ivf;
        int64_t code_bytes = index_type_ == "IVF_FLAT" ? base.dim * 4 : base.dim;
        if (index_type_ == "IVF_FLAT")
          ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer_.get(), d, nlist, faiss_metric);
        else
          ivf = std::make_unique<faiss::IndexIVFScalarQuantizer>(
              quantizer_.get(), d, nlist, faiss::ScalarQuantizer::QT_8bit, faiss_metric);
        ivf->train(base.n, rows);
        ivf->add(base.n, rows);
        bytes_ = static_cast<int64_t>(nlist) * base.dim * 4 + base.n * (code_bytes + 8);
        ivf_ = ivf.get();
        index_ = std::move(ivf);
      } else {
        return InvalidArgument("faiss peer: no counterpart for index type " + index_type_);
      }
    } catch (const std::exception& e) {
      return Internal(std::string("faiss build: ") + e.what());
    }
    return Status::Ok();
  }
  int64_t IndexBytes() const override { return bytes_; }

  Status Search(const float* queries, int64_t nq, int64_t k, const nlohmann::json& params,
                int threads, int64_t* ids) override {
    omp_set_num_threads(threads);
    if (hnsw_ != nullptr) hnsw_->hnsw.efSearch = params.value("ef", 64);
    if (ivf_ != nullptr) ivf_->nprobe = params.value("nprobe", 8);
    std::vector<float> normalized;
    if (cosine_) {
      normalized = NormalizedRows(queries, nq, dim_);
      queries = normalized.data();
    }
    distances_.resize(static_cast<size_t>(nq * k));
    labels_.resize(static_cast<size_t>(nq * k));
    try {
      index_->search(nq, queries, k, distances_.data(), labels_.data());
    } catch (const std::exception& e) {
      return Internal(std::string("faiss search: ") + e.what());
    }
    std::copy(labels_.begin(), labels_.end(), ids);
    return Status::Ok();
  }

 private:
  const std::string index_type_;
  bool cosine_ = false;
  int64_t dim_ = 0;
  int64_t bytes_ = 0;
  std::unique_ptr<faiss::IndexFlat> quantizer_;  // IVF only; outlives index_ (declared first)
  std::unique_ptr<faiss::Index> index_;
  faiss::IndexHNSWFlat* hnsw_ = nullptr;  // index_ as its type
  faiss::IndexIVF* ivf_ = nullptr;
  std::vector<float> distances_;
  std::vector<faiss::Index::idx_t> labels_;
};

}  // namespace

Result<std::unique_ptr<AnnRunner>> MakeFaissRunner(const std::string& index_type) {
  return std::unique_ptr<AnnRunner>(std::make_unique<FaissRunner>(index_type));
}

}  // namespace strata::bench
