#include "index/hnsw_index.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <utility>

#include "index/distance.h"

namespace strata {
namespace {

constexpr uint32_t kNoNode = 0xFFFFFFFFu;  // empty neighbour slot
constexpr int kMaxLevel = 60;
constexpr uint64_t kLevelSeed = 0x5EED4E5377210001ULL;
constexpr uint32_t kMagic = 0x57534E48;  // "HNSW" read little-endian
constexpr uint32_t kVersion = 1;
constexpr int64_t kDefaultM = 16;
constexpr int64_t kDefaultEfConstruction = 200;
constexpr int64_t kDefaultEf = 64;
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

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// The paper's level distribution, floor(-ln(U) / ln(M)), drawn from a hash of the row id so
// that levels do not depend on insertion order or thread scheduling.
int DrawLevel(uint32_t id, int m) {
  double u = static_cast<double>((SplitMix64(kLevelSeed ^ id) >> 11) + 1) * 0x1.0p-53;  // (0,1]
  double level = -std::log(u) / std::log(static_cast<double>(m));
  return std::min(kMaxLevel, static_cast<int>(level));
}

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
                         int64_t lo, int64_t hi) {
  if (!params.is_object() || !params.contains(name)) return fallback;
  const nlohmann::json& v = params[name];
  int64_t value = 0;
  if (v.is_number_integer()) {
    value = v.get<int64_t>();
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    char* end = nullptr;
    errno = 0;
    long long parsed = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno != 0) {
      return InvalidArgument(std::string("HNSW param ") + name + " must be an integer");
    }
    value = parsed;
  } else {
    return InvalidArgument(std::string("HNSW param ") + name + " must be an integer");
  }
  if (value < lo || value > hi) {
    return InvalidArgument(std::string("HNSW param ") + name + " = " + std::to_string(value) +
                           " out of range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                           "]");
  }
  return value;
}

void Normalize(const float* in, size_t dim, float* out) {
  float sq = Kernels().ip_f32(in, in, dim);
  float inv = sq > 0 ? 1.0f / std::sqrt(sq) : 0.0f;
  for (size_t d = 0; d < dim; ++d) out[d] = in[d] * inv;
}

// Serialized layout (little-endian): Header, vectors (n x dim f32), base-layer links
// (n x 2M u32), levels (n u8), upper links (upper_size u32).
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
        upper_offset_.size() * sizeof(uint64_t) + upper_.size() * sizeof(uint32_t));
  }

  Status Search(const void* queries, int64_t nq, int64_t k, const nlohmann::json& search_params,
                const Bitset* allowed, ThreadPool* pool, std::vector<TopK>* out) const override;
  Status Serialize(std::string* out) const override;

  void Build(const float* data, ThreadPool* pool);
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

  // Copies node i's neighbours at `level` into s->links; under its lock while building.
  template <bool kBuild>
  const uint32_t* ReadLinks(uint32_t i, int level, BuildLocks* locks, Scratch* s) const;
  // Greedy walk on one upper layer from *ep towards v.
  template <bool kBuild>
  void Greedy(const float* v, int level, uint32_t* ep, float* ep_dist, BuildLocks* locks,
              Scratch* s) const;
  // Best-first search of one layer; leaves up to ef results (allowed rows only) in s->top.
  template <bool kBuild, bool kFiltered>
  void SearchLayer(const float* v, uint32_t ep, float ep_dist, int level, size_t ef,
                   const Bitset* allowed, BuildLocks* locks, Scratch* s) const;
  // Keeps at most `max` of `cands` (sorted nearest first), each nearer the base node than to
  // any neighbour already kept: the paper's heuristic, which keeps links in diverse directions.
  void SelectNeighbors(std::vector<Neighbor>* cands, size_t max) const;
  void Insert(uint32_t q, BuildLocks* locks, Scratch* s);
  // Top-k of one query into *out (padded); returns the number of real hits.
  size_t SearchOne(const float* query, int64_t k, size_t ef, const Bitset* allowed, Scratch* s,
                   TopK* out) const;
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
  uint32_t entry_ = kNoNode;
  int max_level_ = -1;
  mutable ScratchPool scratch_;
};

