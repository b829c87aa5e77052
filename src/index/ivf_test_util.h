// Test helpers for the index tests: clustered random data, recall, and comparing two searches.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "index/flat_search.h"

namespace strata::testing_util {

// n rows of dim floats around `clusters` random centres (uniform in [-4, 4]) with unit
// Gaussian noise per dimension.
inline std::vector<float> ClusteredFloats(int64_t n, int64_t dim, int64_t clusters, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> centre(-4.0f, 4.0f);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> centres(static_cast<size_t>(clusters * dim));
  for (float& c : centres) c = centre(rng);
  std::vector<float> rows(static_cast<size_t>(n * dim));
  std::uniform_int_distribution<int64_t> pick(0, clusters - 1);
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = pick(rng);
    for (int64_t d = 0; d < dim; ++d) {
      rows[static_cast<size_t>(i * dim + d)] =
          centres[static_cast<size_t>(c * dim + d)] + noise(rng);
    }
  }
  return rows;
}

// n rows of dim_bits bits: random prototypes, each row a prototype with ~1/16 of bits flipped.
inline std::vector<uint8_t> ClusteredBits(int64_t n, int64_t dim_bits, int64_t clusters,
                                          uint32_t seed) {
  std::mt19937 rng(seed);
  int64_t bytes = dim_bits / 8;
  std::vector<uint8_t> protos(static_cast<size_t>(clusters * bytes));
  for (uint8_t& b : protos) b = static_cast<uint8_t>(rng());
  std::vector<uint8_t> rows(static_cast<size_t>(n * bytes));
  std::uniform_int_distribution<int64_t> pick(0, clusters - 1);
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = pick(rng);
    for (int64_t b = 0; b < bytes; ++b) {
      uint8_t flips = static_cast<uint8_t>(rng() & rng() & rng() & rng());
      rows[static_cast<size_t>(i * bytes + b)] = protos[static_cast<size_t>(c * bytes + b)] ^ flips;
    }
  }
  return rows;
}

// Fraction of the true ids (ignoring padding) found in the approximate results.
inline double Recall(const std::vector<TopK>& truth, const std::vector<TopK>& got) {
  int64_t total = 0, found = 0;
  for (size_t q = 0; q < truth.size(); ++q) {
    std::set<int64_t> ids(got[q].ids.begin(), got[q].ids.end());
    for (int64_t id : truth[q].ids) {
      if (id < 0) continue;
      ++total;
      found += ids.count(id);
    }
  }
  return total == 0 ? 1.0 : static_cast<double>(found) / static_cast<double>(total);
}

// Expects two searches to have returned the same hits with the same scores, query by query.
inline void ExpectSameHits(const std::vector<TopK>& a, const std::vector<TopK>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t q = 0; q < a.size(); ++q) {
    EXPECT_EQ(a[q].ids, b[q].ids) << "query " << q;
    EXPECT_EQ(a[q].scores, b[q].scores) << "query " << q;
  }
}

}  // namespace strata::testing_util
