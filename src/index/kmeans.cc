#include "index/kmeans.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <utility>

#include "index/distance.h"

namespace strata {

namespace {

// Rows and centroids per tile of the assignment step: the centroid block (256 x dim floats)
// stays in L2 while a row block passes over it.
constexpr int64_t kRowBlock = 64;
constexpr int64_t kCentroidBlock = 256;
// Below this many multiply-adds the caller does the work alone.
constexpr int64_t kMinParallelWork = int64_t{1} << 20;

struct Candidate {
  float key;
  int32_t index;
};

bool Before(const Candidate& a, const Candidate& b) {
  return a.key < b.key || (a.key == b.key && a.index < b.index);
}

// Nearest centroids for rows [begin, end).
void AssignBlock(const float* data, int64_t begin, int64_t end, int64_t dim, const float* centroids,
                 const std::vector<float>& centroid_sqnorms, int64_t k, int64_t count,
                 bool inner_product, int32_t* labels) {
  const DistanceKernels& kernels = Kernels();
  int64_t rows = end - begin;
  std::vector<float> dots(static_cast<size_t>(rows * kCentroidBlock));
  // One bounded max-heap (worst on top) per row.
  std::vector<std::vector<Candidate>> heaps(static_cast<size_t>(rows));
  for (auto& h : heaps) h.reserve(static_cast<size_t>(count));
  for (int64_t c0 = 0; c0 < k; c0 += kCentroidBlock) {
    int64_t cs = std::min(kCentroidBlock, k - c0);
    kernels.ip_f32_batch(data + begin * dim, static_cast<size_t>(rows), centroids + c0 * dim,
                         static_cast<size_t>(cs), static_cast<size_t>(dim), dots.data());
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<Candidate>& heap = heaps[static_cast<size_t>(r)];
      const float* row_dots = dots.data() + r * cs;
      if (count == 1) {
        // The common case (assignment): a running minimum, no heap.
        for (int64_t j = 0; j < cs; ++j) {
          float key = inner_product
                          ? -row_dots[j]
                          : centroid_sqnorms[static_cast<size_t>(c0 + j)] - 2 * row_dots[j];
          if (heap.empty()) {
            heap.push_back({key, static_cast<int32_t>(c0 + j)});
          } else if (key < heap[0].key || std::isnan(heap[0].key)) {
            heap[0] = {key, static_cast<int32_t>(c0 + j)};
          }
        }
        continue;
      }
      for (int64_t j = 0; j < cs; ++j) {
        // |x|^2 is the same for every centroid, so it is left out of the ranking key.
        float key = inner_product ? -row_dots[j]
                                  : centroid_sqnorms[static_cast<size_t>(c0 + j)] - 2 * row_dots[j];
        Candidate cand{key, static_cast<int32_t>(c0 + j)};
        if (static_cast<int64_t>(heap.size()) < count) {
          heap.push_back(cand);
          std::push_heap(heap.begin(), heap.end(), Before);
        } else if (Before(cand, heap.front())) {
          std::pop_heap(heap.begin(), heap.end(), Before);
          heap.back() = cand;
          std::push_heap(heap.begin(), heap.end(), Before);
        }
      }
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<Candidate>& heap = heaps[static_cast<size_t>(r)];
    std::sort_heap(heap.begin(), heap.end(), Before);
    int32_t* out = labels + (begin + r) * count;
    // count <= k, so every heap is full.
    for (int64_t i = 0; i < count; ++i) out[i] = heap[static_cast<size_t>(i)].index;
  }
}

}  // namespace

void NormalizeRows(float* data, int64_t n, int64_t dim) {
  const DistanceKernels& kernels = Kernels();
  for (int64_t i = 0; i < n; ++i) {
    float* v = data + i * dim;
    float sq = kernels.ip_f32(v, v, static_cast<size_t>(dim));
    if (sq > 0) {
      float inv = 1.0f / std::sqrt(sq);
      for (int64_t d = 0; d < dim; ++d) v[d] *= inv;
    }
  }
}

void NearestCentroids(const float* data, int64_t n, int64_t dim, const float* centroids, int64_t k,
                      int64_t count, bool inner_product, ThreadPool* pool, int32_t* labels) {
  std::vector<float> sqnorms(static_cast<size_t>(k), 0.0f);
  if (!inner_product) {
    const DistanceKernels& kernels = Kernels();
    for (int64_t c = 0; c < k; ++c) {
      const float* v = centroids + c * dim;
      sqnorms[static_cast<size_t>(c)] = kernels.ip_f32(v, v, static_cast<size_t>(dim));
    }
  }
  int64_t blocks = (n + kRowBlock - 1) / kRowBlock;
  auto body = [&](size_t b) {
    int64_t begin = static_cast<int64_t>(b) * kRowBlock;
    AssignBlock(data, begin, std::min(n, begin + kRowBlock), dim, centroids, sqnorms, k, count,
                inner_product, labels);
  };
  if (pool == nullptr || blocks < 2 || n * k * dim < kMinParallelWork) {
    for (int64_t b = 0; b < blocks; ++b) body(static_cast<size_t>(b));
  } else {
    pool->ParallelFor(static_cast<size_t>(blocks), body);
  }
}

Result<std::vector<float>> TrainKMeans(const float* data, int64_t n, int64_t dim, int64_t k,
                                       const KMeansOptions& options, ThreadPool* pool) {
  if (dim <= 0 || k < 1 || k > n) {
    return InvalidArgument("k-means needs 1 <= k <= n and dim > 0 (k=" + std::to_string(k) +
                           ", n=" + std::to_string(n) + ", dim=" + std::to_string(dim) + ")");
  }
  std::mt19937_64 rng(options.seed);
  size_t udim = static_cast<size_t>(dim);

  // The training sample: every row, or a random subset in row order.
  int64_t sample_n = std::min(n, std::max(k, options.max_points_per_centroid * k));
  std::vector<float> sample(static_cast<size_t>(sample_n) * udim);
  if (sample_n == n) {
    std::copy(data, data + n * dim, sample.begin());
  } else {
    std::vector<int64_t> perm(static_cast<size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    for (int64_t i = 0; i < sample_n; ++i) {
      std::uniform_int_distribution<int64_t> pick(i, n - 1);
      std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(pick(rng))]);
    }
    std::sort(perm.begin(), perm.begin() + sample_n);
    for (int64_t i = 0; i < sample_n; ++i) {
      std::copy_n(data + perm[static_cast<size_t>(i)] * dim, dim, sample.begin() + i * dim);
    }
  }
  if (options.spherical) NormalizeRows(sample.data(), sample_n, dim);

