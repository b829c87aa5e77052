#include "schema/column.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(ColumnTest, FloatVectorRowsAndTake) {
  Column c(101, DataType::kFloatVector, 2);
  c.values<float>() = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(c.size(), 3);
  EXPECT_EQ(c.FloatVectorAt(1)[1], 4);
  std::vector<int64_t> rows = {2, 0};
  Column t = c.Take(rows);
  EXPECT_EQ(t.values<float>(), (std::vector<float>{5, 6, 1, 2}));
}

TEST(ColumnTest, AppendStrings) {
  Column a(100, DataType::kVarChar), b(100, DataType::kVarChar);
  a.values<std::string>() = {"x"};
  b.values<std::string>() = {"y", "z"};
  a.Append(b);
  EXPECT_EQ(a.size(), 3);
  EXPECT_EQ(a.values<std::string>()[2], "z");
}

TEST(RowBatchTest, AppendToEmptyAdoptsColumns) {
  RowBatch a, b;
  b.num_rows = 1;
  b.columns.emplace_back(100, DataType::kInt64);
  b.columns[0].values<int64_t>() = {7};
  a.Append(b);
  a.Append(b);
  EXPECT_EQ(a.num_rows, 2);
  EXPECT_EQ(a.FindColumn(100)->values<int64_t>(), (std::vector<int64_t>{7, 7}));
}

}  // namespace
}  // namespace strata
