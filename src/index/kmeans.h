// k-means clustering for the IVF coarse quantizer and the PQ codebooks, and nearest-centroid
// search (assignment of rows to lists, choice of the lists a query probes).
//
// Training runs Lloyd's algorithm on a random sample of the input (at most
// max_points_per_centroid * k rows, drawn with a fixed seed), starting from k distinct random
// sample rows, for a fixed number of iterations. A cluster that ends an iteration empty takes
// half of a large cluster (its centroid is the large one's, nudged apart), so every centroid
// stays in use. Spherical mode (for IP and COSINE) normalises the sample rows and the centroids
// after every update, and assigns by the largest inner product.
//
// The assignment step scores blocks of rows against blocks of centroids with the tiled batch
// dot-product kernel: |x - c|^2 = |x|^2 - 2 x.c + |c|^2.
// Everything here is deterministic for a given input and seed, whatever the pool size, and
// keeps no state; the functions are safe to call concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "common/result.h"
#include "common/thread_pool.h"

namespace strata {

struct KMeansOptions {
  int64_t max_points_per_centroid = 256;
  int iterations = 16;
  uint64_t seed = 0x5eed;
  bool spherical = false;
  const std::atomic<bool>* cancel = nullptr;  // checked every iteration: Cancelled once true
};

// Trains k centroids over n rows of dim floats; returns k * dim floats. InvalidArgument unless
// 1 <= k <= n and dim > 0. `pool` (nullable) parallelises the assignment step.
Result<std::vector<float>> TrainKMeans(const float* data, int64_t n, int64_t dim, int64_t k,
                                       const KMeansOptions& options, ThreadPool* pool);

// For each of the n rows of `data`, the `count` nearest of the k centroids, nearest first,
// written to labels[i * count ...]: smallest |x - c|^2, or with inner_product the largest
// x.c. Ties go to the lower centroid index. Requires 1 <= count <= k.
void NearestCentroids(const float* data, int64_t n, int64_t dim, const float* centroids, int64_t k,
                      int64_t count, bool inner_product, ThreadPool* pool, int32_t* labels);

// Scales each of the n rows to unit length in place; zero rows stay zero.
void NormalizeRows(float* data, int64_t n, int64_t dim);

}  // namespace strata
