// strata-bench-ann: recall / QPS / latency / build-time sweep of Strata's ANN indexes against
// peer libraries on the same data, threads and run. See doc/benchmarks.md for usage and results.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "bandwidth.h"
#include "dataset.h"
#include "runner.h"

namespace strata::bench {

#ifndef STRATA_BENCH_HAVE_HNSWLIB
Result<std::unique_ptr<AnnRunner>> MakeHnswlibRunner() {
  return NotFound("strata-bench-ann was built without hnswlib (apt-get install libhnswlib-dev)");
}
#endif
#ifndef STRATA_BENCH_HAVE_FAISS
Result<std::unique_ptr<AnnRunner>> MakeFaissRunner(const std::string&) {
  return NotFound("strata-bench-ann was built without FAISS (apt-get install libfaiss-dev)");
}
#endif

namespace {

constexpr int64_t kRecallAt = 10;
constexpr double kTargetRecall = 0.95;
// The all-threads pass repeats over the queries until this long has passed: one pass of a fast
// index over a few hundred queries takes milliseconds, too short to time on a shared machine.
constexpr double kMinThreadsPassSeconds = 1.0;
const char kUsage[] =
    "usage: strata bench ann --base X.fvecs --query Y.fvecs [--gt Z.ivecs]\n"
    "  --metric L2|IP|COSINE --index HNSW --build '{\"M\":16,\"efConstruction\":200}'\n"
    "  --search '{\"ef\":[16,32,64,128]}' [--threads N] [--json FILE] [--peers hnswlib,faiss]\n"
    "  [--limit-base N] [--limit-query N] [--batch N] [--plot FILE.png]\n";

struct Options {
  std::map<std::string, std::string> values;
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
};

Result<Options> ParseArgs(int argc, char** argv) {
  static const std::set<std::string> kNames = {
      "base",    "query", "gt",    "metric",     "index",       "build", "search",
      "threads", "json",  "peers", "limit-base", "limit-query", "batch", "plot"};
  Options opts;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || !kNames.count(arg.substr(2)) || i + 1 >= argc) {
      return InvalidArgument("bad argument " + arg);
    }
    opts.values[arg.substr(2)] = argv[++i];
  }
  for (const char* required : {"base", "query", "metric"}) {
    if (!opts.values.count(required))
      return InvalidArgument(std::string("--") + required + " is required");
  }
  return opts;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// CPU seconds of the calling thread, or of the whole process: on a shared machine these
// count only the work done, not the time spent descheduled.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}
double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

double Recall(const std::vector<int64_t>& got, const std::vector<int32_t>& truth, int64_t nq) {
  int64_t hits = 0, total = 0;
  for (int64_t q = 0; q < nq; ++q) {
    std::set<int64_t> want;
    for (int64_t j = 0; j < kRecallAt; ++j) {
      if (truth[q * kRecallAt + j] >= 0) want.insert(truth[q * kRecallAt + j]);
    }
    for (int64_t j = 0; j < kRecallAt; ++j) hits += want.count(got[q * kRecallAt + j]);
    total += static_cast<int64_t>(want.size());
  }
  return total == 0 ? 1.0 : static_cast<double>(hits) / total;
}

struct Row {
  std::string library;
  nlohmann::json params;
  double recall = 0, qps_batch = 0, qps_batch_cpu = 0, qps_single = 0, p50_us = 0, p99_us = 0,
         qps_threads = 0;
};

struct LibraryResult {
  std::string library;
  double build_s = 0;
  double build_cpu_s = 0;
  int64_t bytes = 0;
  std::vector<Row> rows;
  // Best QPS among sweep points with recall >= kTargetRecall (0 when none reaches it).
  double BestQps(double Row::*field) const {
    double best = 0;
    for (const Row& r : rows) {
      if (r.recall >= kTargetRecall) best = std::max(best, r.*field);
    }
    return best;
  }
};

Status Measure(AnnRunner* runner, const Matrix& queries, const std::vector<int32_t>& truth,
               const nlohmann::json& params, int threads, int64_t batch, Row* row) {
  const int64_t nq = queries.n, k = kRecallAt;
  std::vector<int64_t> ids(static_cast<size_t>(nq * k));
  // Batch on one thread (this pass's answers give the recall).
  auto start = std::chrono::steady_clock::now();
  double cpu = ThreadCpuSeconds();
  RETURN_IF_ERROR(runner->Search(queries.values.data(), nq, k, params, 1, ids.data()));
  row->qps_batch_cpu = nq / (ThreadCpuSeconds() - cpu);
  row->qps_batch = nq / Seconds(start);
  row->recall = Recall(ids, truth, nq);
  // One query per call, one thread: the latency a single client sees.
  std::vector<double> latency(static_cast<size_t>(nq));
  start = std::chrono::steady_clock::now();
  for (int64_t q = 0; q < nq; ++q) {
    auto t0 = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(runner->Search(queries.row(q), 1, k, params, 1, ids.data()));
    latency[q] = Seconds(t0) * 1e6;
  }
  row->qps_single = nq / Seconds(start);
  std::sort(latency.begin(), latency.end());
  row->p50_us = latency[latency.size() / 2];
  row->p99_us = latency[std::min(latency.size() - 1, latency.size() * 99 / 100)];
  // On all threads, in calls of `batch` queries (all of them in one call when 0), passes over
  // the queries repeated for at least kMinThreadsPassSeconds.
  const int64_t step = batch > 0 ? std::min(batch, nq) : nq;
  int64_t done = 0;
  start = std::chrono::steady_clock::now();
  do {
    for (int64_t q0 = 0; q0 < nq; q0 += step) {
      int64_t n = std::min(step, nq - q0);
      RETURN_IF_ERROR(runner->Search(queries.row(q0), n, k, params, threads, ids.data()));
      done += n;
    }
  } while (Seconds(start) < kMinThreadsPassSeconds);
  row->qps_threads = static_cast<double>(done) / Seconds(start);
  return Status::Ok();
}

// The swept parameter: the first key of --search whose value is an array.
Result<std::vector<nlohmann::json>> SweepPoints(const nlohmann::json& search) {
  std::vector<nlohmann::json> points;
  for (auto& [key, value] : search.items()) {
    if (!value.is_array()) continue;
    for (const auto& v : value) {
      nlohmann::json p = search;
      p[key] = v;
      points.push_back(p);
    }
    return points;
  }
  return std::vector<nlohmann::json>{search};
}

void Plot(const std::string& png, const std::vector<LibraryResult>& results, int threads) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "--plot: gnuplot not installed (apt-get install gnuplot-nox)\n");
    return;
  }
  std::string data = png + ".dat";
  std::ofstream out(data);
  for (const auto& lib : results) {
    out << "# " << lib.library << "\n";
    for (const Row& r : lib.rows) out << r.recall << " " << r.qps_batch << "\n";
    out << "\n\n";
  }
  out.close();
  std::string script = "set terminal png size 900,600; set output '" + png +
                       "'; set xlabel 'recall@10'; set ylabel 'QPS (1 thread)'; set logscale y;"
                       " set key left bottom; set grid; plot ";
  for (size_t i = 0; i < results.size(); ++i) {
    script += (i ? ", " : "") + std::string("'") + data + "' index " + std::to_string(i) +
              " with linespoints title '" + results[i].library + "'";
  }
  FILE* gp = popen("gnuplot", "w");
  if (gp == nullptr) return;
  std::fputs(script.c_str(), gp);
  pclose(gp);
  std::printf("plot: %s (threads in run: %d)\n", png.c_str(), threads);
}

