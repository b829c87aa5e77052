#include "index/hnsw_index.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <string_view>
#include <unordered_map>

#include "index/hit_heap.h"
#include "index/hnsw_graph.h"

namespace strata {
namespace hnsw {
namespace {

constexpr uint64_t kLevelSeed = 0x5EED4E5377210001ULL;
constexpr float kNoMinKey = -std::numeric_limits<float>::infinity();

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

}  // namespace

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
                            float min_key, const Bitset* allowed, BuildLocks* locks,
                            Scratch* s) const {
  auto& cand = s->candidates;
  auto& top = s->top;
  cand.clear();
  top.clear();
  s->visited.Reset();
  s->visited.TestAndSet(ep);
  cand.push_back({ep_dist, ep});
  if (!kFiltered || (ep_dist >= min_key && NodeAllowed(ep, allowed))) {
    top.push_back({ep_dist, ep});
  }
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
      if (kFiltered && !(d >= min_key && NodeAllowed(id, allowed))) continue;
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

void HnswIndex::SetLinks(uint32_t q, int level, const std::vector<Neighbor>& chosen,
                         BuildLocks* locks) {
  std::lock_guard lock(locks->node[q]);
  uint32_t* links = MutableLinks(q, level);
  const int slots = Slots(level);
  int count = 0;
  while (count < slots && links[count] != kNoNode) ++count;
  if (count == 0) {
    for (size_t j = 0; j < chosen.size(); ++j) links[j] = chosen[j].id;
    return;
  }
  // Usually empty (above). But q is linked at the levels above already, so a concurrent insertion
  // can reach it there, find it again at this level and link back to it (Connect) before q gets
  // here. Overwriting those links lost the only way to some nodes: on rows along a line, 1 to
  // 20 rows in a third of 2-thread builds were never found, even by an exhaustive ef.
  std::vector<Neighbor> all;
  all.reserve(static_cast<size_t>(count) + chosen.size());
  for (int j = 0; j < count; ++j) all.push_back({Distance(Vec(q), Vec(links[j])), links[j]});
  for (const Neighbor& nb : chosen) {
    bool known = false;
    for (int j = 0; j < count && !known; ++j) known = links[j] == nb.id;
    if (!known) all.push_back(nb);
  }
  if (static_cast<int>(all.size()) > slots) {
    std::sort(all.begin(), all.end(), Nearer);
    SelectNeighbors(&all, static_cast<size_t>(slots));
  }
  for (int j = 0; j < slots; ++j)
    links[j] = j < static_cast<int>(all.size()) ? all[static_cast<size_t>(j)].id : kNoNode;
}

void HnswIndex::LinkOrphans(const std::vector<uint8_t>& is_copy) {
  const auto n = static_cast<size_t>(n_);
  std::vector<uint32_t> in_links(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t* links = Links(static_cast<uint32_t>(i), 0);
    for (int j = 0; j < m0_ && links[j] != kNoNode; ++j) ++in_links[links[j]];
  }
  ++in_links[entry_];  // searches start there
  std::vector<Neighbor> near;
  for (uint32_t u = 0; u < n; ++u) {
    if (in_links[u] > 0 || is_copy[u]) continue;
    // Link u from its nearest neighbour that has a free slot, or a link to give up whose target
    // keeps another in-link (so no other node is orphaned in turn): the farthest such.
    near.clear();
    const uint32_t* mine = Links(u, 0);
    for (int j = 0; j < m0_ && mine[j] != kNoNode; ++j)
      near.push_back({Distance(Vec(u), Vec(mine[j])), mine[j]});
    std::sort(near.begin(), near.end(), Nearer);
    for (const Neighbor& v : near) {
      uint32_t* links = MutableLinks(v.id, 0);
      int slot = -1;
      float farthest = -1;
      for (int j = 0; j < m0_; ++j) {
        if (links[j] == kNoNode) {
          slot = j;
          break;
        }
        float d = Distance(Vec(v.id), Vec(links[j]));
        if (in_links[links[j]] > 1 && d > farthest) farthest = d, slot = j;
      }
      if (slot < 0) continue;
      if (links[slot] != kNoNode) --in_links[links[slot]];
      links[slot] = u;
      ++in_links[u];
      break;
    }
  }
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
    SearchLayer<true, false>(v, ep, ep_dist, lc, static_cast<size_t>(ef_construction_), kNoMinKey,
                             nullptr, locks, s);
    std::vector<Neighbor>& found = s->top;  // Connect below uses only s->work
    std::sort(found.begin(), found.end(), Nearer);
    ep = found.front().id;
    ep_dist = found.front().dist;
    SelectNeighbors(&found, static_cast<size_t>(m_));
    SetLinks(q, lc, found, locks);
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

std::vector<uint8_t> HnswIndex::CollapseCopies() {
  const size_t n = static_cast<size_t>(n_);
  next_copy_.assign(n, kNoNode);
  std::vector<uint8_t> is_copy(n, 0);
  std::vector<uint32_t> tail(n, kNoNode);  // last row of the group a head row starts
  // Keyed by a hash of the bytes; on a collision between different vectors the later row just
  // stays a node of its own.
  std::unordered_map<size_t, uint32_t> head_by_hash;
  head_by_hash.reserve(n);
  const size_t bytes = dim_ * sizeof(float);
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view row(reinterpret_cast<const char*>(Vec(i)), bytes);
    auto [it, inserted] = head_by_hash.try_emplace(std::hash<std::string_view>{}(row), i);
    if (inserted) {
      tail[i] = i;
    } else if (std::memcmp(Vec(it->second), Vec(i), bytes) == 0) {
      next_copy_[tail[it->second]] = i;
      tail[it->second] = i;
      is_copy[i] = 1;
    }
  }
  return is_copy;
}

Status HnswIndex::Build(const float* data, ThreadPool* pool, const std::atomic<bool>* cancel) {
  vectors_.resize(static_cast<size_t>(n_) * dim_);
  if (spec_.metric == MetricType::kCosine) {
    for (int64_t i = 0; i < n_; ++i) Normalize(data + i * dim_, dim_, &vectors_[i * dim_]);
  } else {
    std::copy(data, data + vectors_.size(), vectors_.begin());
  }
  const std::vector<uint8_t> is_copy = CollapseCopies();
  levels_.resize(static_cast<size_t>(n_));
  for (int64_t i = 0; i < n_; ++i) {
    levels_[i] = is_copy[i] ? 0 : static_cast<uint8_t>(DrawLevel(i, m_));
  }
  links0_.assign(static_cast<size_t>(n_) * m0_, kNoNode);
  upper_.assign(ComputeUpperOffsets(), kNoNode);
  if (n_ == 0) return Status::Ok();
  entry_ = 0;  // row 0 is never a copy
  max_level_ = levels_[0];
  BuildLocks locks(static_cast<size_t>(n_));
  size_t tasks = (static_cast<size_t>(n_) - 1 + kNodesPerBuildTask - 1) / kNodesPerBuildTask;
  auto body = [&](size_t t) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) return;  // the rest skip
    std::unique_ptr<Scratch> s = scratch_.Take();
    size_t begin = 1 + t * kNodesPerBuildTask;
    size_t end = std::min(static_cast<size_t>(n_), begin + kNodesPerBuildTask);
    for (size_t i = begin; i < end; ++i) {
      if (!is_copy[i]) Insert(static_cast<uint32_t>(i), &locks, s.get());
    }
    scratch_.Give(std::move(s));
  };
  if (pool != nullptr) {
    pool->ParallelFor(tasks, body);
  } else {
    for (size_t t = 0; t < tasks; ++t) body(t);
  }
  if (cancel != nullptr && cancel->load())
    return Status(StatusCode::kCancelled, "HNSW build cancelled");
  LinkOrphans(is_copy);
  return Status::Ok();
}

