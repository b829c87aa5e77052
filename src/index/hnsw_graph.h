// Internal to the HNSW index (hnsw_index.cc, hnsw_io.cc): constants, the graph class and its
// per-query working memory. Users include hnsw_index.h.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/distance.h"
#include "index/vector_index.h"

namespace strata::hnsw {

constexpr uint32_t kNoNode = 0xFFFFFFFFu;  // empty neighbour slot
constexpr int kMaxLevel = 60;
constexpr uint32_t kMagic = 0x57534E48;  // "HNSW" read little-endian
// Version 2 added the copy chains (next_copy); version 1 payloads load with none.
constexpr uint32_t kVersion = 2;
constexpr uint32_t kVersionWithoutCopies = 1;
constexpr int64_t kDefaultM = 16;
constexpr int64_t kDefaultEfConstruction = 200;
constexpr int64_t kDefaultEf = 64;
constexpr int64_t kMaxLimit = 16384;  // Milvus's top-k bound, also a range search's limit
constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
// Queries per ParallelFor item: enough to amortise taking a scratch, small enough to balance.
constexpr size_t kQueriesPerTask = 8;
constexpr size_t kNodesPerBuildTask = 32;
// Filtered queries scan the allowed rows instead of walking the graph when
// allowed^2 < kScanFactor * ef * n (see Search).
constexpr double kScanFactor = 32.0;

struct Neighbor {
  float dist;
  uint32_t id;
};
// Strict order: nearer first, ties to the lower id (as flat search breaks them).
inline bool Nearer(const Neighbor& a, const Neighbor& b) {
  return a.dist < b.dist || (a.dist == b.dist && a.id < b.id);
}
// With std::push_heap: Nearer as "less" keeps the farthest on top, the reverse the nearest.
inline bool Farther(const Neighbor& a, const Neighbor& b) { return Nearer(b, a); }

// Per-query marks: a node is visited when its mark equals the current epoch, so clearing is
// one increment (a full wipe only when the 16-bit epoch wraps).
class VisitedSet {
 public:
  explicit VisitedSet(size_t n) : marks_(n, 0) {}
  void Reset() {
    if (++epoch_ == 0) {
      std::fill(marks_.begin(), marks_.end(), 0);
      epoch_ = 1;
    }
  }
  bool TestAndSet(uint32_t i) {
    if (marks_[i] == epoch_) return true;
    marks_[i] = epoch_;
    return false;
  }
  const uint16_t* Address(uint32_t i) const { return &marks_[i]; }

 private:
  std::vector<uint16_t> marks_;
  uint16_t epoch_ = 0;
};

// Working memory of one search or insertion; reused across calls through ScratchPool.
struct Scratch {
  explicit Scratch(size_t n) : visited(n) {}
  VisitedSet visited;
  std::vector<Neighbor> candidates;  // heap, nearest on top
  std::vector<Neighbor> top;         // heap, farthest on top (the ef best so far)
  std::vector<Neighbor> work;
  std::vector<uint32_t> links;
  std::vector<float> query;
};

class ScratchPool {
 public:
  explicit ScratchPool(size_t n) : n_(n) {}
  std::unique_ptr<Scratch> Take() {
    std::lock_guard lock(mu_);
    if (free_.empty()) return std::make_unique<Scratch>(n_);
    auto s = std::move(free_.back());
    free_.pop_back();
    return s;
  }
  void Give(std::unique_ptr<Scratch> s) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(s));
  }

 private:
  size_t n_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Scratch>> free_;
};

// A parameter as an integer in [lo, hi]; Milvus clients send numbers or decimal strings.
Result<int64_t> IntParam(const nlohmann::json& params, const char* name, int64_t fallback,
                         int64_t lo, int64_t hi);

// Writes in / |in| (zero stays zero).
void Normalize(const float* in, size_t dim, float* out);

// Serialized layout (little-endian, doc/indexes.md): Header, vectors (n x dim f32), base-layer
// links (n x 2M u32), levels (n u8), upper links (upper_size u32), and from version 2 the copy
// chains (n u32).
struct Header {
  uint32_t magic;
  uint32_t version;
  uint32_t metric;
  uint32_t m;
  uint32_t ef_construction;
  int32_t max_level;
  uint32_t entry;
  uint32_t reserved;
  uint64_t n;
  uint64_t dim;
  uint64_t upper_size;
};
static_assert(sizeof(Header) == 56);
static_assert(std::endian::native == std::endian::little, "the format is little-endian");

