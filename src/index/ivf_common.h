// Internal to the IVF indexes (ivf_*.cc): parameters, the payload header, the inverted lists, the
// bounded top-k heap and IvfIndexBase, which runs the search loop that every IVF type shares (probe
// choice, filter fallback, parallelism over queries) and leaves the scanning of one list to the
// type.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/byte_io.h"
#include "index/hit_heap.h"
#include "index/vector_index.h"

namespace strata::ivf {

// Milvus's ranges and defaults.
constexpr int64_t kMaxNlist = 65536;
constexpr int64_t kDefaultNlist = 128;
constexpr int64_t kDefaultNprobe = 8;
constexpr int64_t kDefaultNbits = 8;
constexpr int64_t kMaxDim = 32768;
constexpr int64_t kMaxK = 16384;
// Fewer training rows per list than this gives poor lists (FAISS warns below 39), so a small
// segment gets fewer lists: nlist_effective = max(1, min(nlist, n / kMinRowsPerList)).
constexpr int64_t kMinRowsPerList = 39;
// Row ids are stored as uint32.
constexpr int64_t kMaxRows = int64_t{1} << 31;

// Payload header constants (see doc/indexes.md).
constexpr uint32_t kIvfMagic = 0x46564953;  // "SIVF" little-endian
// Version 2 stores IVF_SQ8's per-list ranges as bfloat16; every other type's layout is the same
// in both versions, and version 1 payloads still load.
constexpr uint32_t kIvfVersion = 2;
enum class IvfType : uint8_t { kFlat = 1, kSq8 = 2, kPq = 3, kBinFlat = 4 };

Result<IvfType> ParseIvfType(std::string_view index_type);
std::string_view IvfTypeName(IvfType type);

// An integer parameter (a JSON number or a numeric string, as Milvus clients send both):
// `fallback` when absent, InvalidArgument when malformed or outside [lo, hi].
Result<int64_t> IntParam(const nlohmann::json& params, const char* name, int64_t fallback,
                         int64_t lo, int64_t hi);

int64_t EffectiveNlist(int64_t nlist, int64_t n);

// The fixed part of every IVF payload.
struct IvfHeader {
  IvfType type = IvfType::kFlat;
  MetricType metric = MetricType::kL2;
  int64_t dim = 0;  // floats, or bits for binary
  int64_t n = 0;
  int64_t nlist = 0;  // effective
  // What a built index writes; a loaded one keeps (and rewrites) its payload's version.
  uint32_t version = kIvfVersion;
};
void WriteHeader(const IvfHeader& header, ByteWriter* w);
// Checks magic, version, enum values and ranges.
Status ReadHeader(ByteReader* r, IvfHeader* header);

// Rows grouped by list: list l holds positions [offsets[l], offsets[l + 1]) of `ids` (and of
// the type's code array, which is kept in the same order).
struct InvertedLists {
  std::vector<uint64_t> offsets;
  std::vector<uint32_t> ids;

