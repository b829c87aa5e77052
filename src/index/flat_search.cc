#include "index/flat_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "index/distance.h"
#include "index/hit_heap.h"

namespace strata {

namespace {

// Internally every score becomes a key where lower is closer (hit_heap.h), so one heap order
// and one range test serve all metrics.

// Queries [q_begin, q_end) against base rows [b_begin, b_end): one task on the pool.
struct WorkUnit {
  int64_t q_begin, q_end, b_begin, b_end;
};

// Below this many multiply-adds a call runs on the caller alone: handing work to the pool
// would cost more than it saves.
constexpr int64_t kMinParallelWork = int64_t{1} << 18;

// Splits the work so each thread gets a share. By ranges of whole base blocks when there are
// enough blocks to go round: every unit scores all queries against its rows, so the base is
// read from memory once per call in total. Splitting by queries instead made each unit read
// the whole base, which for a base larger than the caches multiplied the memory traffic by
// the number of units (Fashion-MNIST 10k x 784, 100 queries on 2 threads: 2.8x the CPU per
// query). Queries are split only when the base is a few blocks, small enough to stay cached.
std::vector<WorkUnit> PlanWork(int64_t nq, int64_t n, int64_t dim, int64_t block_rows,
                               ThreadPool* pool) {
  int64_t threads = pool == nullptr ? 1 : static_cast<int64_t>(pool->size()) + 1;
  if (threads == 1 || nq * n * dim < kMinParallelWork) return {{0, nq, 0, n}};
  std::vector<WorkUnit> units;
  int64_t blocks = (n + block_rows - 1) / block_rows;
  if (blocks < 2 * threads && nq >= 2 * threads) {
    int64_t parts = std::min(nq, 4 * threads);  // a few per thread evens out uneven speeds
    for (int64_t p = 0; p < parts; ++p)
      units.push_back({nq * p / parts, nq * (p + 1) / parts, 0, n});
    return units;
  }
  int64_t parts = std::min(blocks, 2 * threads);
  for (int64_t p = 0; p < parts; ++p) {
    units.push_back({0, nq, std::min(n, blocks * p / parts * block_rows),
                     std::min(n, blocks * (p + 1) / parts * block_rows)});
  }
  return units;
}

// What a scorer feeds: Add(q, row, key) offers a hit to query q's collector; Bound(q) is a key
// above which offers to q are pointless, so a scorer may skip them.
template <typename Collector>
struct UnitSink {
  Collector* collectors;  // one per query of the unit, from q_begin
  int64_t q_begin;

