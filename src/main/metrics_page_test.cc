#include "main/metrics_page.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace strata {
namespace {

ObjectStoreMetrics SomeMetrics() {
  ObjectStoreMetrics m;
  m.ops[static_cast<int>(ObjectOp::kPut)] = {9, 1, 4096, 0};
  m.ops[static_cast<int>(ObjectOp::kGet)] = {2, 0, 0, 100};
  m.ops[static_cast<int>(ObjectOp::kList)] = {1, 0, 0, 0};
  return m;
}

// Every line is a comment (# HELP / # TYPE) or `name{labels} value`.
void ExpectValidExposition(const std::string& text) {
  static const std::regex kSample(
      R"re([a-z_]+(\{[a-z_]+="[A-Za-z]+"(,[a-z_]+="[a-z]+")*\})? -?\d+)re");
  static const std::regex kComment(R"re(# (HELP [a-z_]+ .+|TYPE [a-z_]+ (counter|gauge)))re");
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    EXPECT_TRUE(std::regex_match(line, kSample) || std::regex_match(line, kComment)) << line;
}

TEST(MetricsPageTest, PrometheusTextWithoutCache) {
  std::string text = PrometheusText(SomeMetrics(), nullptr);
  ExpectValidExposition(text);
  EXPECT_NE(text.find("strata_object_requests_total{op=\"PUT\"} 9\n"), std::string::npos);
  EXPECT_NE(text.find("strata_object_requests_total{op=\"HEAD\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("strata_object_errors_total{op=\"PUT\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("strata_object_bytes_total{op=\"PUT\",direction=\"sent\"} 4096\n"),
            std::string::npos);
  EXPECT_NE(text.find("strata_object_bytes_total{op=\"GET\",direction=\"received\"} 100\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE strata_object_requests_total counter\n"), std::string::npos);
  EXPECT_EQ(text.find("strata_cache"), std::string::npos);
}

TEST(MetricsPageTest, PrometheusTextWithCounters) {
  const Counter counters[] = {{"strata_gc_rounds_total", "Garbage collection rounds.", 3}};
  std::string text = PrometheusText(SomeMetrics(), nullptr, counters);
  ExpectValidExposition(text);
  EXPECT_NE(text.find("# HELP strata_gc_rounds_total Garbage collection rounds.\n"
                      "# TYPE strata_gc_rounds_total counter\nstrata_gc_rounds_total 3\n"),
            std::string::npos);
}

TEST(MetricsPageTest, PrometheusTextWithCache) {
  CacheStats cache{.hits = 5, .misses = 2, .bytes = 2048, .files = 2};
  std::string text = PrometheusText(SomeMetrics(), &cache);
  ExpectValidExposition(text);
  EXPECT_NE(text.find("strata_cache_hits_total 5\n"), std::string::npos);
  EXPECT_NE(text.find("strata_cache_misses_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE strata_cache_bytes gauge\nstrata_cache_bytes 2048\n"),
            std::string::npos);
}

TEST(MetricsPageTest, SummaryLine) {
  EXPECT_EQ(SummaryLine(SomeMetrics(), nullptr),
            "object store: 12 requests (PUT 9, GET 2, HEAD 0, LIST 1, DELETE 0), 4096 bytes "
            "sent, 100 bytes received, 1 errors");
  CacheStats cache{.hits = 5, .misses = 2, .bytes = 2048, .files = 2};
  EXPECT_TRUE(SummaryLine(SomeMetrics(), &cache)
                  .ends_with("1 errors; cache: 5 hits, 2 misses, 2048 bytes in 2 files"));
}

}  // namespace
}  // namespace strata
