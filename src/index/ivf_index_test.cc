#include "index/ivf_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "index/distance.h"
#include "index/flat_index.h"
#include "index/ivf_sq8_kernels.h"
#include "index/ivf_test_util.h"

namespace strata {
namespace {

using testing_util::ClusteredBits;
using testing_util::ClusteredFloats;
using testing_util::ExpectSameHits;
using testing_util::Recall;

constexpr int64_t kN = 20000, kDim = 64, kNq = 100, kK = 10;

// 20k base rows and 100 queries from the same 100 clusters.
class IvfRecallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    all_ = new std::vector<float>(ClusteredFloats(kN + kNq, kDim, 100, 7));
    pool_ = new ThreadPool(2);
  }
  static void TearDownTestSuite() {
    delete all_;
    delete pool_;
  }
  static const float* base() { return all_->data(); }
  static const float* queries() { return all_->data() + kN * kDim; }

  static std::unique_ptr<VectorIndex> Build(const std::string& type, MetricType metric,
                                            nlohmann::json params) {
    IndexSpec spec{type, metric, std::move(params)};
    VectorData data{base(), nullptr, kN, kDim};
    auto index = BuildIvfIndex(spec, data, pool_);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return std::move(index).value();
  }
  static std::vector<TopK> Exact(MetricType metric) {
    std::vector<TopK> out;
    EXPECT_TRUE(
        SearchFloatFlat(base(), kN, kDim, queries(), kNq, metric, kK, nullptr, pool_, &out).ok());
    return out;
  }
  static std::vector<TopK> Run(const VectorIndex& index, int64_t nprobe) {
    std::vector<TopK> out;
    Status st = index.Search(queries(), kNq, kK, {{"nprobe", nprobe}}, nullptr, pool_, &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  static std::vector<float>* all_;
  static ThreadPool* pool_;
};
std::vector<float>* IvfRecallTest::all_ = nullptr;
ThreadPool* IvfRecallTest::pool_ = nullptr;

TEST_F(IvfRecallTest, FlatAndSq8MeetRecallFloorsAndSq8IsSmall) {
  std::vector<TopK> truth = Exact(MetricType::kL2);
  auto flat = Build("IVF_FLAT", MetricType::kL2, {{"nlist", 64}});
  auto sq8 = Build("IVF_SQ8", MetricType::kL2, {{"nlist", 64}});
  double flat_recall = Recall(truth, Run(*flat, 16));
  double sq8_recall = Recall(truth, Run(*sq8, 16));
  EXPECT_GE(flat_recall, 0.95);
  EXPECT_GE(sq8_recall, 0.93);
  EXPECT_LE(flat_recall - sq8_recall, 0.015) << flat_recall << " " << sq8_recall;
  // IVF_FLAT's scores are exact distances of the rows it returns.
  std::vector<TopK> got = Run(*flat, 16);
  for (int64_t i = 0; i < kK; ++i) {
    int64_t id = got[0].ids[static_cast<size_t>(i)];
    ASSERT_GE(id, 0);
    EXPECT_NEAR(got[0].scores[static_cast<size_t>(i)], L2Sqr(queries(), base() + id * kDim, kDim),
                1e-2);
  }
  // Index bytes against FLAT's.
  IndexSpec flat_spec{"FLAT", MetricType::kL2, {}};
  auto exact = BuildFlatIndex(flat_spec, VectorData{base(), nullptr, kN, kDim}, nullptr);
  ASSERT_TRUE(exact.ok());
  EXPECT_LE(sq8->MemoryBytes(), 0.3 * static_cast<double>((*exact)->MemoryBytes()));
  std::string sq8_bytes, flat_bytes;
  ASSERT_TRUE(sq8->Serialize(&sq8_bytes).ok());
  ASSERT_TRUE((*exact)->Serialize(&flat_bytes).ok());
  EXPECT_LE(static_cast<double>(sq8_bytes.size()), 0.3 * static_cast<double>(flat_bytes.size()));
}

TEST_F(IvfRecallTest, PqMeetsFloor) {
  auto pq = Build("IVF_PQ", MetricType::kL2, {{"nlist", 64}, {"m", kDim / 4}, {"nbits", 8}});
  // The residuals here are isotropic Gaussian noise, the hardest case for PQ.
  EXPECT_GE(Recall(Exact(MetricType::kL2), Run(*pq, 16)), 0.5);
}

TEST_F(IvfRecallTest, InnerProductAndCosine) {
  for (MetricType metric : {MetricType::kIP, MetricType::kCosine}) {
    std::vector<TopK> truth = Exact(metric);
    for (const char* type : {"IVF_FLAT", "IVF_SQ8"}) {
      auto index = Build(type, metric, {{"nlist", 64}});
      std::vector<TopK> got = Run(*index, 16);
      EXPECT_GE(Recall(truth, got), 0.9) << type << " " << MetricTypeName(metric);
      // Similarities: best first, and close to the exact ones.
      EXPECT_GE(got[0].scores[0], got[0].scores[kK - 1]);
      EXPECT_NEAR(got[0].scores[0], truth[0].scores[0],
                  metric == MetricType::kCosine ? 0.02 : 0.02 * std::fabs(truth[0].scores[0]));
    }
  }
}

// IVF_SQ8 under COSINE divides by the decoded row's norm, which cancels the quantization error
// along the row: a row's score against itself is off from 1 only at second order. The plain
// decoded dot product is off at first order (here up to about 1e-3).
TEST_F(IvfRecallTest, Sq8CosineScoresARowAgainstItselfAsOne) {
  auto index = Build("IVF_SQ8", MetricType::kCosine, {{"nlist", 64}});
  constexpr int64_t kSelf = 200;
  std::vector<TopK> got;
  ASSERT_TRUE(index->Search(base(), kSelf, kK, {{"nprobe", 64}}, nullptr, pool_, &got).ok());
  for (int64_t q = 0; q < kSelf; ++q) {
    const TopK& top = got[static_cast<size_t>(q)];
    auto it = std::find(top.ids.begin(), top.ids.end(), q);
    ASSERT_NE(it, top.ids.end()) << "row " << q << " is not among its own top " << kK;
    EXPECT_NEAR(top.scores[static_cast<size_t>(it - top.ids.begin())], 1.0f, 1e-4) << "row " << q;
  }
}

TEST_F(IvfRecallTest, AllListsGiveExactIvfFlat) {
  auto flat = Build("IVF_FLAT", MetricType::kL2, {{"nlist", 64}});
  EXPECT_EQ(Recall(Exact(MetricType::kL2), Run(*flat, 64)), 1.0);
  // nprobe beyond nlist is clamped.
  EXPECT_EQ(Recall(Exact(MetricType::kL2), Run(*flat, 1000)), 1.0);
}

TEST_F(IvfRecallTest, SerializeLoadGivesIdenticalResults) {
  struct Spec {
    std::string type;
    MetricType metric;
    nlohmann::json params;
  };
  std::vector<Spec> specs = {
      {"IVF_FLAT", MetricType::kL2, {{"nlist", 32}}},
      {"IVF_SQ8", MetricType::kL2, {{"nlist", 32}}},
      {"IVF_SQ8", MetricType::kCosine, {{"nlist", 32}}},  // per-row norms recomputed on load
      {"IVF_PQ", MetricType::kL2, {{"nlist", 32}, {"m", 8}, {"nbits", 6}}}};
  for (const auto& [type, metric, params] : specs) {
    auto index = Build(type, metric, params);
    std::string bytes;
    ASSERT_TRUE(index->Serialize(&bytes).ok());
    auto loaded = LoadIvfIndex(index->spec(), bytes, "seg/1/idx");
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ((*loaded)->size(), kN);
    EXPECT_EQ((*loaded)->dim(), kDim);
    EXPECT_EQ((*loaded)->MemoryBytes(), index->MemoryBytes());
    SCOPED_TRACE(type);
    ExpectSameHits(Run(*index, 8), Run(**loaded, 8));
    std::string again;
    ASSERT_TRUE((*loaded)->Serialize(&again).ok());
    EXPECT_EQ(again, bytes);
  }
}

// Version 1 stored IVF_SQ8's ranges as floats. Rewrites a version 2 payload into the version 1
// layout (the same ranges, widened to floats), which must load, search identically and
// serialize back to itself.
TEST_F(IvfRecallTest, Sq8Version1PayloadStillLoads) {
  auto index = Build("IVF_SQ8", MetricType::kL2, {{"nlist", 32}});
  std::string v2;
  ASSERT_TRUE(index->Serialize(&v2).ok());
  uint32_t version = 0;
  int64_t nlist = 0;
  std::memcpy(&version, v2.data() + 4, sizeof(version));
  std::memcpy(&nlist, v2.data() + 28, sizeof(nlist));
  ASSERT_EQ(version, 2u);
  auto cells = static_cast<size_t>(nlist * kDim);
  size_t ranges_at = 36 + cells * sizeof(float);  // after the header and centroids
  std::string v1 = v2.substr(0, ranges_at);
  v1[4] = 1;
  for (size_t i = 0; i < 2 * cells; ++i) {
    uint16_t half = 0;
    std::memcpy(&half, v2.data() + ranges_at + 2 * i, sizeof(half));
    uint32_t bits = uint32_t{half} << 16;
    v1.append(reinterpret_cast<const char*>(&bits), sizeof(bits));
  }
  v1.append(v2, ranges_at + 2 * cells * sizeof(uint16_t));
  ASSERT_EQ(v1.size(), v2.size() + 2 * cells * sizeof(uint16_t));

  auto loaded = LoadIvfIndex(index->spec(), v1, "old");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameHits(Run(*index, 8), Run(**loaded, 8));
  std::string again;
  ASSERT_TRUE((*loaded)->Serialize(&again).ok());
  EXPECT_EQ(again, v1);
  // A version this reader does not know is refused.
  std::string v3 = v2;
  v3[4] = 3;
  auto future = LoadIvfIndex(index->spec(), v3, "new");
  ASSERT_FALSE(future.ok());
  EXPECT_NE(future.status().message().find("unknown version 3"), std::string::npos);
}

TEST(IvfSmallSegmentTest, FewerRowsThanNlistGivesExactQuality) {
  constexpr int64_t n = 300, dim = 32, nq = 20;
  std::vector<float> all = ClusteredFloats(n + nq, dim, 10, 3);
  const float* q = all.data() + n * dim;
  std::vector<TopK> truth;
  ASSERT_TRUE(
      SearchFloatFlat(all.data(), n, dim, q, nq, MetricType::kL2, kK, nullptr, nullptr, &truth)
          .ok());
  for (const char* type : {"IVF_FLAT", "IVF_SQ8", "IVF_PQ"}) {
    IndexSpec spec{type, MetricType::kL2, {{"nlist", 16384}, {"m", 8}}};
    auto index = BuildIvfIndex(spec, VectorData{all.data(), nullptr, n, dim}, nullptr);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    std::vector<TopK> got;
    ASSERT_TRUE((*index)->Search(q, nq, kK, {}, nullptr, nullptr, &got).ok());
    double floor =
        std::string(type) == "IVF_FLAT" ? 1.0 : (std::string(type) == "IVF_SQ8" ? 0.95 : 0.6);
    EXPECT_GE(Recall(truth, got), floor) << type;
  }
  // A single row still builds and answers.
  IndexSpec spec{"IVF_SQ8", MetricType::kL2, {{"nlist", 16384}}};
  auto one = BuildIvfIndex(spec, VectorData{all.data(), nullptr, 1, dim}, nullptr);
  ASSERT_TRUE(one.ok());
  std::vector<TopK> got;
  ASSERT_TRUE((*one)->Search(q, 1, 3, {}, nullptr, nullptr, &got).ok());
  EXPECT_EQ(got[0].ids, (std::vector<int64_t>{0, -1, -1}));
}

TEST(IvfBinaryTest, HammingAndJaccardRecall) {
  constexpr int64_t n = 10000, bits = 256, nq = 50;
  std::vector<uint8_t> all = ClusteredBits(n + nq, bits, 64, 5);
  const uint8_t* q = all.data() + n * bits / 8;
  for (MetricType metric : {MetricType::kHamming, MetricType::kJaccard}) {
    std::vector<TopK> truth;
    ASSERT_TRUE(
        SearchBinaryFlat(all.data(), n, bits, q, nq, metric, kK, nullptr, nullptr, &truth).ok());
    IndexSpec spec{"BIN_IVF_FLAT", metric, {{"nlist", 64}}};
    auto index = BuildIvfIndex(spec, VectorData{nullptr, all.data(), n, bits}, nullptr);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    std::vector<TopK> got;
    ASSERT_TRUE((*index)->Search(q, nq, kK, {{"nprobe", 16}}, nullptr, nullptr, &got).ok());
    EXPECT_GE(Recall(truth, got), 0.9) << MetricTypeName(metric);
    EXPECT_EQ(got[0].scores[0], truth[0].scores[0]);
    std::string bytes;
    ASSERT_TRUE((*index)->Serialize(&bytes).ok());
    auto loaded = LoadIvfIndex(spec, bytes, "bin");
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    std::vector<TopK> again;
    ASSERT_TRUE((*loaded)->Search(q, nq, kK, {{"nprobe", 16}}, nullptr, nullptr, &again).ok());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].ids, again[i].ids);
  }
}