class HnswIndex final : public VectorIndex {
 public:
  HnswIndex(IndexSpec spec, int64_t n, int64_t dim, int m, int ef_construction)
      : spec_(std::move(spec)),
        n_(n),
        dim_(static_cast<size_t>(dim)),
        m_(m),
        m0_(2 * m),
        ef_construction_(ef_construction),
        dist_fn_(spec_.metric == MetricType::kL2 ? Kernels().l2sq_f32 : Kernels().ip_f32),
        negate_(spec_.metric != MetricType::kL2),
        scratch_(static_cast<size_t>(n)) {}

  const IndexSpec& spec() const override { return spec_; }
  int64_t size() const override { return n_; }
  int64_t dim() const override { return static_cast<int64_t>(dim_); }
  int64_t MemoryBytes() const override {
    return static_cast<int64_t>(
        vectors_.size() * sizeof(float) + links0_.size() * sizeof(uint32_t) + levels_.size() +
        upper_offset_.size() * sizeof(uint64_t) + upper_.size() * sizeof(uint32_t) +
        next_copy_.size() * sizeof(uint32_t));
  }

  Status Search(const void* queries, int64_t nq, int64_t k, const nlohmann::json& search_params,
                const Bitset* allowed, ThreadPool* pool, std::vector<TopK>* out) const override;
  Status RangeSearch(const void* queries, int64_t nq, const RangeParams& range, int64_t limit,
                     const nlohmann::json& search_params, const Bitset* allowed, ThreadPool* pool,
                     std::vector<RangeHits>* out) const override;
  Status Serialize(std::string* out) const override;

  // Cancelled as soon as `*cancel` (nullable) is seen true: the graph is then unusable.
  Status Build(const float* data, ThreadPool* pool, const std::atomic<bool>* cancel);
  // Fills the index from a payload whose header `h` and total length were checked already.
  Status Restore(const Header& h, std::string_view payload, std::string_view object_name);

 private:
  struct BuildLocks {
    explicit BuildLocks(size_t n) : node(new std::mutex[n]) {}
    std::unique_ptr<std::mutex[]> node;
    std::mutex entry;  // guards entry_ and max_level_ while building
  };

  float Distance(const float* a, const float* b) const {
    float d = dist_fn_(a, b, dim_);
    return negate_ ? -d : d;
  }
  const float* Vec(uint32_t i) const { return vectors_.data() + static_cast<size_t>(i) * dim_; }
  int Slots(int level) const { return level == 0 ? m0_ : m_; }
  const uint32_t* Links(uint32_t i, int level) const {
    return level == 0 ? links0_.data() + static_cast<size_t>(i) * m0_
                      : upper_.data() + upper_offset_[i] + static_cast<size_t>(level - 1) * m_;
  }
  uint32_t* MutableLinks(uint32_t i, int level) {
    return const_cast<uint32_t*>(std::as_const(*this).Links(i, level));
  }
  // Lays out upper_ from levels_; returns its length in slots.
  uint64_t ComputeUpperOffsets();
  // Links every row whose vector equals an earlier row's into that row's copy chain
  // (next_copy_), and returns which rows are copies (they stay out of the graph).
  std::vector<uint8_t> CollapseCopies();

  // f(row) for the graph node and each of its copies, in ascending row order.
  template <typename F>
  void ForEachRow(uint32_t node, F&& f) const {
    for (uint32_t r = node; r != kNoNode; r = next_copy_[r]) f(r);
  }
  // Whether any row of the node may be returned (`allowed` nullable).
  bool NodeAllowed(uint32_t node, const Bitset* allowed) const {
    if (allowed == nullptr || allowed->Test(node)) return true;
    for (uint32_t r = next_copy_[node]; r != kNoNode; r = next_copy_[r]) {
      if (allowed->Test(r)) return true;
    }
    return false;
  }
  // Walks the upper layers from the entry point down to layer 0; returns the query vector to
  // use (normalised for COSINE, in s->query) and the layer-0 entry point.
  const float* Descend(const float* query, Scratch* s, uint32_t* ep, float* ep_dist) const;
  Status CheckQueries(const void* queries, int64_t nq, const Bitset* allowed) const;
  // Whether an exact scan of the allowed_count rows `allowed` keeps (KeptRows) beats a graph
  // walk of width ef (see Search).
  bool ScanInstead(const Bitset* allowed, int64_t allowed_count, int64_t ef) const;
  // body(i, scratch) for each query i, in tasks of kQueriesPerTask on the pool (nullable).
  void ForEachQuery(int64_t nq, ThreadPool* pool,
                    const std::function<void(size_t, Scratch*)>& body) const;

