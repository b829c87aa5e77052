#include <cstring>

#include "index/hnsw_graph.h"
#include "index/hnsw_index.h"

namespace strata {
namespace hnsw {

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
  AppendArray(next_copy_, out);
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
  next_copy_.assign(n, kNoNode);
  if (h.version != kVersionWithoutCopies) take(&next_copy_, n);
  // Copy chains climb (so they cannot cycle), each row is in at most one, and a copy holds
  // its node's vector, sits on level 0 with no links and is never linked to.
  std::vector<uint8_t> is_copy(n, 0);
  for (size_t i = 0; i < n; ++i) {
    uint32_t r = next_copy_[i];
    if (r == kNoNode) continue;
    if (r <= i || r >= n || is_copy[r])
      return corrupt("bad copy chain at row " + std::to_string(i));
    if (std::memcmp(Vec(static_cast<uint32_t>(i)), Vec(r), dim_ * sizeof(float)) != 0) {
      return corrupt("copy chain joins different vectors at row " + std::to_string(i));
    }
    is_copy[r] = 1;
  }
  if (n == 0) {
    if (entry_ != kNoNode || max_level_ != -1) return corrupt("entry point in an empty index");
    return Status::Ok();
  }
  if (entry_ >= n || levels_[entry_] != max_level_ || is_copy[entry_]) {
    return corrupt("bad entry point");
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (is_copy[i] && (levels_[i] != 0 || Links(i, 0)[0] != kNoNode)) {
      return corrupt("copy row " + std::to_string(i) + " has links");
    }
    for (int lc = 0; lc <= levels_[i]; ++lc) {
      const uint32_t* links = Links(i, lc);
      bool ended = false;
      for (int j = 0; j < Slots(lc); ++j) {
        uint32_t id = links[j];
        if (id == kNoNode) {
          ended = true;
        } else if (ended || id >= n || id == i || levels_[id] < lc || is_copy[id]) {
          return corrupt("bad neighbour of node " + std::to_string(i));
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace hnsw

using hnsw::Header;
using hnsw::HnswIndex;
using hnsw::kMagic;
using hnsw::kMaxInt32;
using hnsw::kMaxLevel;
using hnsw::kNoNode;
using hnsw::kVersion;
using hnsw::kVersionWithoutCopies;

Result<std::unique_ptr<VectorIndex>> LoadHnswIndex(const IndexSpec& spec, std::string_view payload,
                                                   std::string_view object_name) {
  auto corrupt = [&](const std::string& what) {
    return DataLoss("HNSW index " + std::string(object_name) + ": " + what);
  };
  Header h;
  if (payload.size() < sizeof(h)) return corrupt("truncated header");
  std::memcpy(&h, payload.data(), sizeof(h));
  if (h.magic != kMagic) return corrupt("bad magic");
  if (h.version != kVersion && h.version != kVersionWithoutCopies) {
    return corrupt("unknown version " + std::to_string(h.version));
  }
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
  uint64_t rest = room - h.n * per_node - h.n * h.dim * sizeof(float);
  if (h.version != kVersionWithoutCopies) {
    if (rest < h.n * sizeof(uint32_t)) return corrupt("payload shorter than its copy chains");
    rest -= h.n * sizeof(uint32_t);
  }
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