TEST(IvfParamsTest, RejectsBadParameters) {
  std::vector<float> rows = ClusteredFloats(200, 16, 4, 1);
  VectorData data{rows.data(), nullptr, 200, 16};
  auto build = [&](const std::string& type, MetricType metric, nlohmann::json params) {
    return BuildIvfIndex(IndexSpec{type, metric, std::move(params)}, data, nullptr).status();
  };
  EXPECT_EQ(build("IVF_FLAT", MetricType::kL2, {{"nlist", 0}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(build("IVF_FLAT", MetricType::kL2, {{"nlist", 65537}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(build("IVF_FLAT", MetricType::kL2, {{"nlist", "x"}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(build("IVF_FLAT", MetricType::kL2, {{"nlist", "4"}}).ok());
  EXPECT_EQ(build("IVF_PQ", MetricType::kL2, {{"m", 5}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(build("IVF_PQ", MetricType::kL2, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(build("IVF_PQ", MetricType::kL2, {{"m", 4}, {"nbits", 17}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(build("IVF_FLAT", MetricType::kHamming, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(build("HNSW", MetricType::kL2, {}).code(), StatusCode::kInvalidArgument);

  auto index = BuildIvfIndex(IndexSpec{"IVF_FLAT", MetricType::kL2, {{"nlist", 4}}}, data, nullptr);
  ASSERT_TRUE(index.ok());
  std::vector<TopK> out;
  EXPECT_EQ((*index)->Search(rows.data(), 1, 5, {{"nprobe", 0}}, nullptr, nullptr, &out).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*index)->Search(rows.data(), 1, 0, {}, nullptr, nullptr, &out).code(),
            StatusCode::kInvalidArgument);
  Bitset wrong_size(10, true);
  EXPECT_EQ((*index)->Search(rows.data(), 1, 5, {}, &wrong_size, nullptr, &out).code(),
            StatusCode::kInvalidArgument);
}

TEST(Sq8KernelTest, EveryLevelMatchesReference) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (size_t dim : {1, 7, 8, 15, 16, 17, 31, 33, 64, 100, 129}) {
    std::vector<float> q(dim + 1), scale(dim + 1);
    std::vector<uint8_t> code(dim + 1);
    for (size_t d = 0; d <= dim; ++d) {
      q[d] = u(rng);
      scale[d] = std::fabs(u(rng)) / 255;
      code[d] = static_cast<uint8_t>(rng());
    }
    // Unaligned starts.
    float want_l2 = simd::sq8_l2_ref(q.data() + 1, scale.data() + 1, code.data() + 1, dim);
    float want_ip = simd::sq8_ip_ref(q.data() + 1, code.data() + 1, dim);
    for (SimdLevel level : {SimdLevel::kRef, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
      if (!CpuSupports(level)) continue;
      const Sq8Kernels& k = Sq8KernelsFor(level);
      EXPECT_NEAR(k.l2(q.data() + 1, scale.data() + 1, code.data() + 1, dim), want_l2,
                  1e-4 * (1 + want_l2));
      EXPECT_NEAR(k.ip(q.data() + 1, code.data() + 1, dim), want_ip,
                  1e-4 * (1 + std::fabs(want_ip)) * 255);
    }
  }
}

}  // namespace
}  // namespace strata