  int64_t nlist() const { return static_cast<int64_t>(offsets.size()) - 1; }
  int64_t ListSize(int64_t l) const {
    return static_cast<int64_t>(offsets[static_cast<size_t>(l) + 1] -
                                offsets[static_cast<size_t>(l)]);
  }
  // Groups rows 0..n-1 by label (each in [0, nlist)), keeping row order inside a list.
  void Build(const int32_t* labels, int64_t n, int64_t nlist);
  int64_t MemoryBytes() const {
    return static_cast<int64_t>(offsets.size() * sizeof(uint64_t) + ids.size() * sizeof(uint32_t));
  }
  void Write(ByteWriter* w) const;
  // Reads nlist + 1 offsets and n ids; checks that offsets climb from 0 to n and the ids are
  // a permutation of 0..n-1.
  Status Read(ByteReader* r, int64_t nlist, int64_t n);
};

// The positions in [begin, end) of `lists` whose row id `allowed` keeps, into *out (cleared
// first).
void AllowedPositions(const InvertedLists& lists, uint64_t begin, uint64_t end,
                      const Bitset& allowed, std::vector<uint64_t>* out);

// How many kept rows ahead a filtered scan prefetches.
inline constexpr size_t kPrefetchAhead = 4;

// The list walk every IVF type shares: calls offer(pos) for each position of list `l` whose row
// `allowed` (nullable) keeps, and returns how many it offered. Unfiltered, the list is walked in
// order. Filtered, the kept positions are collected first (into *scratch) so that the row of the
// position kPrefetchAhead further on — `row_bytes` at rows + pos * row_bytes, the type's codes
// in list order — is prefetched while the current one is scored: a selective filter leaves kept
// rows far apart, where the hardware prefetcher does not follow and every row would wait on
// memory.
template <typename Offer>
int64_t ScanListPositions(const InvertedLists& lists, int64_t l, const Bitset* allowed,
                          const uint8_t* rows, size_t row_bytes, std::vector<uint64_t>* scratch,
                          Offer&& offer) {
  uint64_t begin = lists.offsets[static_cast<size_t>(l)];
  uint64_t end = lists.offsets[static_cast<size_t>(l) + 1];
  if (allowed == nullptr) {
    for (uint64_t pos = begin; pos < end; ++pos) offer(pos);
    return static_cast<int64_t>(end - begin);
  }
  AllowedPositions(lists, begin, end, *allowed, scratch);
  const std::vector<uint64_t>& kept = *scratch;
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i + kPrefetchAhead < kept.size()) {
      const uint8_t* ahead = rows + kept[i + kPrefetchAhead] * row_bytes;
      for (size_t off = 0; off < row_bytes; off += 64) __builtin_prefetch(ahead + off);
    }
    offer(kept[i]);
  }
  return static_cast<int64_t>(kept.size());
}

// Copies each row of `rows` (width values) into list order: row lists.ids[pos] goes to
// position pos, so a list's rows are contiguous for its scan.
template <typename T>
std::vector<T> RowsInListOrder(const InvertedLists& lists, const T* rows, int64_t width) {
  std::vector<T> out(lists.ids.size() * static_cast<size_t>(width));
  for (size_t pos = 0; pos < lists.ids.size(); ++pos)
    std::copy_n(rows + int64_t{lists.ids[pos]} * width, width,
                out.begin() + static_cast<int64_t>(pos) * width);
  return out;
}

// Scans lists for one query.
class ListScanner {
 public:
  virtual ~ListScanner() = default;
  // Offers every allowed row of list `l` to `heap`; returns how many allowed rows it saw.
  virtual int64_t Scan(int64_t l, const Bitset* allowed, HitHeap* heap) = 0;
};

// The search loop shared by the IVF types. Subclasses fill header_ and lists_ and provide the
// probe order and a scanner; Search() and RangeSearch() validate their inputs, normalise
// COSINE queries, and for each query scan the nprobe nearest lists, or every list when the
// filter leaves too few rows there (see doc/indexes.md). Thread-safe once built.
class IvfIndexBase : public VectorIndex {
 public:
  const IndexSpec& spec() const override { return spec_; }
  int64_t size() const override { return header_.n; }
  int64_t dim() const override { return header_.dim; }
  Status Search(const void* queries, int64_t nq, int64_t k, const nlohmann::json& search_params,
                const Bitset* allowed, ThreadPool* pool, std::vector<TopK>* out) const override;
  Status RangeSearch(const void* queries, int64_t nq, const RangeParams& range, int64_t limit,
                     const nlohmann::json& search_params, const Bitset* allowed, ThreadPool* pool,
                     std::vector<RangeHits>* out) const override;
  // The header, then the type's own arrays (WriteBody).
  Status Serialize(std::string* out) const final;

 protected:
  bool binary() const { return header_.type == IvfType::kBinFlat; }
  // Bytes per query row.
  int64_t QueryBytes() const { return binary() ? header_.dim / 8 : header_.dim * 4; }
  // The `nprobe` lists to scan for each query (nq * nprobe list numbers).
  virtual void Probe(const void* queries, int64_t nq, int64_t nprobe, ThreadPool* pool,
                     std::vector<int32_t>* lists) const = 0;
  virtual std::unique_ptr<ListScanner> NewScanner(const void* query) const = 0;
  // What follows the header in the payload; the type's loader reads it back.
  virtual void WriteBody(ByteWriter* w) const = 0;