uint64_t HnswIndex::ComputeUpperOffsets() {
  upper_offset_.assign(static_cast<size_t>(n_), 0);
  uint64_t total = 0;
  for (int64_t i = 0; i < n_; ++i) {
    upper_offset_[i] = total;
    total += static_cast<uint64_t>(levels_[i]) * m_;
  }
  return total;
}

template <bool kBuild>
const uint32_t* HnswIndex::ReadLinks(uint32_t i, int level, BuildLocks* locks, Scratch* s) const {
  const uint32_t* links = Links(i, level);
  if constexpr (!kBuild) return links;
  std::lock_guard lock(locks->node[i]);
  s->links.assign(links, links + Slots(level));
  return s->links.data();
}

template <bool kBuild>
void HnswIndex::Greedy(const float* v, int level, uint32_t* ep, float* ep_dist, BuildLocks* locks,
                       Scratch* s) const {
  for (bool moved = true; moved;) {
    moved = false;
    const uint32_t* links = ReadLinks<kBuild>(*ep, level, locks, s);
    for (int j = 0; j < Slots(level) && links[j] != kNoNode; ++j) {
      float d = Distance(v, Vec(links[j]));
      if (d < *ep_dist) {
        *ep_dist = d;
        *ep = links[j];
        moved = true;
      }
    }
  }
}

template <bool kBuild, bool kFiltered>
void HnswIndex::SearchLayer(const float* v, uint32_t ep, float ep_dist, int level, size_t ef,
                            const Bitset* allowed, BuildLocks* locks, Scratch* s) const {
  auto& cand = s->candidates;
  auto& top = s->top;
  cand.clear();
  top.clear();
  s->visited.Reset();
  s->visited.TestAndSet(ep);
  cand.push_back({ep_dist, ep});
  if (!kFiltered || allowed->Test(ep)) top.push_back({ep_dist, ep});
  float bound = top.size() >= ef ? ep_dist : std::numeric_limits<float>::infinity();
  const int slots = Slots(level);
  while (!cand.empty()) {
    Neighbor c = cand.front();
    // Every remaining candidate is farther than the ef-th best: nothing left can improve it.
    if (c.dist > bound) break;
    std::pop_heap(cand.begin(), cand.end(), Farther);
    cand.pop_back();
    const uint32_t* links = ReadLinks<kBuild>(c.id, level, locks, s);
    if (links[0] != kNoNode) {
      __builtin_prefetch(s->visited.Address(links[0]));
      __builtin_prefetch(Vec(links[0]));
    }
    for (int j = 0; j < slots; ++j) {
      uint32_t id = links[j];
      if (id == kNoNode) break;
      if (j + 1 < slots && links[j + 1] != kNoNode) {
        __builtin_prefetch(s->visited.Address(links[j + 1]));
        __builtin_prefetch(Vec(links[j + 1]));
        __builtin_prefetch(Vec(links[j + 1]) + 16);
      }
      if (s->visited.TestAndSet(id)) continue;
      float d = Distance(v, Vec(id));
      // A NaN distance (a NaN vector) fails this test, so such rows are never reached.
      if (!(d < bound)) continue;
      cand.push_back({d, id});
      std::push_heap(cand.begin(), cand.end(), Farther);
      if (level == 0 && !kBuild) __builtin_prefetch(Links(cand.front().id, 0));
      if (kFiltered && !allowed->Test(id)) continue;
      top.push_back({d, id});
      std::push_heap(top.begin(), top.end(), Nearer);
      if (top.size() > ef) {
        std::pop_heap(top.begin(), top.end(), Nearer);
        top.pop_back();
      }
      if (top.size() >= ef) bound = top.front().dist;
    }
  }
}

