#include "engine/auto_flush.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace strata {
namespace {

using std::chrono::milliseconds;

// Polls `pred` for up to 10 s (the worker checks every 500 ms).
template <typename Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pred();
}

struct Recorder {
  std::mutex mu;
  std::vector<int64_t> flushed;
  std::atomic<int> failures_left{0};
  Status Flush(int64_t id) {
    if (failures_left.fetch_sub(1) > 0) return Unavailable("storage down");
    std::lock_guard lock(mu);
    flushed.push_back(id);
    return Status::Ok();
  }
  std::vector<int64_t> Get() {
    std::lock_guard lock(mu);
    return flushed;
  }
};

TEST(AutoFlushTest, ApproxBatchBytesCountsValues) {
  RowBatch batch;
  batch.num_rows = 2;
  Column id(100, DataType::kInt64), vec(101, DataType::kFloatVector, 4), s(102, DataType::kVarChar);
  id.values<int64_t>() = {1, 2};
  vec.values<float>() = {1, 2, 3, 4, 5, 6, 7, 8};
  s.values<std::string>() = {"abc", ""};
  batch.columns = {id, vec, s};
  EXPECT_EQ(ApproxBatchBytes(batch), 2 * 8 + 8 * 4 + (3 + 4) + (0 + 4));
}

TEST(AutoFlushTest, FlushesOnceTheSizeIsReachedNotBefore) {
  Recorder rec;
  AutoFlusher flusher({.seal_bytes = 1000, .max_age_ms = 0},
                      [&](int64_t id) { return rec.Flush(id); });
  flusher.Wrote(7, 600);
  std::this_thread::sleep_for(milliseconds(700));  // longer than one poll
  EXPECT_TRUE(rec.Get().empty());
  flusher.Wrote(7, 600);
  ASSERT_TRUE(Eventually([&] { return rec.Get().size() == 1; }));
  EXPECT_EQ(rec.Get()[0], 7);
  // The counter started again from zero.
  flusher.Wrote(7, 600);
  std::this_thread::sleep_for(milliseconds(700));
  EXPECT_EQ(rec.Get().size(), 1u);
}

TEST(AutoFlushTest, FlushesByAgeAndAClientFlushResetsTheClock) {
  Recorder rec;
  AutoFlusher flusher({.seal_bytes = 0, .max_age_ms = 300},
                      [&](int64_t id) { return rec.Flush(id); });
  flusher.Wrote(1, 10);
  flusher.Flushed(1);  // a client flush covered it
  std::this_thread::sleep_for(milliseconds(1200));
  EXPECT_TRUE(rec.Get().empty());
  flusher.Wrote(2, 10);
  ASSERT_TRUE(Eventually([&] { return !rec.Get().empty(); }));
  EXPECT_EQ(rec.Get(), std::vector<int64_t>{2});
}

TEST(AutoFlushTest, RetriesAFailedFlushAfterTheBackOff) {
  Recorder rec;
  rec.failures_left = 1;
  AutoFlusher flusher({.seal_bytes = 1, .max_age_ms = 0},
                      [&](int64_t id) { return rec.Flush(id); });
  flusher.Wrote(3, 5);
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_TRUE(rec.Get().empty());  // failed once, waiting out the back-off
  ASSERT_TRUE(Eventually([&] { return rec.Get().size() == 1; }));
}

TEST(AutoFlushTest, ForgottenCollectionsAreNotFlushed) {
  Recorder rec;
  AutoFlusher flusher({.seal_bytes = 0, .max_age_ms = 200},
                      [&](int64_t id) { return rec.Flush(id); });
  flusher.Wrote(4, 10);
  flusher.Forget(4);
  std::this_thread::sleep_for(milliseconds(1200));
  EXPECT_TRUE(rec.Get().empty());
}

}  // namespace
}  // namespace strata