const float* HnswIndex::Descend(const float* query, Scratch* s, uint32_t* ep,
                                float* ep_dist) const {
  const float* v = query;
  if (spec_.metric == MetricType::kCosine) {
    s->query.resize(dim_);
    Normalize(query, dim_, s->query.data());
    v = s->query.data();
  }
  *ep = entry_;
  *ep_dist = Distance(v, Vec(*ep));
  for (int lc = max_level_; lc > 0; --lc) Greedy<false>(v, lc, ep, ep_dist, nullptr, s);
  return v;
}

size_t HnswIndex::SearchOne(const float* query, int64_t k, size_t ef, const Bitset* allowed,
                            Scratch* s, TopK* out) const {
  uint32_t ep = 0;
  float ep_dist = 0;
  const float* v = Descend(query, s, &ep, &ep_dist);
  if (allowed != nullptr) {
    SearchLayer<false, true>(v, ep, ep_dist, 0, ef, kNoMinKey, allowed, nullptr, s);
  } else {
    SearchLayer<false, false>(v, ep, ep_dist, 0, ef, kNoMinKey, nullptr, nullptr, s);
  }
  std::sort(s->top.begin(), s->top.end(), Nearer);
  // Nodes to rows: each node stands for itself and its copies (same distance). Stop once k
  // rows are in hand and the next node is strictly farther, so ties still sort by row id.
  std::vector<Neighbor>& rows = s->work;
  rows.clear();
  const size_t want = static_cast<size_t>(k);
  for (const Neighbor& node : s->top) {
    if (rows.size() >= want && node.dist > rows.back().dist) break;
    ForEachRow(node.id, [&](uint32_t r) {
      if (allowed == nullptr || allowed->Test(r)) rows.push_back({node.dist, r});
    });
  }
  std::sort(rows.begin(), rows.end(), Nearer);
  const size_t found = std::min(rows.size(), want);
  out->k = k;
  out->ids.assign(want, -1);
  out->scores.assign(want, negate_ ? -std::numeric_limits<float>::infinity()
                                   : std::numeric_limits<float>::infinity());
  for (size_t j = 0; j < found; ++j) {
    out->ids[j] = rows[j].id;
    out->scores[j] = negate_ ? -rows[j].dist : rows[j].dist;
  }
  return found;
}

