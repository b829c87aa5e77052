// BIN_IVF_FLAT: binary rows grouped into lists around nlist centroids that are distinct rows
// drawn at random with a fixed seed (no k-means: a mean of bit vectors is not a bit vector, and
// random rows already spread the lists well for HAMMING and JACCARD). Each row joins the list
// of its nearest centroid under the index's metric; queries probe the same way.
#include <numeric>
#include <random>
#include <string>

#include "index/distance.h"
#include "index/ivf_common.h"

namespace strata::ivf {

namespace {

constexpr uint64_t kSeed = 0x5eed;

class BinIvfIndex : public IvfIndexBase {
 public:
  static Result<std::unique_ptr<VectorIndex>> Build(const IndexSpec& spec, const IvfHeader& header,
                                                    const uint8_t* rows, ThreadPool* pool,
                                                    const std::atomic<bool>* cancel) {
    auto index = std::make_unique<BinIvfIndex>();
    index->spec_ = spec;
    index->header_ = header;
    int64_t n = header.n, nlist = header.nlist, bytes = index->row_bytes();
    std::mt19937_64 rng(kSeed);
    std::vector<int64_t> perm(static_cast<size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    index->centroids_.resize(static_cast<size_t>(nlist * bytes));
    for (int64_t l = 0; l < nlist; ++l) {
      std::uniform_int_distribution<int64_t> pick(l, n - 1);
      std::swap(perm[static_cast<size_t>(l)], perm[static_cast<size_t>(pick(rng))]);
      std::copy_n(rows + perm[static_cast<size_t>(l)] * bytes, bytes,
                  index->centroids_.begin() + l * bytes);
    }
    std::vector<int32_t> labels(static_cast<size_t>(n));
    RETURN_IF_ERROR(AssignInChunks(
        n, kAssignChunk, cancel, "BIN_IVF_FLAT list assignment", [&](int64_t first, int64_t count) {
          index->NearestLists(rows + first * bytes, count, 1, pool, labels.data() + first);
        }));
    index->lists_.Build(labels.data(), n, nlist);
    index->vectors_ = RowsInListOrder(index->lists_, rows, bytes);
    return std::unique_ptr<VectorIndex>(std::move(index));
  }

  static Result<std::unique_ptr<VectorIndex>> Load(const IndexSpec& spec, const IvfHeader& header,
                                                   ByteReader* r) {
    auto index = std::make_unique<BinIvfIndex>();
    index->spec_ = spec;
    index->header_ = header;
    RETURN_IF_ERROR(r->ReadArray(static_cast<uint64_t>(header.nlist * index->row_bytes()),
                                 &index->centroids_, "centroids"));
    RETURN_IF_ERROR(index->lists_.Read(r, header.nlist, header.n));
    RETURN_IF_ERROR(r->ReadArray(static_cast<uint64_t>(header.n * index->row_bytes()),
                                 &index->vectors_, "vectors"));
    return std::unique_ptr<VectorIndex>(std::move(index));
  }

  int64_t MemoryBytes() const override {
    return static_cast<int64_t>(centroids_.size() + vectors_.size()) + lists_.MemoryBytes();
  }

  void WriteBody(ByteWriter* w) const override {
    w->PutArray(centroids_.data(), centroids_.size());
    lists_.Write(w);
    w->PutArray(vectors_.data(), vectors_.size());
  }

 protected:
  void Probe(const void* queries, int64_t nq, int64_t nprobe, ThreadPool* pool,
             std::vector<int32_t>* lists) const override {
    lists->resize(static_cast<size_t>(nq * nprobe));
    NearestLists(static_cast<const uint8_t*>(queries), nq, nprobe, pool, lists->data());
  }

  std::unique_ptr<ListScanner> NewScanner(const void* query) const override {
    return std::make_unique<Scanner>(this, static_cast<const uint8_t*>(query));
  }

 private:
  int64_t row_bytes() const { return header_.dim / 8; }
  float (*kernel() const)(const uint8_t*, const uint8_t*, size_t) {
    return header_.metric == MetricType::kHamming ? Kernels().hamming_b8 : Kernels().jaccard_b8;
  }

  // The `count` nearest centroids of each row, nearest first (ties to the lower list).
  void NearestLists(const uint8_t* rows, int64_t n, int64_t count, ThreadPool* pool,
                    int32_t* labels) const {
    auto distance = kernel();
    size_t bytes = static_cast<size_t>(row_bytes());
    int64_t nlist = header_.nlist;
    constexpr int64_t kBlock = 256;
    ParallelRange(pool, (n + kBlock - 1) / kBlock, [&](int64_t block) {
      std::vector<std::pair<float, int32_t>> scored(static_cast<size_t>(nlist));
      for (int64_t i = block * kBlock; i < std::min(n, (block + 1) * kBlock); ++i) {
        for (int64_t l = 0; l < nlist; ++l) {
          scored[static_cast<size_t>(l)] = {
              distance(rows + i * static_cast<int64_t>(bytes),
                       centroids_.data() + l * static_cast<int64_t>(bytes), bytes),
              static_cast<int32_t>(l)};
        }
        std::partial_sort(scored.begin(), scored.begin() + count, scored.end());
        for (int64_t p = 0; p < count; ++p)
          labels[i * count + p] = scored[static_cast<size_t>(p)].second;
      }
    });
  }

  class Scanner : public ListScanner {
   public:
    Scanner(const BinIvfIndex* index, const uint8_t* query)
        : index_(index), query_(query), distance_(index->kernel()) {}

    int64_t Scan(int64_t l, const Bitset* allowed, HitHeap* heap) override {
      size_t bytes = static_cast<size_t>(index_->row_bytes());
      const uint8_t* vectors = index_->vectors_.data();
      return ScanListPositions(index_->lists_, l, allowed, vectors, bytes, &positions_,
                               [&](uint64_t pos) {
                                 float key = distance_(query_, vectors + pos * bytes, bytes);
                                 if (key <= heap->Bound()) heap->Add(key, index_->lists_.ids[pos]);
                               });
    }

   private:
    const BinIvfIndex* index_;
    const uint8_t* query_;
    float (*distance_)(const uint8_t*, const uint8_t*, size_t);
    std::vector<uint64_t> positions_;
  };

  std::vector<uint8_t> centroids_;  // nlist rows
  std::vector<uint8_t> vectors_;    // n rows, list order
};

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildBinIvf(const IndexSpec& spec, const IvfHeader& header,
                                                 const uint8_t* rows, ThreadPool* pool,
                                                 const std::atomic<bool>* cancel) {
  return BinIvfIndex::Build(spec, header, rows, pool, cancel);
}

Result<std::unique_ptr<VectorIndex>> LoadBinIvf(const IndexSpec& spec, const IvfHeader& header,
                                                ByteReader* r) {
  return BinIvfIndex::Load(spec, header, r);
}

}  // namespace strata::ivf