void HnswIndex::SelectNeighbors(std::vector<Neighbor>* cands, size_t max) const {
  if (cands->size() <= max) return;
  size_t kept = 0;
  for (size_t i = 0; i < cands->size() && kept < max; ++i) {
    const Neighbor c = (*cands)[i];
    bool diverse = true;
    for (size_t j = 0; j < kept && diverse; ++j) {
      diverse = !(Distance(Vec(c.id), Vec((*cands)[j].id)) < c.dist);
    }
    if (diverse) (*cands)[kept++] = c;
  }
  cands->resize(kept);
}

void HnswIndex::Connect(uint32_t e, uint32_t q, float dist, int level, Scratch* s) {
  uint32_t* links = MutableLinks(e, level);
  const int slots = Slots(level);
  int count = 0;
  while (count < slots && links[count] != kNoNode) ++count;
  if (count < slots) {
    links[count] = q;
    return;
  }
  // Full: re-select among the old neighbours and q, by distance to e.
  auto& work = s->work;
  work.clear();
  for (int j = 0; j < slots; ++j) work.push_back({Distance(Vec(e), Vec(links[j])), links[j]});
  work.push_back({dist, q});
  std::sort(work.begin(), work.end(), Nearer);
  SelectNeighbors(&work, static_cast<size_t>(slots));
  for (int j = 0; j < slots; ++j)
    links[j] = j < static_cast<int>(work.size()) ? work[j].id : kNoNode;
}

void HnswIndex::Insert(uint32_t q, BuildLocks* locks, Scratch* s) {
  const int level = levels_[q];
  // A node that raises the top level keeps the entry lock for its whole insertion, so no other
  // insertion starts from an entry point whose upper links are not written yet.
  std::unique_lock entry_lock(locks->entry);
  uint32_t ep = entry_;
  const int top_level = max_level_;
  if (level <= top_level) entry_lock.unlock();

  const float* v = Vec(q);
  float ep_dist = Distance(v, Vec(ep));
  for (int lc = top_level; lc > level; --lc) Greedy<true>(v, lc, &ep, &ep_dist, locks, s);
  for (int lc = std::min(level, top_level); lc >= 0; --lc) {
    SearchLayer<true, false>(v, ep, ep_dist, lc, static_cast<size_t>(ef_construction_), nullptr,
                             locks, s);
    std::vector<Neighbor>& found = s->top;  // Connect below uses only s->work
    std::sort(found.begin(), found.end(), Nearer);
    ep = found.front().id;
    ep_dist = found.front().dist;
    SelectNeighbors(&found, static_cast<size_t>(m_));
    {
      std::lock_guard lock(locks->node[q]);
      uint32_t* mine = MutableLinks(q, lc);
      for (size_t j = 0; j < found.size(); ++j) mine[j] = found[j].id;
    }
    for (const Neighbor& nb : found) {
      std::lock_guard lock(locks->node[nb.id]);
      Connect(nb.id, q, nb.dist, lc, s);
    }
  }
  if (level > top_level) {
    entry_ = q;
    max_level_ = level;
  }
}

void HnswIndex::Build(const float* data, ThreadPool* pool) {
  vectors_.resize(static_cast<size_t>(n_) * dim_);
  if (spec_.metric == MetricType::kCosine) {
    for (int64_t i = 0; i < n_; ++i) Normalize(data + i * dim_, dim_, &vectors_[i * dim_]);
  } else {
    std::copy(data, data + vectors_.size(), vectors_.begin());
  }
  levels_.resize(static_cast<size_t>(n_));
  for (int64_t i = 0; i < n_; ++i) levels_[i] = static_cast<uint8_t>(DrawLevel(i, m_));
  links0_.assign(static_cast<size_t>(n_) * m0_, kNoNode);
  upper_.assign(ComputeUpperOffsets(), kNoNode);
  if (n_ == 0) return;
  entry_ = 0;
  max_level_ = levels_[0];
  BuildLocks locks(static_cast<size_t>(n_));
  size_t tasks = (static_cast<size_t>(n_) - 1 + kNodesPerBuildTask - 1) / kNodesPerBuildTask;
  auto body = [&](size_t t) {
    std::unique_ptr<Scratch> s = scratch_.Take();
    size_t begin = 1 + t * kNodesPerBuildTask;
    size_t end = std::min(static_cast<size_t>(n_), begin + kNodesPerBuildTask);
    for (size_t i = begin; i < end; ++i) Insert(static_cast<uint32_t>(i), &locks, s.get());
    scratch_.Give(std::move(s));
  };
  if (pool != nullptr) {
    pool->ParallelFor(tasks, body);
  } else {
    for (size_t t = 0; t < tasks; ++t) body(t);
  }
}