void HnswIndex::RangeOne(const float* query, KeyBounds bounds, int64_t limit, size_t ef,
                         const Bitset* allowed, Scratch* s, RangeHits* out) const {
  uint32_t ep = 0;
  float ep_dist = 0;
  const float* v = Descend(query, s, &ep, &ep_dist);
  // Seeds: a top-ef walk counting only what may be returned (allowed, not nearer than
  // range_filter), so with a range_filter it reaches past the nodes the filter drops.
  if (allowed != nullptr || bounds.lo > kNoMinKey) {
    SearchLayer<false, true>(v, ep, ep_dist, 0, ef, bounds.lo, allowed, nullptr, s);
  } else {
    SearchLayer<false, false>(v, ep, ep_dist, 0, ef, kNoMinKey, nullptr, nullptr, s);
  }
  HitHeap hits(limit, bounds.lo, bounds.hi);
  std::vector<Neighbor>& frontier = s->candidates;  // heap, nearest on top
  frontier.clear();
  s->visited.Reset();
  auto reach = [&](const Neighbor& node) {
    frontier.push_back(node);
    std::push_heap(frontier.begin(), frontier.end(), Farther);
    ForEachRow(node.id, [&](uint32_t r) {
      if (allowed == nullptr || allowed->Test(r)) hits.Add(node.dist, r);
    });
  };
  for (const Neighbor& seed : s->top) {
    s->visited.TestAndSet(seed.id);
    if (seed.dist <= bounds.hi) reach(seed);
  }
  // Best-first over layer 0, never leaving the ball: a node enters only while its key is
  // within hits.Bound() (the outer bound, or the limit-th best once `limit` hits are held).
  // Nodes nearer than range_filter are expanded but not returned.
  while (!frontier.empty()) {
    Neighbor c = frontier.front();
    if (c.dist > hits.Bound()) break;
    std::pop_heap(frontier.begin(), frontier.end(), Farther);
    frontier.pop_back();
    const uint32_t* links = Links(c.id, 0);
    for (int j = 0; j < m0_ && links[j] != kNoNode; ++j) {
      uint32_t id = links[j];
      if (s->visited.TestAndSet(id)) continue;
      float d = Distance(v, Vec(id));
      if (d <= hits.Bound()) reach({d, id});  // NaN fails
    }
  }
  hits.FinishRange(spec_.metric, out);
}

