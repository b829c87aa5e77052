#include "common/bitset.h"

#include <gtest/gtest.h>

#include <vector>

namespace strata {
namespace {

std::vector<size_t> SetBits(const Bitset& b, size_t begin, size_t end) {
  std::vector<size_t> out;
  b.ForEachSetBit(begin, end, [&](size_t i) { out.push_back(i); });
  return out;
}

TEST(BitsetTest, SetClearTestCount) {
  Bitset b(130);
  EXPECT_EQ(b.size(), 130u);
  EXPECT_EQ(b.num_words(), 3u);
  EXPECT_TRUE(b.None());
  b.Set(0);
  b.Set(64);
  b.Set(129);
  EXPECT_TRUE(b.Test(0));
  EXPECT_TRUE(b.Test(64));
  EXPECT_TRUE(b.Test(129));
  EXPECT_FALSE(b.Test(1));
  EXPECT_EQ(b.Count(), 3u);
  b.Clear(64);
  EXPECT_FALSE(b.Test(64));
  b.Assign(5, true);
  EXPECT_EQ(b.Count(), 3u);
  EXPECT_TRUE(b.Any());
}

TEST(BitsetTest, ConstructAllSetKeepsTailClear) {
  Bitset b(70, true);
  EXPECT_EQ(b.Count(), 70u);
  EXPECT_EQ(b.word(1), (uint64_t{1} << 6) - 1);
  b.Flip();
  EXPECT_EQ(b.Count(), 0u);
  b.Flip();
  EXPECT_EQ(b.Count(), 70u);
  b.ClearAll();
  EXPECT_TRUE(b.None());
  b.SetAll();
  EXPECT_EQ(b.Count(), 70u);
}

TEST(BitsetTest, SetWordMasksPastSize) {
  Bitset b(70);
  b.SetWord(1, ~uint64_t{0});
  EXPECT_EQ(b.Count(), 6u);
  b.SetWord(0, 0b1010);
  EXPECT_EQ(SetBits(b, 0, 8), (std::vector<size_t>{1, 3}));
}

TEST(BitsetTest, ResizeGrowsWithValueAndShrinks) {
  Bitset b(10);
  b.Set(3);
  b.Resize(100, true);
  EXPECT_EQ(b.size(), 100u);
  EXPECT_TRUE(b.Test(3));
  EXPECT_FALSE(b.Test(4));
  EXPECT_TRUE(b.Test(10));
  EXPECT_TRUE(b.Test(99));
  EXPECT_EQ(b.Count(), 1u + 90u);
  b.Resize(12);
  EXPECT_EQ(b.Count(), 3u);  // bits 3, 10, 11
  b.Resize(200);
  EXPECT_EQ(b.Count(), 3u);
  EXPECT_FALSE(b.Test(150));
}

TEST(BitsetTest, AndOrNot) {
  Bitset a(100), b(100);
  for (size_t i = 0; i < 100; i += 2) a.Set(i);
  for (size_t i = 0; i < 100; i += 3) b.Set(i);
  Bitset both = a;
  both &= b;
  EXPECT_EQ(both.Count(), 17u);  // multiples of 6 in [0, 100)
  Bitset either = a;
  either |= b;
  EXPECT_EQ(either.Count(), 50u + 34u - 17u);
  either.Flip();
  EXPECT_EQ(either.Count(), 100u - 67u);
  EXPECT_FALSE(either.Test(0));
  EXPECT_TRUE(either.Test(1));
}

TEST(BitsetTest, ForEachSetBitRespectsRange) {
  Bitset b(200);
  for (size_t i : {0u, 63u, 64u, 65u, 127u, 128u, 199u}) b.Set(i);
  EXPECT_EQ(SetBits(b, 0, 200), (std::vector<size_t>{0, 63, 64, 65, 127, 128, 199}));
  EXPECT_EQ(SetBits(b, 1, 128), (std::vector<size_t>{63, 64, 65, 127}));
  EXPECT_EQ(SetBits(b, 64, 65), (std::vector<size_t>{64}));
  EXPECT_EQ(SetBits(b, 66, 127), (std::vector<size_t>{}));
  EXPECT_EQ(SetBits(b, 150, 1000), (std::vector<size_t>{199}));
  EXPECT_EQ(SetBits(b, 10, 10), (std::vector<size_t>{}));
}

TEST(BitsetTest, FromBytesSetsTheNonZeroPositions) {
  for (size_t size : {0, 1, 63, 64, 65, 130}) {
    std::vector<uint8_t> mask(size);
    Bitset expected(size);
    for (size_t i = 0; i < size; ++i) {
      mask[i] = static_cast<uint8_t>(i % 3 == 0 ? 0 : i % 7 + 1);
      if (mask[i] != 0) expected.Set(i);
    }
    Bitset got = Bitset::FromBytes(mask.data(), size);
    EXPECT_EQ(got, expected) << size;
    EXPECT_EQ(got.Count(), expected.Count()) << size;
  }
}

TEST(BitsetTest, Equality) {
  Bitset a(10), b(10);
  EXPECT_EQ(a, b);
  a.Set(2);
  EXPECT_NE(a, b);
  b.Set(2);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace strata
