#include "common/bitset.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace strata {

namespace {
size_t WordsFor(size_t bits) { return (bits + Bitset::kWordBits - 1) / Bitset::kWordBits; }
uint64_t Mask(size_t i) { return uint64_t{1} << (i % Bitset::kWordBits); }
}  // namespace

Bitset::Bitset(size_t size, bool value)
    : size_(size), words_(WordsFor(size), value ? ~uint64_t{0} : 0) {
  ClearTail();
}

Bitset Bitset::FromBytes(const uint8_t* mask, size_t size) {
  Bitset out(size);
  for (size_t w = 0; w < out.words_.size(); ++w) {
    size_t begin = w * kWordBits;
    size_t end = std::min(size, begin + kWordBits);
    uint64_t bits = 0;
    for (size_t i = begin; i < end; ++i) bits |= uint64_t{mask[i] != 0} << (i - begin);
    out.words_[w] = bits;
  }
  return out;
}

void Bitset::Set(size_t i) {
  assert(i < size_);
  words_[i / kWordBits] |= Mask(i);
}

void Bitset::Clear(size_t i) {
  assert(i < size_);
  words_[i / kWordBits] &= ~Mask(i);
}

void Bitset::Assign(size_t i, bool value) {
  if (value) {
    Set(i);
  } else {
    Clear(i);
  }
}

bool Bitset::Test(size_t i) const {
  assert(i < size_);
  return (words_[i / kWordBits] & Mask(i)) != 0;
}

void Bitset::SetAll() {
  for (uint64_t& w : words_) w = ~uint64_t{0};
  ClearTail();
}

void Bitset::ClearAll() {
  for (uint64_t& w : words_) w = 0;
}

size_t Bitset::Count() const {
  size_t n = 0;
  for (uint64_t w : words_) n += static_cast<size_t>(std::popcount(w));
  return n;
}

bool Bitset::Any() const {
  for (uint64_t w : words_) {
    if (w != 0) return true;
  }
  return false;
}

void Bitset::Resize(size_t size, bool value) {
  size_t old_size = size_;
  words_.resize(WordsFor(size), value ? ~uint64_t{0} : 0);
  size_ = size;
  // The old last word may be partial; its tail bits are zero and must now take `value`.
  if (value && size > old_size && old_size % kWordBits != 0) {
    words_[old_size / kWordBits] |= ~uint64_t{0} << (old_size % kWordBits);
  }
  ClearTail();
}

void Bitset::SetWord(size_t w, uint64_t bits) {
  assert(w < words_.size());
  words_[w] = bits;
  if (w + 1 == words_.size()) ClearTail();
}

Bitset& Bitset::operator&=(const Bitset& other) {
  assert(size_ == other.size_);
  for (size_t w = 0; w < words_.size(); ++w) words_[w] &= other.words_[w];
  return *this;
}

Bitset& Bitset::operator|=(const Bitset& other) {
  assert(size_ == other.size_);
  for (size_t w = 0; w < words_.size(); ++w) words_[w] |= other.words_[w];
  return *this;
}

void Bitset::Flip() {
  for (uint64_t& w : words_) w = ~w;
  ClearTail();
}

void Bitset::ClearTail() {
  if (size_ % kWordBits != 0) words_.back() &= (uint64_t{1} << (size_ % kWordBits)) - 1;
}

}  // namespace strata