size_t HnswIndex::SearchOne(const float* query, int64_t k, size_t ef, const Bitset* allowed,
                            Scratch* s, TopK* out) const {
  const float* v = query;
  if (spec_.metric == MetricType::kCosine) {
    s->query.resize(dim_);
    Normalize(query, dim_, s->query.data());
    v = s->query.data();
  }
  uint32_t ep = entry_;
  float ep_dist = Distance(v, Vec(ep));
  for (int lc = max_level_; lc > 0; --lc) Greedy<false>(v, lc, &ep, &ep_dist, nullptr, s);
  if (allowed != nullptr) {
    SearchLayer<false, true>(v, ep, ep_dist, 0, ef, allowed, nullptr, s);
  } else {
    SearchLayer<false, false>(v, ep, ep_dist, 0, ef, nullptr, nullptr, s);
  }
  std::sort(s->top.begin(), s->top.end(), Nearer);
  const size_t found = std::min(s->top.size(), static_cast<size_t>(k));
  out->k = k;
  out->ids.assign(static_cast<size_t>(k), -1);
  out->scores.assign(static_cast<size_t>(k), negate_ ? -std::numeric_limits<float>::infinity()
                                                     : std::numeric_limits<float>::infinity());
  for (size_t j = 0; j < found; ++j) {
    out->ids[j] = s->top[j].id;
    out->scores[j] = negate_ ? -s->top[j].dist : s->top[j].dist;
  }
  return found;
}

Status HnswIndex::Search(const void* queries, int64_t nq, int64_t k,
                         const nlohmann::json& search_params, const Bitset* allowed,
                         ThreadPool* pool, std::vector<TopK>* out) const {
  if (k <= 0) return InvalidArgument("HNSW search: k must be positive");
  if (nq < 0) return InvalidArgument("HNSW search: negative query count");
  if (nq > 0 && queries == nullptr) return InvalidArgument("HNSW search: null queries");
  if (allowed != nullptr && allowed->size() != static_cast<size_t>(n_)) {
    return InvalidArgument("HNSW search: filter has " + std::to_string(allowed->size()) +
                           " bits for " + std::to_string(n_) + " rows");
  }
  ASSIGN_OR_RETURN(int64_t ef,
                   IntParam(search_params, "ef", std::max(k, kDefaultEf), 1, kMaxInt32));
  ef = std::max(ef, k);
  const float* q = static_cast<const float*>(queries);
  const int64_t allowed_count = allowed != nullptr ? static_cast<int64_t>(allowed->Count()) : n_;
  // With a filter the walk visits about ef / (allowed fraction) nodes before it holds ef hits;
  // once that exceeds a scan of the allowed rows (which streams and batches, hence the
  // factor), scanning is cheaper and exact.
  const bool scan = n_ == 0 || allowed_count == 0 ||
                    (allowed != nullptr && static_cast<double>(allowed_count) * allowed_count <
                                               kScanFactor * static_cast<double>(ef) * n_);
  if (scan) {
    return SearchFloatFlat(vectors_.data(), n_, static_cast<int64_t>(dim_), q, nq, spec_.metric, k,
                           allowed, pool, out);
  }
  out->assign(static_cast<size_t>(nq), TopK{});
  // A walk that returns fewer hits than exist (a filter that cuts the graph, NaN rows) is
  // redone exactly below.
  const size_t expected = static_cast<size_t>(std::min(k, allowed_count));
  std::vector<uint8_t> redo(static_cast<size_t>(nq), 0);
  const size_t tasks = (static_cast<size_t>(nq) + kQueriesPerTask - 1) / kQueriesPerTask;
  auto body = [&](size_t t) {
    std::unique_ptr<Scratch> s = scratch_.Take();
    size_t end = std::min(static_cast<size_t>(nq), (t + 1) * kQueriesPerTask);
    for (size_t i = t * kQueriesPerTask; i < end; ++i) {
      size_t found =
          SearchOne(q + i * dim_, k, static_cast<size_t>(ef), allowed, s.get(), &(*out)[i]);
      redo[i] = found < expected;
    }
    scratch_.Give(std::move(s));
  };
  if (pool != nullptr) {
    pool->ParallelFor(tasks, body);
  } else {
    for (size_t t = 0; t < tasks; ++t) body(t);
  }
  std::vector<float> missed;
  std::vector<size_t> missed_ids;
  for (size_t i = 0; i < redo.size(); ++i) {
    if (!redo[i]) continue;
    missed.insert(missed.end(), q + i * dim_, q + (i + 1) * dim_);
    missed_ids.push_back(i);
  }
  if (missed_ids.empty()) return Status::Ok();
  std::vector<TopK> exact;
  RETURN_IF_ERROR(SearchFloatFlat(vectors_.data(), n_, static_cast<int64_t>(dim_), missed.data(),
                                  static_cast<int64_t>(missed_ids.size()), spec_.metric, k, allowed,
                                  pool, &exact));
  for (size_t j = 0; j < missed_ids.size(); ++j) (*out)[missed_ids[j]] = std::move(exact[j]);
  return Status::Ok();
}