  IndexSpec spec_;
  IvfHeader header_;
  InvertedLists lists_;

 private:
  // The loop behind both searches: the best k hits with keys in `bounds` per query, handed to
  // finish(q, heap). `want` allowed rows in the probed lists are enough; fewer scan every list.
  Status Scan(const void* queries, int64_t nq, int64_t k, int64_t want, KeyBounds bounds,
              const nlohmann::json& search_params, const Bitset* allowed, ThreadPool* pool,
              const std::function<void(int64_t, HitHeap*)>& finish) const;
};

// The coarse quantizer of the float types (IVF_FLAT, IVF_SQ8, IVF_PQ): k-means centroids,
// spherical for IP and COSINE, with rows assigned to the nearest (L2) or the largest inner
// product (IP, COSINE) centroid, and queries probing the same way.
class FloatIvfBase : public IvfIndexBase {
 protected:
  bool inner_product() const { return header_.metric != MetricType::kL2; }
  // Trains header_.nlist centroids over `rows` (unit length already for COSINE), fills lists_
  // and returns each row's list in *labels.
  // Cancelled once `*cancel` (nullable) is true.
  Status TrainLists(const float* rows, ThreadPool* pool, const std::atomic<bool>* cancel,
                    std::vector<int32_t>* labels);
  void Probe(const void* queries, int64_t nq, int64_t nprobe, ThreadPool* pool,
             std::vector<int32_t>* lists) const override;
  const float* Centroid(int64_t l) const { return centroids_.data() + l * header_.dim; }

  std::vector<float> centroids_;  // nlist x dim
};

// Per-type builders and loaders behind BuildIvfIndex / LoadIvfIndex (ivf_index.h). Builders
// get validated inputs with header fields set (nlist already effective); float rows are unit
// length for COSINE. Loaders read what follows the header and check every size.
Result<std::unique_ptr<VectorIndex>> BuildIvfFlatOrSq8(const IndexSpec& spec,
                                                       const IvfHeader& header, const float* rows,
                                                       ThreadPool* pool,
                                                       const std::atomic<bool>* cancel);
Result<std::unique_ptr<VectorIndex>> LoadIvfFlatOrSq8(const IndexSpec& spec,
                                                      const IvfHeader& header, ByteReader* r);
Result<std::unique_ptr<VectorIndex>> BuildIvfPq(const IndexSpec& spec, const IvfHeader& header,
                                                const float* rows, int64_t m, int64_t nbits,
                                                ThreadPool* pool, const std::atomic<bool>* cancel);
Result<std::unique_ptr<VectorIndex>> LoadIvfPq(const IndexSpec& spec, const IvfHeader& header,
                                               ByteReader* r);
Result<std::unique_ptr<VectorIndex>> BuildBinIvf(const IndexSpec& spec, const IvfHeader& header,
                                                 const uint8_t* rows, ThreadPool* pool,
                                                 const std::atomic<bool>* cancel);
Result<std::unique_ptr<VectorIndex>> LoadBinIvf(const IndexSpec& spec, const IvfHeader& header,
                                                ByteReader* r);

// Runs body(i) for i in [0, n) on the pool (nullable) and the caller.
void ParallelRange(ThreadPool* pool, int64_t n, const std::function<void(int64_t)>& body);

// Runs assign(first, count) over rows [0, n) in chunks of `chunk` rows, checking `*cancel`
// (nullable) before each: Cancelled, naming `what`, once it is true. For the one pass that
// puts every row in a list, which takes seconds on a large segment.
Status AssignInChunks(int64_t n, int64_t chunk, const std::atomic<bool>* cancel,
                      std::string_view what,
                      const std::function<void(int64_t first, int64_t count)>& assign);
inline constexpr int64_t kAssignChunk = 1 << 16;

}  // namespace strata::ivf