Status HnswIndex::CheckQueries(const void* queries, int64_t nq, const Bitset* allowed) const {
  if (nq < 0) return InvalidArgument("HNSW search: negative query count");
  if (nq > 0 && queries == nullptr) return InvalidArgument("HNSW search: null queries");
  if (allowed != nullptr && allowed->size() != static_cast<size_t>(n_)) {
    return InvalidArgument("HNSW search: filter has " + std::to_string(allowed->size()) +
                           " bits for " + std::to_string(n_) + " rows");
  }
  return Status::Ok();
}

bool HnswIndex::ScanInstead(const Bitset* allowed, int64_t allowed_count, int64_t ef) const {
  // With a filter the walk visits about ef / (allowed fraction) nodes before it holds ef hits;
  // once that exceeds a scan of the allowed rows (which streams and batches, hence the
  // factor), scanning is cheaper and exact.
  return n_ == 0 || allowed_count == 0 ||
         (allowed != nullptr && static_cast<double>(allowed_count) * allowed_count <
                                    kScanFactor * static_cast<double>(ef) * n_);
}

void HnswIndex::ForEachQuery(int64_t nq, ThreadPool* pool,
                             const std::function<void(size_t, Scratch*)>& body) const {
  const size_t tasks = (static_cast<size_t>(nq) + kQueriesPerTask - 1) / kQueriesPerTask;
  auto task = [&](size_t t) {
    std::unique_ptr<Scratch> s = scratch_.Take();
    size_t end = std::min(static_cast<size_t>(nq), (t + 1) * kQueriesPerTask);
    for (size_t i = t * kQueriesPerTask; i < end; ++i) body(i, s.get());
    scratch_.Give(std::move(s));
  };
  if (pool != nullptr) {
    pool->ParallelFor(tasks, task);
  } else {
    for (size_t t = 0; t < tasks; ++t) task(t);
  }
}