  void Add(int64_t q, int64_t row, float key) const { collectors[q - q_begin].Add(key, row); }
  float Bound(int64_t q) const { return collectors[q - q_begin].Bound(); }
};

// Runs scorer over every unit and merges the per-unit collectors into one per query.
template <typename Collector, typename Scorer, typename MakeCollector>
std::vector<Collector> Run(int64_t nq, int64_t n, int64_t dim, const Scorer& scorer,
                           ThreadPool* pool, const MakeCollector& make) {
  std::vector<WorkUnit> units = PlanWork(nq, n, dim, scorer.block_rows(), pool);
  std::vector<std::vector<Collector>> partial(units.size());
  auto body = [&](size_t u) {
    const WorkUnit& w = units[u];
    std::vector<Collector>& collectors = partial[u];
    collectors.reserve(static_cast<size_t>(w.q_end - w.q_begin));
    for (int64_t q = w.q_begin; q < w.q_end; ++q) collectors.push_back(make());
    scorer.Score(w, UnitSink<Collector>{collectors.data(), w.q_begin});
  };
  if (units.size() == 1) {
    body(0);
  } else {
    pool->ParallelFor(units.size(), body);
  }
  std::vector<Collector> merged;
  merged.reserve(static_cast<size_t>(nq));
  for (int64_t q = 0; q < nq; ++q) merged.push_back(make());
  for (size_t u = 0; u < units.size(); ++u) {
    for (int64_t q = units[u].q_begin; q < units[u].q_end; ++q) {
      merged[static_cast<size_t>(q)].Merge(
          std::move(partial[u][static_cast<size_t>(q - units[u].q_begin)]));
    }
  }
  return merged;
}

// Scores float vectors. Two strategies, chosen per call from the inputs only (never from the
// thread split, so results do not depend on the pool):
//  - blocked: for batches of queries, base rows are taken a cache-sized block at a time and
//    all query x row dot products come from the tiled batch kernel; L2 is then
//    |q|^2 + |x|^2 - 2 q.x and COSINE divides by the row norm;
//  - direct: for a few queries or a sparse filter, one kernel call per (query, allowed row),
//    which skips filtered rows and needs no norms for L2.
class FloatScorer {
 public:
  FloatScorer(const float* base, int64_t n, int64_t dim, const float* queries, int64_t nq,
              MetricType metric, const Bitset* allowed)
      : base_(base),
        dim_(dim),
        queries_(queries),
        metric_(metric),
        allowed_(allowed),
        kernels_(Kernels()) {
    size_t udim = static_cast<size_t>(dim);
    // Aim for a base block of ~256 KiB, which stays in L2 while every query block passes over
    // it; whole 64-row multiples keep blocks aligned to bitset words.
    block_rows_ = std::clamp<int64_t>((int64_t{256} << 10) / (dim * 4) / 64 * 64, 64, 4096);
    direct_ = nq < kMinBlockedQueries ||
              (allowed != nullptr && static_cast<int64_t>(allowed->Count()) * 4 < n);
    if (metric == MetricType::kCosine) {
      normalized_.assign(queries, queries + nq * dim);
      for (int64_t q = 0; q < nq; ++q) {
        float* v = normalized_.data() + q * dim;
        float inv = InverseNorm(kernels_.ip_f32(v, v, udim));
        for (int64_t d = 0; d < dim; ++d) v[d] *= inv;
      }
      queries_ = normalized_.data();
    } else if (metric == MetricType::kL2 && !direct_) {
      query_sqnorms_.resize(static_cast<size_t>(nq));
      for (int64_t q = 0; q < nq; ++q) {
        const float* v = queries + q * dim;
        query_sqnorms_[static_cast<size_t>(q)] = kernels_.ip_f32(v, v, udim);
      }
    }
  }

  int64_t block_rows() const { return block_rows_; }

  template <typename Sink>
  void Score(const WorkUnit& w, Sink&& sink) const {
    if (direct_) {
      ScoreDirect(w, sink);
    } else {
      ScoreBlocked(w, sink);
    }
  }

 private:
  static constexpr int64_t kMinBlockedQueries = 8;
  static constexpr int64_t kQueryBlock = 32;
  static constexpr int64_t kPrefetchRows = 2;

  // 1/|x|, or 0 for a zero vector so that its cosine with anything is 0.
  static float InverseNorm(float sqnorm) { return sqnorm > 0 ? 1.0f / std::sqrt(sqnorm) : 0.0f; }

  const float* Row(int64_t row) const { return base_ + row * dim_; }
  const float* Query(int64_t q) const { return queries_ + q * dim_; }

  template <typename Sink>
  void ScoreDirect(const WorkUnit& w, Sink& sink) const {
    size_t udim = static_cast<size_t>(dim_);
    auto visit = [&](int64_t row) {
      const float* x = Row(row);
      switch (metric_) {
        case MetricType::kL2:
          for (int64_t q = w.q_begin; q < w.q_end; ++q) {
            sink.Add(q, row, kernels_.l2sq_f32(Query(q), x, udim));
          }
          break;
        case MetricType::kIP:
          for (int64_t q = w.q_begin; q < w.q_end; ++q) {
            sink.Add(q, row, -kernels_.ip_f32(Query(q), x, udim));
          }
          break;
        default: {  // kCosine; the constructor's caller admits no other metric.
          float inv = InverseNorm(kernels_.ip_f32(x, x, udim));
          for (int64_t q = w.q_begin; q < w.q_end; ++q) {
            sink.Add(q, row, -(kernels_.ip_f32(Query(q), x, udim) * inv));
          }
        }
      }
    };
    if (allowed_ != nullptr) {
      allowed_->ForEachSetBit(static_cast<size_t>(w.b_begin), static_cast<size_t>(w.b_end),
                              [&](size_t row) { visit(static_cast<int64_t>(row)); });
    } else {
      const int64_t bytes = dim_ * static_cast<int64_t>(sizeof(float));
      for (int64_t row = w.b_begin; row < w.b_end; ++row) {
        if (row + kPrefetchRows < w.b_end) {
          const char* next = reinterpret_cast<const char*>(Row(row + kPrefetchRows));
          for (int64_t off = 0; off < bytes; off += 64) __builtin_prefetch(next + off);
        }
        visit(row);
      }
    }
  }

