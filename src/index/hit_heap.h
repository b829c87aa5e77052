// HitHeap: the collector behind every top-k and range search in this folder. It keeps the k
// closest hits offered to it, optionally only those whose key lies in [lo, hi].
//
// Keys: lower is closer; similarities (IP, COSINE) are negated (exact in floating point, so
// scores convert back exactly). Ties go to the lower id; NaN keys never enter. One heap per
// query and thread: not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "index/flat_search.h"
#include "index/metric.h"

namespace strata {

struct Hit {
  float key;
  int64_t id;
};

inline bool CloserHit(const Hit& a, const Hit& b) {
  return a.key < b.key || (a.key == b.key && a.id < b.id);
}

class HitHeap {
 public:
  // Keeps at most k (>= 1) hits with lo <= key <= hi.
  explicit HitHeap(int64_t k, float lo = -std::numeric_limits<float>::infinity(),
                   float hi = std::numeric_limits<float>::infinity())
      : k_(static_cast<size_t>(k)), lo_(lo), hi_(hi) {}

  // Keys above this can never enter (those equal to it still may, with a lower id): hi, or
  // the k-th best key once k hits are held.
  float Bound() const { return heap_.size() == k_ ? std::min(heap_.front().key, hi_) : hi_; }

  void Add(float key, int64_t id) {
    // One test rejects NaN and both range bounds.
    if (!(key >= lo_ && key <= hi_)) return;
    Hit hit{key, id};
    if (heap_.size() == k_) {
      if (!CloserHit(hit, heap_.front())) return;
      std::pop_heap(heap_.begin(), heap_.end(), CloserHit);
      heap_.back() = hit;
      std::push_heap(heap_.begin(), heap_.end(), CloserHit);
    } else {
      heap_.push_back(hit);
      std::push_heap(heap_.begin(), heap_.end(), CloserHit);
    }
  }

  // Offers every hit of `other` (same k and range), leaving it empty.
  void Merge(HitHeap&& other) {
    if (heap_.empty()) {
      heap_.swap(other.heap_);
      return;
    }
    for (const Hit& h : other.heap_) Add(h.key, h.id);
    other.heap_.clear();
  }

  size_t size() const { return heap_.size(); }
  void Clear() { heap_.clear(); }

  // The hits held, best first; the heap is left empty.
  std::vector<Hit> TakeSorted() {
    std::sort_heap(heap_.begin(), heap_.end(), CloserHit);
    std::vector<Hit> out;
    out.swap(heap_);
    return out;
  }

  // TakeSorted() as a TopK of k entries, padded as flat_search.h describes.
  void FinishTopK(MetricType metric, TopK* out) {
    bool higher = HigherIsCloser(metric);
    out->k = static_cast<int64_t>(k_);
    out->ids.assign(k_, -1);
    out->scores.assign(k_, higher ? -std::numeric_limits<float>::infinity()
                                  : std::numeric_limits<float>::infinity());
    std::vector<Hit> hits = TakeSorted();
    for (size_t i = 0; i < hits.size(); ++i) {
      out->ids[i] = hits[i].id;
      out->scores[i] = higher ? -hits[i].key : hits[i].key;
    }
  }

  // TakeSorted() as RangeHits (no padding).
  void FinishRange(MetricType metric, RangeHits* out) {
    bool higher = HigherIsCloser(metric);
    std::vector<Hit> hits = TakeSorted();
    out->ids.resize(hits.size());
    out->scores.resize(hits.size());
    for (size_t i = 0; i < hits.size(); ++i) {
      out->ids[i] = hits[i].id;
      out->scores[i] = higher ? -hits[i].key : hits[i].key;
    }
  }

 private:
  size_t k_;
  float lo_;
  float hi_;
  std::vector<Hit> heap_;
};

}  // namespace strata
