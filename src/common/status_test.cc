#include "common/status.h"

#include <gtest/gtest.h>

#include "common/result.h"

namespace strata {
namespace {

TEST(StatusTest, OkIsDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CarriesCodeMessageAndTag) {
  Status s(StatusCode::kNotFound, "collection c", ErrorTag::kCollectionNotFound);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.tag(), ErrorTag::kCollectionNotFound);
  EXPECT_EQ(s.ToString(), "NotFound: collection c");
  Status w = s.WithContext("describe");
  EXPECT_EQ(w.message(), "describe: collection c");
  EXPECT_EQ(w.tag(), ErrorTag::kCollectionNotFound);
}

TEST(StatusTest, Retriable) {
  EXPECT_TRUE(Unavailable("x").retriable());
  EXPECT_FALSE(DataLoss("x").retriable());
  EXPECT_FALSE(InvalidArgument("x").retriable());
}

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd");
}

}  // namespace
}  // namespace strata