  template <typename Sink>
  void ScoreBlocked(const WorkUnit& w, Sink& sink) const {
    size_t udim = static_cast<size_t>(dim_);
    // Per row of the block: |x|^2 for L2, 1/|x| for COSINE.
    std::vector<float> row_norms(static_cast<size_t>(block_rows_));
    std::vector<float> dots(static_cast<size_t>(kQueryBlock * block_rows_));
    for (int64_t b0 = w.b_begin; b0 < w.b_end; b0 += block_rows_) {
      int64_t rows = std::min(block_rows_, w.b_end - b0);
      if (metric_ != MetricType::kIP) {
        for (int64_t r = 0; r < rows; ++r) {
          float sq = kernels_.ip_f32(Row(b0 + r), Row(b0 + r), udim);
          row_norms[static_cast<size_t>(r)] = metric_ == MetricType::kL2 ? sq : InverseNorm(sq);
        }
      }
      for (int64_t q0 = w.q_begin; q0 < w.q_end; q0 += kQueryBlock) {
        int64_t queries = std::min(kQueryBlock, w.q_end - q0);
        kernels_.ip_f32_batch(Query(q0), static_cast<size_t>(queries), Row(b0),
                              static_cast<size_t>(rows), udim, dots.data());
        for (int64_t q = q0; q < q0 + queries; ++q) {
          float* keys = dots.data() + (q - q0) * rows;
          DotsToKeys(q, rows, row_norms.data(), keys);
          // Most rows lose to the current k-th best: one predictable compare skips them
          // (and NaN, which compares false).
          float bound = sink.Bound(q);
          auto offer = [&](int64_t r) {
            if (keys[r] <= bound) {
              sink.Add(q, b0 + r, keys[r]);
              bound = sink.Bound(q);
            }
          };
          if (allowed_ != nullptr) {
            allowed_->ForEachSetBit(static_cast<size_t>(b0), static_cast<size_t>(b0 + rows),
                                    [&](size_t row) { offer(static_cast<int64_t>(row) - b0); });
          } else {
            for (int64_t r = 0; r < rows; ++r) offer(r);
          }
        }
      }
    }
  }

  // Turns query q's dot products with a block's rows into keys, in place. A separate pass
  // per metric so the compiler vectorises it.
  void DotsToKeys(int64_t q, int64_t rows, const float* row_norms, float* values) const {
    switch (metric_) {
      case MetricType::kL2: {
        float qn = query_sqnorms_[static_cast<size_t>(q)];
        for (int64_t r = 0; r < rows; ++r) {
          float d = qn + row_norms[r] - 2.0f * values[r];
          // Rounding can take a tiny true distance below zero; NaN stays NaN.
          values[r] = d < 0.0f ? 0.0f : d;
        }
        break;
      }
      case MetricType::kIP:
        for (int64_t r = 0; r < rows; ++r) values[r] = -values[r];
        break;
      default:  // kCosine
        for (int64_t r = 0; r < rows; ++r) values[r] = -(values[r] * row_norms[r]);
    }
  }