int Run(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  auto opts_or = ParseArgs(argc, argv);
  if (!opts_or.ok()) {
    std::fprintf(stderr, "%s\n%s", opts_or.status().ToString().c_str(), kUsage);
    return 2;
  }
  const Options& opts = *opts_or;
  nlohmann::json build, search;
  int threads = 0;
  int64_t limit_base = 0, limit_query = 0, batch = 0;
  try {
    build = nlohmann::json::parse(opts.Get("build", R"({"M":16,"efConstruction":200})"));
    search = nlohmann::json::parse(opts.Get("search", R"({"ef":[16,32,64,128,256]})"));
    threads = std::stoi(opts.Get("threads", "1"));
    limit_base = std::stoll(opts.Get("limit-base", "0"));
    limit_query = std::stoll(opts.Get("limit-query", "0"));
    batch = std::stoll(opts.Get("batch", "0"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bad option value: %s\n%s", e.what(), kUsage);
    return 2;
  }
  auto fail = [](const Status& st) {
    std::fprintf(stderr, "strata-bench-ann: %s\n", st.ToString().c_str());
    return 1;
  };
  auto metric = ParseMetricType(opts.Get("metric"));
  if (!metric.ok()) return fail(metric.status());
  auto base = ReadFvecs(opts.Get("base"), limit_base);
  if (!base.ok()) return fail(base.status());
  auto queries = ReadFvecs(opts.Get("query"), limit_query);
  if (!queries.ok()) return fail(queries.status());
  if (base->dim != queries->dim) return fail(InvalidArgument("base and query dims differ"));
  auto points = SweepPoints(search);
  if (!points.ok()) return fail(points.status());
  threads = std::max(threads, 1);
  ThreadPool gt_pool(static_cast<size_t>(std::max(threads, 2) - 1));

  std::string gt_path = opts.Get("gt");
  std::vector<int32_t> truth;
  if (gt_path.empty()) {
    gt_path = opts.Get("base") + ".gt10-" + std::string(MetricTypeName(*metric)) + "-" +
              std::to_string(base->n) + "x" + std::to_string(queries->n) + ".ivecs";
  }
  if (std::filesystem::exists(gt_path)) {
    auto gt = ReadIvecs(gt_path, queries->n, kRecallAt);
    if (!gt.ok()) return fail(gt.status());
    truth = std::move(*gt);
  } else {
    auto start = std::chrono::steady_clock::now();
    truth = ExactNeighbors(*base, *queries, *metric, kRecallAt, &gt_pool);
    std::printf("ground truth: %.1f s, cached in %s\n", Seconds(start), gt_path.c_str());
    Status st = WriteIvecs(gt_path, truth, kRecallAt);
    if (!st.ok()) return fail(st);
  }

  std::vector<std::unique_ptr<AnnRunner>> runners;
  auto strata = MakeStrataRunner(opts.Get("index", "HNSW"));
  if (!strata.ok()) return fail(strata.status());
  runners.push_back(std::move(*strata));
  std::string peers = opts.Get("peers");
  for (size_t pos = 0; pos < peers.size();) {
    size_t comma = std::min(peers.find(',', pos), peers.size());
    std::string name = peers.substr(pos, comma - pos);
    pos = comma + 1;
    if (name == "hnswlib" && opts.Get("index", "HNSW") != "HNSW")
      return fail(InvalidArgument("peer hnswlib has HNSW only; use --peers faiss for " +
                                  opts.Get("index", "HNSW")));
    auto peer = name == "hnswlib" ? MakeHnswlibRunner()
                : name == "faiss"
                    ? MakeFaissRunner(opts.Get("index", "HNSW"))
                    : Result<std::unique_ptr<AnnRunner>>(InvalidArgument("unknown peer " + name));
    if (!peer.ok()) return fail(peer.status());
    runners.push_back(std::move(*peer));
  }

  std::printf("data: %s  %lld x %lld, %lld queries, metric %s, threads %d\n",
              opts.Get("base").c_str(), static_cast<long long>(base->n),
              static_cast<long long>(base->dim), static_cast<long long>(queries->n),
              std::string(MetricTypeName(*metric)).c_str(), threads);
  std::printf("%-8s %-20s %7s %9s %9s %9s %8s %8s %9s\n", "library", "search", "recall", "QPS 1t",
              "QPS 1tCPU", "QPS 1t1q", "p50 us", "p99 us", "QPS all-t");
  std::vector<LibraryResult> results;
  for (auto& runner : runners) {
    LibraryResult lib;
    lib.library = runner->Name();
    auto start = std::chrono::steady_clock::now();
    double cpu = ProcessCpuSeconds();
    Status st = runner->Build(*base, *metric, build, threads);
    if (!st.ok()) return fail(st);
    lib.build_cpu_s = ProcessCpuSeconds() - cpu;
    lib.build_s = Seconds(start);
    lib.bytes = runner->IndexBytes();
    std::printf("%-8s build %s: %.2f s (%.2f CPU s), %.1f MiB\n", lib.library.c_str(),
                build.dump().c_str(), lib.build_s, lib.build_cpu_s, lib.bytes / 1048576.0);
    // One untimed pass first: the first search after a build ran up to 3x slower than the
    // same search repeated (GloVe IVF_FLAT, nprobe 16), which would skew whichever point the
    // sweep starts with.
    std::vector<int64_t> warm(static_cast<size_t>(queries->n * kRecallAt));
    st = runner->Search(queries->values.data(), queries->n, kRecallAt, points->front(), 1,
                        warm.data());
    if (!st.ok()) return fail(st);
    for (const auto& p : *points) {
      Row row{lib.library, p};
      st = Measure(runner.get(), *queries, truth, p, threads, batch, &row);
      if (!st.ok()) return fail(st);
      std::printf("%-8s %-20s %7.4f %9.0f %9.0f %9.0f %8.1f %8.1f %9.0f\n", lib.library.c_str(),
                  p.dump().c_str(), row.recall, row.qps_batch, row.qps_batch_cpu, row.qps_single,
                  row.p50_us, row.p99_us, row.qps_threads);
      std::fflush(stdout);
      lib.rows.push_back(row);
    }
    results.push_back(std::move(lib));
  }

  std::printf("\nbest QPS at recall@10 >= %.2f (strata / peer ratio in brackets):\n",
              kTargetRecall);
  const LibraryResult& s = results.front();
  auto ratio = [](double mine, double theirs) { return theirs > 0 ? mine / theirs : 0.0; };
  for (const auto& lib : results) {
    double b = lib.BestQps(&Row::qps_batch), c = lib.BestQps(&Row::qps_batch_cpu),
           t = lib.BestQps(&Row::qps_threads);
    std::printf(
        "%-8s QPS 1t %7.0f [%4.2fx]  QPS 1t CPU %7.0f [%4.2fx]  QPS %dt %7.0f [%4.2fx]  "
        "build %6.1f s [%4.2fx]  build CPU %6.1f s [%4.2fx]\n",
        lib.library.c_str(), b, ratio(s.BestQps(&Row::qps_batch), b), c,
        ratio(s.BestQps(&Row::qps_batch_cpu), c), threads, t,
        ratio(s.BestQps(&Row::qps_threads), t), lib.build_s, ratio(lib.build_s, s.build_s),
        lib.build_cpu_s, ratio(lib.build_cpu_s, s.build_cpu_s));
  }
  std::printf("(QPS ratios: strata / peer; build ratios: peer / strata; > 1 favours strata)\n");

  // FLAT reads every stored vector once per query: one query at a time on one thread, its scan
  // rate should approach what one thread can read at all, measured here over the same bytes.
  nlohmann::json flat_scan;
  if (opts.Get("index", "HNSW") == "FLAT") {
    const double bytes = static_cast<double>(base->values.size() * sizeof(float));
    const double bandwidth =
        ReadBandwidth(base->values.data(), base->values.size() * sizeof(float), 3);
    double best = 0;
    for (const Row& r : s.rows) best = std::max(best, bytes * r.qps_single);
    std::printf(
        "FLAT scan, one query at a time, 1 thread: %.2f GB/s = %.0f%% of the read bandwidth "
        "of one thread over the same %.0f MB (%.2f GB/s); goal >= 70%%\n",
        best / 1e9, 100 * best / bandwidth, bytes / 1e6, bandwidth / 1e9);
    flat_scan = {{"scan_bytes_per_s", best},
                 {"read_bandwidth_bytes_per_s", bandwidth},
                 {"fraction", best / bandwidth}};
  }

  if (!opts.Get("json").empty()) {
    nlohmann::json j = {{"base", opts.Get("base")},
                        {"queries", queries->n},
                        {"rows", base->n},
                        {"dim", base->dim},
                        {"metric", MetricTypeName(*metric)},
                        {"threads", threads},
                        {"batch", batch},
                        {"build", build},
                        {"libraries", nlohmann::json::array()}};
    if (!flat_scan.is_null()) j["flat_scan"] = flat_scan;
    for (const auto& lib : results) {
      nlohmann::json l = {{"library", lib.library},
                          {"build_s", lib.build_s},
                          {"index_bytes", lib.bytes},
                          {"sweep", nlohmann::json::array()}};
      for (const Row& r : lib.rows) {
        l["sweep"].push_back({{"search", r.params},
                              {"recall_at_10", r.recall},
                              {"qps_1t_batch", r.qps_batch},
                              {"qps_1t_batch_cpu", r.qps_batch_cpu},
                              {"qps_1t_single", r.qps_single},
                              {"p50_us", r.p50_us},
                              {"p99_us", r.p99_us},
                              {"qps_all_threads", r.qps_threads}});
      }
      j["libraries"].push_back(l);
    }
    std::ofstream(opts.Get("json")) << j.dump(2) << "\n";
  }
  if (!opts.Get("plot").empty()) Plot(opts.Get("plot"), results, threads);
  return 0;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) { return strata::bench::Run(argc, argv); }