  // Initial centroids: k distinct sample rows.
  std::vector<float> centroids(static_cast<size_t>(k) * udim);
  {
    std::vector<int64_t> perm(static_cast<size_t>(sample_n));
    std::iota(perm.begin(), perm.end(), 0);
    for (int64_t i = 0; i < k; ++i) {
      std::uniform_int_distribution<int64_t> pick(i, sample_n - 1);
      std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(pick(rng))]);
      std::copy_n(sample.begin() + perm[static_cast<size_t>(i)] * dim, dim,
                  centroids.begin() + i * dim);
    }
  }

  std::vector<int32_t> labels(static_cast<size_t>(sample_n));
  std::vector<double> sums(static_cast<size_t>(k) * udim);
  std::vector<int64_t> sizes(static_cast<size_t>(k));
  for (int iter = 0; iter < options.iterations; ++iter) {
    if (options.cancel != nullptr && options.cancel->load())
      return Status(StatusCode::kCancelled, "k-means cancelled");
    NearestCentroids(sample.data(), sample_n, dim, centroids.data(), k, 1, options.spherical, pool,
                     labels.data());
    // Update step, in double so the mean does not depend on summation order much; it is
    // k times cheaper than the assignment, so it runs on the caller.
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(sizes.begin(), sizes.end(), 0);
    for (int64_t i = 0; i < sample_n; ++i) {
      int32_t c = labels[static_cast<size_t>(i)];
      ++sizes[static_cast<size_t>(c)];
      const float* x = sample.data() + i * dim;
      double* s = sums.data() + static_cast<int64_t>(c) * dim;
      for (int64_t d = 0; d < dim; ++d) s[d] += x[d];
    }
    for (int64_t c = 0; c < k; ++c) {
      int64_t size = sizes[static_cast<size_t>(c)];
      if (size == 0) continue;
      for (int64_t d = 0; d < dim; ++d) {
        centroids[static_cast<size_t>(c * dim + d)] =
            static_cast<float>(sums[static_cast<size_t>(c * dim + d)] / static_cast<double>(size));
      }
    }
    // Empty clusters split a cluster chosen with probability growing with its size beyond one
    // row: the two centroids move symmetrically apart and share the rows.
    constexpr float kEps = 1.0f / 1024;
    for (int64_t c = 0; c < k; ++c) {
      if (sizes[static_cast<size_t>(c)] != 0) continue;
      int64_t donor = 0;
      for (;;) {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        double r = u(rng) * static_cast<double>(sample_n - k);
        donor = 0;
        while (donor < k - 1 && r >= static_cast<double>(sizes[static_cast<size_t>(donor)] - 1)) {
          r -= static_cast<double>(std::max<int64_t>(sizes[static_cast<size_t>(donor)] - 1, 0));
          ++donor;
        }
        if (sizes[static_cast<size_t>(donor)] > 1) break;
      }
      float* to = centroids.data() + c * dim;
      float* from = centroids.data() + donor * dim;
      for (int64_t d = 0; d < dim; ++d) {
        float sign = d % 2 == 0 ? 1.0f : -1.0f;
        float delta = kEps * (std::fabs(from[d]) + kEps) * sign;
        to[d] = from[d] + delta;
        from[d] -= delta;
      }
      sizes[static_cast<size_t>(c)] = sizes[static_cast<size_t>(donor)] / 2;
      sizes[static_cast<size_t>(donor)] -= sizes[static_cast<size_t>(c)];
    }
    if (options.spherical) NormalizeRows(centroids.data(), k, dim);
  }
  return centroids;
}

}  // namespace strata