  const float* base_;
  int64_t dim_;
  const float* queries_;
  MetricType metric_;
  const Bitset* allowed_;
  const DistanceKernels& kernels_;
  int64_t block_rows_;
  bool direct_;
  std::vector<float> normalized_;     // COSINE: unit-length copies of the queries
  std::vector<float> query_sqnorms_;  // L2, blocked: |q|^2
};

// Scores binary vectors, one kernel call per (query, allowed row): popcount kernels are cheap
// enough that blocking buys little.
class BinaryScorer {
 public:
  BinaryScorer(const uint8_t* base, int64_t bytes, const uint8_t* queries, MetricType metric,
               const Bitset* allowed)
      : base_(base),
        bytes_(bytes),
        queries_(queries),
        allowed_(allowed),
        kernel_(metric == MetricType::kHamming ? Kernels().hamming_b8 : Kernels().jaccard_b8) {}

  int64_t block_rows() const { return 1024; }

  template <typename Sink>
  void Score(const WorkUnit& w, Sink&& sink) const {
    auto visit = [&](int64_t row) {
      const uint8_t* x = base_ + row * bytes_;
      for (int64_t q = w.q_begin; q < w.q_end; ++q) {
        sink.Add(q, row, kernel_(queries_ + q * bytes_, x, static_cast<size_t>(bytes_)));
      }
    };
    if (allowed_ != nullptr) {
      allowed_->ForEachSetBit(static_cast<size_t>(w.b_begin), static_cast<size_t>(w.b_end),
                              [&](size_t row) { visit(static_cast<int64_t>(row)); });
    } else {
      for (int64_t row = w.b_begin; row < w.b_end; ++row) visit(row);
    }
  }