Status HnswIndex::Search(const void* queries, int64_t nq, int64_t k,
                         const nlohmann::json& search_params, const Bitset* allowed,
                         ThreadPool* pool, std::vector<TopK>* out) const {
  if (k <= 0) return InvalidArgument("HNSW search: k must be positive");
  RETURN_IF_ERROR(CheckQueries(queries, nq, allowed));
  ASSIGN_OR_RETURN(int64_t ef,
                   IntParam(search_params, "ef", std::max(k, kDefaultEf), 1, kMaxInt32));
  ef = std::max(ef, k);
  const float* q = static_cast<const float*>(queries);
  const int64_t allowed_count = KeptRows(&allowed, n_);
  if (ScanInstead(allowed, allowed_count, ef)) {
    return SearchFloatFlat(vectors_.data(), n_, static_cast<int64_t>(dim_), q, nq, spec_.metric, k,
                           allowed, pool, out);
  }
  out->assign(static_cast<size_t>(nq), TopK{});
  // A walk that returns fewer hits than exist (a filter that cuts the graph, NaN rows) is
  // redone exactly below.
  const size_t expected = static_cast<size_t>(std::min(k, allowed_count));
  std::vector<uint8_t> redo(static_cast<size_t>(nq), 0);
  ForEachQuery(nq, pool, [&](size_t i, Scratch* s) {
    size_t found = SearchOne(q + i * dim_, k, static_cast<size_t>(ef), allowed, s, &(*out)[i]);
    redo[i] = found < expected;
  });
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

Status HnswIndex::RangeSearch(const void* queries, int64_t nq, const RangeParams& range,
                              int64_t limit, const nlohmann::json& search_params,
                              const Bitset* allowed, ThreadPool* pool,
                              std::vector<RangeHits>* out) const {
  if (limit < 1 || limit > kMaxLimit) {
    return InvalidArgument("HNSW range search: limit must be in [1, " + std::to_string(kMaxLimit) +
                           "], got " + std::to_string(limit));
  }
  RETURN_IF_ERROR(CheckQueries(queries, nq, allowed));
  RETURN_IF_ERROR(CheckRangeParams(range, spec_.metric));
  // The seed walk is a top-k walk with k = limit (ef raised to it, as in Search), so a range
  // search finds at least what a top-limit search would; the expansion then adds in-range
  // nodes the walk stopped short of.
  ASSIGN_OR_RETURN(int64_t ef,
                   IntParam(search_params, "ef", std::max(limit, kDefaultEf), 1, kMaxInt32));
  ef = std::max(ef, limit);
  const float* q = static_cast<const float*>(queries);
  const int64_t allowed_count = KeptRows(&allowed, n_);
  if (ScanInstead(allowed, allowed_count, ef)) {
    return RangeSearchFloatFlat(vectors_.data(), n_, static_cast<int64_t>(dim_), q, nq,
                                spec_.metric, range, limit, allowed, pool, out);
  }
  out->assign(static_cast<size_t>(nq), RangeHits{});
  const KeyBounds bounds = RangeKeyBounds(range, spec_.metric);
  ForEachQuery(nq, pool, [&](size_t i, Scratch* s) {
    RangeOne(q + i * dim_, bounds, limit, static_cast<size_t>(ef), allowed, s, &(*out)[i]);
  });
  return Status::Ok();
}

}  // namespace hnsw

using hnsw::HnswIndex;

Result<std::unique_ptr<VectorIndex>> BuildHnswIndex(const IndexSpec& spec, const VectorData& data,
                                                    ThreadPool* pool,
                                                    const std::atomic<bool>* cancel) {
  if (spec.metric != MetricType::kL2 && spec.metric != MetricType::kIP &&
      spec.metric != MetricType::kCosine) {
    return InvalidArgument("HNSW supports L2, IP and COSINE, not " +
                           std::string(MetricTypeName(spec.metric)));
  }
  if (data.n < 0 || data.dim <= 0) return InvalidArgument("HNSW build: bad vector shape");
  if (data.n > 0 && data.float_data == nullptr) {
    return InvalidArgument("HNSW build needs float vectors");
  }
  if (data.n >= static_cast<int64_t>(hnsw::kNoNode))
    return InvalidArgument("HNSW build: too many rows");
  ASSIGN_OR_RETURN(int64_t m, hnsw::IntParam(spec.params, "M", hnsw::kDefaultM, 2, 2048));
  ASSIGN_OR_RETURN(int64_t efc, hnsw::IntParam(spec.params, "efConstruction",
                                               hnsw::kDefaultEfConstruction, 1, hnsw::kMaxInt32));
  auto index = std::make_unique<HnswIndex>(spec, data.n, data.dim, static_cast<int>(m),
                                           static_cast<int>(efc));
  RETURN_IF_ERROR(index->Build(data.float_data, pool, cancel));
  return std::unique_ptr<VectorIndex>(std::move(index));
}

}  // namespace strata
