// Bitset: a fixed-size, resizable set of bits packed into 64-bit words. Search uses it as a
// row filter (bit set = row allowed); the filter language evaluates into it word by word.
//
// Invariant: bits at positions >= size() in the last word are always zero, so Count() and
// word-level readers never see stray bits. SetWord() keeps the invariant by masking.
// Thread safety: const methods may run concurrently; mutation needs external synchronisation.
// Index arguments must be < size() and binary operations need equal sizes (checked by assert:
// a violation is a caller bug, not bad input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata {

class Bitset {
 public:
  static constexpr size_t kWordBits = 64;

  Bitset() = default;
  explicit Bitset(size_t size, bool value = false);
  // Bit i set where mask[i] != 0, for i in [0, size); packed a word at a time.
  static Bitset FromBytes(const uint8_t* mask, size_t size);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  void Set(size_t i);
  void Clear(size_t i);
  void Assign(size_t i, bool value);
  bool Test(size_t i) const;

  void SetAll();
  void ClearAll();
  // Number of set bits.
  size_t Count() const;
  bool Any() const;
  bool None() const { return !Any(); }

  // Changes the size; new bits (when growing) take `value`, the rest keep theirs.
  void Resize(size_t size, bool value = false);

  // Word access: word w holds bits [64w, 64w + 64), bit i at (1 << (i % 64)).
  size_t num_words() const { return words_.size(); }
  uint64_t word(size_t w) const { return words_[w]; }
  const uint64_t* data() const { return words_.data(); }
  // Replaces word w; bits past size() are dropped.
  void SetWord(size_t w, uint64_t bits);

  // In-place set operations; `other` must have the same size.
  Bitset& operator&=(const Bitset& other);
  Bitset& operator|=(const Bitset& other);
  // Flips every bit (NOT in place).
  void Flip();

  bool operator==(const Bitset& other) const = default;

  // Calls f(i) for each set bit i in [begin, end), in increasing order.
  template <typename F>
  void ForEachSetBit(size_t begin, size_t end, F&& f) const {
    if (end > size_) end = size_;
    if (begin >= end) return;
    size_t first = begin / kWordBits;
    size_t last = (end - 1) / kWordBits;
    for (size_t w = first; w <= last; ++w) {
      uint64_t bits = words_[w];
      if (w == first) bits &= ~uint64_t{0} << (begin % kWordBits);
      if (w == last && end % kWordBits != 0) bits &= (uint64_t{1} << (end % kWordBits)) - 1;
      while (bits != 0) {
        f(w * kWordBits + static_cast<size_t>(__builtin_ctzll(bits)));
        bits &= bits - 1;
      }
    }
  }

 private:
  // Zeroes the bits past size_ in the last word.
  void ClearTail();

  size_t size_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace strata