 private:
  const uint8_t* base_;
  int64_t bytes_;
  const uint8_t* queries_;
  const Bitset* allowed_;
  float (*kernel_)(const uint8_t*, const uint8_t*, size_t);
};

Status CheckInputs(const void* base, int64_t n, const void* queries, int64_t nq, MetricType metric,
                   bool binary, const Bitset* allowed, const void* out) {
  if (IsBinaryMetric(metric) != binary) {
    return InvalidArgument("metric " + std::string(MetricTypeName(metric)) + " does not apply to " +
                           (binary ? "binary" : "float") + " vectors");
  }
  if (n < 0 || nq < 0) return InvalidArgument("negative row or query count");
  if ((n > 0 && base == nullptr) || (nq > 0 && queries == nullptr) || out == nullptr) {
    return InvalidArgument("null vector data or output");
  }
  if (allowed != nullptr && static_cast<int64_t>(allowed->size()) != n) {
    return InvalidArgument("filter has " + std::to_string(allowed->size()) + " bits for " +
                           std::to_string(n) + " rows");
  }
  return Status::Ok();
}

Status CheckRangeAndLimit(const RangeParams& range, MetricType metric, int64_t limit) {
  if (limit <= 0) return InvalidArgument("limit must be positive, got " + std::to_string(limit));
  return CheckRangeParams(range, metric);
}

Status CheckDim(int64_t dim, bool binary) {
  if (dim <= 0) return InvalidArgument("dimension must be positive, got " + std::to_string(dim));
  if (binary && dim % 8 != 0) {
    return InvalidArgument("binary dimension must be a multiple of 8, got " + std::to_string(dim));
  }
  return Status::Ok();
}

// Top-k (range = nullptr) or range search: the best `k` hits of each query.
template <typename Scorer>
void Collect(int64_t n, int64_t dim, int64_t nq, MetricType metric, int64_t k,
             const RangeParams* range, const Scorer& scorer, ThreadPool* pool,
             std::vector<HitHeap>* heaps) {
  KeyBounds bounds{-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  if (range != nullptr) bounds = RangeKeyBounds(*range, metric);
  *heaps = Run<HitHeap>(nq, n, dim, scorer, pool,
                        [k, bounds] { return HitHeap(k, bounds.lo, bounds.hi); });
}

template <typename Scorer>
void CollectTopK(int64_t n, int64_t dim, int64_t nq, MetricType metric, int64_t k,
                 const Scorer& scorer, ThreadPool* pool, std::vector<TopK>* out) {
  std::vector<HitHeap> heaps;
  Collect(n, dim, nq, metric, k, nullptr, scorer, pool, &heaps);
  out->assign(static_cast<size_t>(nq), TopK{});
  for (int64_t q = 0; q < nq; ++q) {
    heaps[static_cast<size_t>(q)].FinishTopK(metric, &(*out)[static_cast<size_t>(q)]);
  }
}

template <typename Scorer>
void CollectRange(int64_t n, int64_t dim, int64_t nq, MetricType metric, const RangeParams& range,
                  int64_t limit, const Scorer& scorer, ThreadPool* pool,
                  std::vector<RangeHits>* out) {
  std::vector<HitHeap> heaps;
  Collect(n, dim, nq, metric, limit, &range, scorer, pool, &heaps);
  out->assign(static_cast<size_t>(nq), RangeHits{});
  for (int64_t q = 0; q < nq; ++q) {
    heaps[static_cast<size_t>(q)].FinishRange(metric, &(*out)[static_cast<size_t>(q)]);
  }
}

}  // namespace

Status SearchFloatFlat(const float* base, int64_t n, int64_t dim, const float* queries, int64_t nq,
                       MetricType metric, int64_t k, const Bitset* allowed, ThreadPool* pool,
                       std::vector<TopK>* out) {
  RETURN_IF_ERROR(CheckInputs(base, n, queries, nq, metric, false, allowed, out));
  KeptRows(&allowed, n);  // a filter that keeps every row scans as no filter
  RETURN_IF_ERROR(CheckDim(dim, false));
  if (k <= 0) return InvalidArgument("k must be positive, got " + std::to_string(k));
  FloatScorer scorer(base, n, dim, queries, nq, metric, allowed);
  CollectTopK(n, dim, nq, metric, k, scorer, pool, out);
  return Status::Ok();
}

Status SearchBinaryFlat(const uint8_t* base, int64_t n, int64_t dim_bits, const uint8_t* queries,
                        int64_t nq, MetricType metric, int64_t k, const Bitset* allowed,
                        ThreadPool* pool, std::vector<TopK>* out) {
  RETURN_IF_ERROR(CheckInputs(base, n, queries, nq, metric, true, allowed, out));
  KeptRows(&allowed, n);  // a filter that keeps every row scans as no filter
  RETURN_IF_ERROR(CheckDim(dim_bits, true));
  if (k <= 0) return InvalidArgument("k must be positive, got " + std::to_string(k));
  BinaryScorer scorer(base, dim_bits / 8, queries, metric, allowed);
  CollectTopK(n, dim_bits / 8, nq, metric, k, scorer, pool, out);
  return Status::Ok();
}

Status RangeSearchFloatFlat(const float* base, int64_t n, int64_t dim, const float* queries,
                            int64_t nq, MetricType metric, const RangeParams& range, int64_t limit,
                            const Bitset* allowed, ThreadPool* pool, std::vector<RangeHits>* out) {
  RETURN_IF_ERROR(CheckInputs(base, n, queries, nq, metric, false, allowed, out));
  KeptRows(&allowed, n);  // a filter that keeps every row scans as no filter
  RETURN_IF_ERROR(CheckDim(dim, false));
  RETURN_IF_ERROR(CheckRangeAndLimit(range, metric, limit));
  FloatScorer scorer(base, n, dim, queries, nq, metric, allowed);
  CollectRange(n, dim, nq, metric, range, limit, scorer, pool, out);
  return Status::Ok();
}

Status RangeSearchBinaryFlat(const uint8_t* base, int64_t n, int64_t dim_bits,
                             const uint8_t* queries, int64_t nq, MetricType metric,
                             const RangeParams& range, int64_t limit, const Bitset* allowed,
                             ThreadPool* pool, std::vector<RangeHits>* out) {
  RETURN_IF_ERROR(CheckInputs(base, n, queries, nq, metric, true, allowed, out));
  KeptRows(&allowed, n);  // a filter that keeps every row scans as no filter
  RETURN_IF_ERROR(CheckDim(dim_bits, true));
  RETURN_IF_ERROR(CheckRangeAndLimit(range, metric, limit));
  BinaryScorer scorer(base, dim_bits / 8, queries, metric, allowed);
  CollectRange(n, dim_bits / 8, nq, metric, range, limit, scorer, pool, out);
  return Status::Ok();
}

}  // namespace strata