template <typename T>
void AppendArray(const std::vector<T>& v, std::string* out) {
  out->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

Status HnswIndex::Serialize(std::string* out) const {
  Header h{kMagic,
           kVersion,
           static_cast<uint32_t>(spec_.metric),
           static_cast<uint32_t>(m_),
           static_cast<uint32_t>(ef_construction_),
           max_level_,
           entry_,
           0,
           static_cast<uint64_t>(n_),
           dim_,
           upper_.size()};
  out->clear();
  out->reserve(sizeof(h) + static_cast<size_t>(MemoryBytes()));
  out->append(reinterpret_cast<const char*>(&h), sizeof(h));
  AppendArray(vectors_, out);
  AppendArray(links0_, out);
  AppendArray(levels_, out);
  AppendArray(upper_, out);
  return Status::Ok();
}

// Reads the arrays after the header; every count and id is checked before it is trusted.
Status HnswIndex::Restore(const Header& h, std::string_view payload, std::string_view object_name) {
  entry_ = h.entry;
  max_level_ = h.max_level;
  auto corrupt = [&](const std::string& what) {
    return DataLoss("HNSW index " + std::string(object_name) + ": " + what);
  };
  const char* p = payload.data() + sizeof(Header);
  auto take = [&](auto* v, size_t count) {
    if (count == 0) return;  // an empty vector's data() may be null, which memcpy forbids
    std::memcpy(v->data(), p, count * sizeof((*v)[0]));
    p += count * sizeof((*v)[0]);
  };
  const size_t n = static_cast<size_t>(n_);
  vectors_.resize(n * dim_);
  take(&vectors_, vectors_.size());
  links0_.resize(n * m0_);
  take(&links0_, links0_.size());
  levels_.resize(n);
  take(&levels_, n);
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<int>(levels_[i]) > max_level_) return corrupt("node level above top level");
  }
  if (ComputeUpperOffsets() != h.upper_size) {
    return corrupt("upper-layer size does not match node levels");
  }
  upper_.resize(h.upper_size);
  take(&upper_, upper_.size());
  if (n == 0) {
    if (entry_ != kNoNode || max_level_ != -1) return corrupt("entry point in an empty index");
    return Status::Ok();
  }
  if (entry_ >= n || levels_[entry_] != max_level_) return corrupt("bad entry point");
  for (uint32_t i = 0; i < n; ++i) {
    for (int lc = 0; lc <= levels_[i]; ++lc) {
      const uint32_t* links = Links(i, lc);
      bool ended = false;
      for (int j = 0; j < Slots(lc); ++j) {
        uint32_t id = links[j];
        if (id == kNoNode) {
          ended = true;
        } else if (ended || id >= n || id == i || levels_[id] < lc) {
          return corrupt("bad neighbour of node " + std::to_string(i));
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<VectorIndex>> BuildHnswIndex(const IndexSpec& spec, const VectorData& data,
                                                    ThreadPool* pool) {
  if (spec.metric != MetricType::kL2 && spec.metric != MetricType::kIP &&
      spec.metric != MetricType::kCosine) {
    return InvalidArgument("HNSW supports L2, IP and COSINE, not " +
                           std::string(MetricTypeName(spec.metric)));
  }
  if (data.n < 0 || data.dim <= 0) return InvalidArgument("HNSW build: bad vector shape");
  if (data.n > 0 && data.float_data == nullptr) {
    return InvalidArgument("HNSW build needs float vectors");
  }
  if (data.n >= static_cast<int64_t>(kNoNode)) return InvalidArgument("HNSW build: too many rows");
  ASSIGN_OR_RETURN(int64_t m, IntParam(spec.params, "M", kDefaultM, 2, 2048));
  ASSIGN_OR_RETURN(int64_t efc,
                   IntParam(spec.params, "efConstruction", kDefaultEfConstruction, 1, kMaxInt32));
  auto index = std::make_unique<HnswIndex>(spec, data.n, data.dim, static_cast<int>(m),
                                           static_cast<int>(efc));
  index->Build(data.float_data, pool);
  return std::unique_ptr<VectorIndex>(std::move(index));
}

Result<std::unique_ptr<VectorIndex>> LoadHnswIndex(const IndexSpec& spec, std::string_view payload,
                                                   std::string_view object_name) {
  auto corrupt = [&](const std::string& what) {
    return DataLoss("HNSW index " + std::string(object_name) + ": " + what);
  };
  Header h;
  if (payload.size() < sizeof(h)) return corrupt("truncated header");
  std::memcpy(&h, payload.data(), sizeof(h));
  if (h.magic != kMagic) return corrupt("bad magic");
  if (h.version != kVersion) return corrupt("unknown version " + std::to_string(h.version));
  if (h.metric != static_cast<uint32_t>(spec.metric)) return corrupt("metric differs from spec");
  if (h.m < 2 || h.m > 2048 || h.ef_construction < 1 || h.ef_construction > kMaxInt32) {
    return corrupt("bad build parameters");
  }
  if (h.dim == 0 || h.n >= kNoNode || h.max_level < -1 || h.max_level > kMaxLevel) {
    return corrupt("bad shape");
  }
  // Sizes of the fixed arrays, checked against the payload before anything is allocated.
  const uint64_t room = payload.size() - sizeof(h);
  const uint64_t per_node = 2ull * h.m * sizeof(uint32_t) + 1;
  if (h.n > room / per_node || (h.n > 0 && h.dim > (room - h.n * per_node) / sizeof(float) / h.n)) {
    return corrupt("payload shorter than its arrays");
  }
  const uint64_t rest = room - h.n * per_node - h.n * h.dim * sizeof(float);
  if (rest % sizeof(uint32_t) != 0 || rest / sizeof(uint32_t) != h.upper_size) {
    return corrupt("payload length does not match its arrays");
  }
  auto index =
      std::make_unique<HnswIndex>(spec, static_cast<int64_t>(h.n), static_cast<int64_t>(h.dim),
                                  static_cast<int>(h.m), static_cast<int>(h.ef_construction));
  RETURN_IF_ERROR(index->Restore(h, payload, object_name));
  return std::unique_ptr<VectorIndex>(std::move(index));
}

}  // namespace strata