  // Copies node i's neighbours at `level` into s->links; under its lock while building.
  template <bool kBuild>
  const uint32_t* ReadLinks(uint32_t i, int level, BuildLocks* locks, Scratch* s) const;
  // Greedy walk on one upper layer from *ep towards v.
  template <bool kBuild>
  void Greedy(const float* v, int level, uint32_t* ep, float* ep_dist, BuildLocks* locks,
              Scratch* s) const;
  // Best-first search of one layer; leaves up to ef results in s->top. With kFiltered, only
  // nodes with a key >= min_key and an allowed row (`allowed` nullable) count as results; the
  // others are still traversed.
  template <bool kBuild, bool kFiltered>
  void SearchLayer(const float* v, uint32_t ep, float ep_dist, int level, size_t ef, float min_key,
                   const Bitset* allowed, BuildLocks* locks, Scratch* s) const;
  // Keeps at most `max` of `cands` (sorted nearest first), each nearer the base node than to
  // any neighbour already kept: the paper's heuristic, which keeps links in diverse directions.
  void SelectNeighbors(std::vector<Neighbor>* cands, size_t max) const;
  // Gives node q the links `chosen` at `level`, merged with any that concurrent insertions
  // already added to it (re-selected by SelectNeighbors when they do not all fit).
  void SetLinks(uint32_t q, int level, const std::vector<Neighbor>& chosen, BuildLocks* locks);
  void Insert(uint32_t q, BuildLocks* locks, Scratch* s);
  // After the inserts: a node no other node links to at level 0 is reachable only as the entry
  // point. Concurrent inserts can rarely leave one (a neighbour's full list re-selected
  // without it), so each gets a link from its nearest neighbour that can give one without
  // orphaning another node.
  void LinkOrphans(const std::vector<uint8_t>& is_copy);
  // Top-k of one query into *out (padded); returns the number of real hits.
  size_t SearchOne(const float* query, int64_t k, size_t ef, const Bitset* allowed, Scratch* s,
                   TopK* out) const;
  // Range search of one query (doc/indexes.md): a top-ef search for seeds, then a best-first
  // expansion over layer-0 nodes inside the range bound.
  void RangeOne(const float* query, KeyBounds bounds, int64_t limit, size_t ef,
                const Bitset* allowed, Scratch* s, RangeHits* out) const;
  void Connect(uint32_t e, uint32_t q, float dist, int level, Scratch* s);

  IndexSpec spec_;
  int64_t n_;
  size_t dim_;
  int m_;
  int m0_;
  int ef_construction_;
  float (*dist_fn_)(const float*, const float*, size_t);
  bool negate_;  // IP, COSINE: search on -similarity so that smaller is nearer everywhere
  std::vector<float> vectors_;          // n x dim, normalised for COSINE
  std::vector<uint32_t> links0_;        // n x 2M, unused slots kNoNode (always trailing)
  std::vector<uint8_t> levels_;         // top level of each node
  std::vector<uint64_t> upper_offset_;  // start of node i's levels 1.. in upper_
  std::vector<uint32_t> upper_;         // per node: level x M slots
  // Rows with identical vectors share one graph node, the lowest row of the group: next_copy_[r]
  // is the next row of r's group (ascending), kNoNode at the end. Copies have level 0 and no
  // links, and no link points at them. Without this, hundreds of exact copies link only to
  // each other (the diversity heuristic cannot tell them apart) and split the graph.
  std::vector<uint32_t> next_copy_;
  uint32_t entry_ = kNoNode;
  int max_level_ = -1;
  mutable ScratchPool scratch_;
};

}  // namespace strata::hnsw
