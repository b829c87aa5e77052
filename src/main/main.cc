// strata: the server binary. `strata serve` runs the Milvus-compatible server.
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "api/milvus_service.h"
#include "api/rest_v2.h"
#include "common/version.h"
#include "engine/engine.h"
#include "main/bench_verb.h"
#include "main/metrics_page.h"
#include "main/server_config.h"
#include "objstore/caching_store.h"
#include "objstore/metrics_store.h"
#include "objstore/object_store.h"

namespace strata {
namespace {

constexpr int kMaxMessageBytes = 512 << 20;  // Milvus clients send large insert batches.

std::vector<Counter> GarbageCounters(const GarbageTotals& gc) {
  return {
      {"strata_gc_rounds_total", "Garbage collection rounds run, skipped ones included.",
       gc.rounds},
      {"strata_gc_skipped_total", "Garbage collection rounds skipped for a flush in progress.",
       gc.skipped},
      {"strata_gc_failed_total", "Garbage collection rounds that failed.", gc.failed},
      {"strata_gc_deleted_objects_total", "Unnamed objects garbage collection deleted.",
       gc.deleted},
      {"strata_gc_deleted_bytes_total", "Bytes of the objects garbage collection deleted.",
       gc.deleted_bytes},
      {"strata_gc_aborted_uploads_total",
       "Unfinished multipart uploads garbage collection aborted.", gc.aborted_uploads},
  };
}

int Serve(const ServerConfig& config) {
  // Logs go to stderr, leaving stdout to whatever wraps the server.
  spdlog::set_default_logger(spdlog::stderr_color_mt("strata"));
  auto level = spdlog::level::from_str(config.log_level);
  spdlog::set_level(level);
  spdlog::info("strata {} (Milvus {} protocol)", kStrataVersion, kMilvusCompatVersion);

  // Signals are handled by one thread with sigwait; block them everywhere else first.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto backing = OpenObjectStore(config.storage, config.storage_options);
  if (!backing.ok()) {
    spdlog::error("cannot open storage {}: {}", config.storage, backing.status().ToString());
    return 1;
  }
  // The metrics decorator sits under the cache, so it counts what reaches the bucket.
  auto metrics_store = std::make_unique<MetricsObjectStore>(std::move(backing).value());
  MetricsObjectStore* metrics = metrics_store.get();
  std::unique_ptr<ObjectStore> store = std::move(metrics_store);
  CachingObjectStore* cache = nullptr;
  if (std::string cache_dir = EffectiveCacheDir(config); !cache_dir.empty()) {
    // The cache is an optimisation: a folder we cannot create (say the default one in a
    // read-only working directory) costs speed, not availability.
    std::error_code ec;
    std::filesystem::create_directories(cache_dir, ec);
    if (ec) {
      spdlog::warn("running without a read cache: cannot create {}: {}", cache_dir, ec.message());
    } else {
      auto cached = CachingObjectStore::Open(std::move(store),
                                             CacheOptions{cache_dir, config.cache_size, ""});
      if (!cached.ok()) {
        spdlog::error("cannot open the read cache {}: {}", cache_dir, cached.status().ToString());
        return 1;
      }
      cache = cached->get();
      store = std::move(cached).value();
    }
  }
  auto cache_stats = [cache]() -> std::optional<CacheStats> {
    if (cache == nullptr) return std::nullopt;
    return cache->Stats();
  };

  EngineOptions options;
  options.store = store.get();
  options.threads = static_cast<size_t>(config.threads);
  options.auto_flush.seal_bytes = config.seal_size_mb << 20;
  options.auto_flush.max_age_ms = config.seal_age_seconds * 1000;
  options.background.auto_compaction = config.auto_compaction;
  options.background.max_segment_bytes = config.segment_max_size_mb << 20;
  options.background.gc_interval_ms = static_cast<int64_t>(config.gc_interval_seconds * 1000);
  options.background.gc_min_age_ms = config.gc_min_age_seconds * 1000;
  auto engine = Engine::Open(options);
  if (!engine.ok()) {
    spdlog::error("cannot start on {}: {}", store->Describe(), engine.status().ToString());
    return 1;
  }

  api::MilvusService service(engine->get());
  grpc::ServerBuilder builder;
  std::string grpc_address = fmt::format("{}:{}", config.listen, config.grpc_port);
  int bound_port = 0;
  builder.AddListeningPort(grpc_address, grpc::InsecureServerCredentials(), &bound_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // Milvus SDKs ping every 10 s, idle or not (the Node SDK sets keepalive_time_ms 10000 and
  // keepalive_permit_without_calls). gRPC's server default answers pings on an idle connection
  // more often than every 5 minutes with GOAWAY "too_many_pings" after two strikes, which drops
  // every idle client's connection. Accept them as Milvus does (a minimum interval of 5 s).
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    spdlog::error("cannot listen for gRPC on {}", grpc_address);
    return 1;
  }

  httplib::Server http;
  // Shutdown waits for idle keep-alive connections to time out (httplib's default is 5 s, and
  // Node's HTTP agent keeps connections alive); health checks and scrapes lose nothing with 1 s.
  http.set_keep_alive_timeout(1);
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("OK", "text/plain");
  });
  http.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    std::optional<CacheStats> stats = cache_stats();
    res.set_content(PrometheusText(metrics->Snapshot(), stats ? &*stats : nullptr,
                                   GarbageCounters((*engine)->Garbage())),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  api::RestV2 rest(&service);
  http.Post(R"(/v2/vectordb/.*)", [&rest](const httplib::Request& req, httplib::Response& res) {
    const bool allow_int64 = req.get_header_value("Accept-Type-Allow-Int64") == "true";
    res.set_content(rest.Handle(req.path, req.body, allow_int64), "application/json");
  });
  if (!http.bind_to_port(config.listen, config.http_port)) {
    spdlog::error("cannot listen for HTTP on {}:{}", config.listen, config.http_port);
    server->Shutdown();
    return 1;
  }
  std::thread http_thread([&http] { http.listen_after_bind(); });
  spdlog::info("serving Milvus gRPC on {}, HTTP on {}:{}, storage {}", grpc_address, config.listen,
               config.http_port, store->Describe());

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("signal {}: shutting down", sig);
    http.stop();
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  });
  server->Wait();
  signal_thread.join();
  http_thread.join();
  engine->reset();
  std::optional<CacheStats> stats = cache_stats();
  spdlog::info("{}", SummaryLine(metrics->Snapshot(), stats ? &*stats : nullptr));
  spdlog::info("stopped");
  return 0;
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) {
  strata::ServerConfig config;
  CLI::App app{"Strata: a Milvus-compatible vector database whose only state is a bucket"};
  app.require_subcommand(1);
  CLI::App* serve = app.add_subcommand("serve", "Run the server");
  std::string config_file;
  serve->add_option("--config", config_file, "YAML config file (flags override it)")
      ->check(CLI::ExistingFile);
  // Flags are applied after the config file, so only options the user gave override it.
  std::string storage, listen, log_level;
  int grpc_port = 0, http_port = 0, threads = -1;
  serve->add_option("--storage", storage,
                    "Where all state lives: a folder path, file:///abs/path or s3://BUCKET/PREFIX "
                    "(default ./data)");
  serve->add_option("--listen", listen, "Address to listen on (default 127.0.0.1)");
  serve->add_option("--grpc-port", grpc_port, "Milvus gRPC port (default 19530)")
      ->check(CLI::Range(1, 65535));
  serve->add_option("--http-port", http_port, "HTTP port for /healthz and /metrics (default 9091)")
      ->check(CLI::Range(1, 65535));
  serve->add_option("--log-level", log_level, "trace|debug|info|warn|error (default info)");
  serve->add_option("--threads", threads, "Search threads; 0 = one per core (default 0)");
  std::string cache_dir;
  int64_t cache_size = -1;
  serve->add_option("--cache-dir", cache_dir,
                    "Local read cache for column and index files (default ./strata-cache for "
                    "s3:// storage, none for a local folder); safe to delete at any time");
  serve
      ->add_option("--cache-size", cache_size,
                   "Read cache size in bytes, least recently used files evicted first; 0 turns "
                   "the cache off (default 4294967296)")
      ->check(CLI::NonNegativeNumber);
  int64_t seal_size_mb = -1, seal_age_seconds = -1;
  serve
      ->add_option("--seal-size-mb", seal_size_mb,
                   "Seal growing data (write column files, truncate the WAL, build indexes) once "
                   "this many MiB are unflushed, without waiting for a Flush; 0 = never "
                   "(default 128)")
      ->check(CLI::NonNegativeNumber);
  serve
      ->add_option("--seal-age-seconds", seal_age_seconds,
                   "Also seal once the oldest unflushed write is this old; 0 = never "
                   "(default 600)")
      ->check(CLI::NonNegativeNumber);
  int64_t segment_max_size_mb = -1;
  serve
      ->add_option("--segment-max-size-mb", segment_max_size_mb,
                   "Compaction merges sealed segments smaller than half this into segments of "
                   "at most this many MiB (default 1024)")
      ->check(CLI::PositiveNumber);
  std::string auto_compaction;
  serve
      ->add_option("--auto-compaction", auto_compaction,
                   "Compact after flushes without a ManualCompaction request (default true)")
      ->check(CLI::IsMember({"true", "false"}));
  double gc_interval_seconds = -1;
  int64_t gc_min_age_seconds = -1;
  serve
      ->add_option("--gc-interval-seconds", gc_interval_seconds,
                   "Delete objects under the storage root that no manifest names (crash "
                   "leftovers) this often; 0 = never (default 3600)")
      ->check(CLI::NonNegativeNumber);
  serve
      ->add_option("--gc-min-age-seconds", gc_min_age_seconds,
                   "Garbage collection keeps unnamed objects younger than this (default 3600)")
      ->check(CLI::NonNegativeNumber);
  strata::StorageOptions s3;
  bool virtual_host = false, insecure = false, create_bucket = false;
  serve->add_option("--s3-endpoint", s3.s3_endpoint,
                    "S3 endpoint for s3:// storage, e.g. http://127.0.0.1:31949 (CORTX/Ceph RGW)");
  serve->add_option("--s3-region", s3.s3_region, "S3 region (default us-east-1)");
  serve->add_flag("--s3-virtual-host", virtual_host,
                  "Virtual-hosted addressing (bucket.host) instead of path style");
  serve->add_option("--s3-ca", s3.s3_ca_file, "CA bundle for an https endpoint")
      ->check(CLI::ExistingFile);
  serve->add_flag("--s3-insecure", insecure, "Do not verify the endpoint's TLS certificate");
  serve->add_flag("--s3-create-bucket", create_bucket, "Create the bucket if it does not exist");
  double retry_seconds = -1;
  serve
      ->add_option("--s3-retry-seconds", retry_seconds,
                   "How long one S3 operation retries 5xx/throttling/connection errors before "
                   "the client gets a retriable error (default 30)")
      ->check(CLI::Range(0.0, 3600.0));
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks against peer libraries");
  bench->require_subcommand(1);
  CLI::App* bench_ann =
      bench->add_subcommand("ann",
                            "ANN indexes vs hnswlib and FAISS (`strata bench ann` alone "
                            "prints its options; doc/benchmarks.md)");
  // Everything after `ann` belongs to the tool, --help included.
  bench_ann->prefix_command();
  bench_ann->set_help_flag();
  CLI::App* bench_s3 = bench->add_subcommand(
      "s3", "Strata's S3 client on one object, as bench/s3/run uses it (doc/benchmarks.md)");
  bench_s3->prefix_command();
  bench_s3->set_help_flag();
  CLI11_PARSE(app, argc, argv);
  if (bench_ann->parsed()) return strata::ExecBenchTool("ann", bench_ann->remaining());
  if (bench_s3->parsed()) return strata::ExecBenchTool("s3", bench_s3->remaining());

  if (!config_file.empty()) {
    strata::Status st = strata::LoadConfigFile(config_file, &config);
    if (!st.ok()) {
      fprintf(stderr, "%s\n", st.ToString().c_str());
      return 2;
    }
  }
  if (!storage.empty()) config.storage = storage;
  if (!listen.empty()) config.listen = listen;
  if (!log_level.empty()) config.log_level = log_level;
  if (grpc_port) config.grpc_port = grpc_port;
  if (http_port) config.http_port = http_port;
  if (threads >= 0) config.threads = threads;
  if (!cache_dir.empty()) config.cache_dir = cache_dir;
  if (cache_size >= 0) config.cache_size = cache_size;
  if (seal_size_mb >= 0) config.seal_size_mb = seal_size_mb;
  if (seal_age_seconds >= 0) config.seal_age_seconds = seal_age_seconds;
  if (segment_max_size_mb > 0) config.segment_max_size_mb = segment_max_size_mb;
  if (!auto_compaction.empty()) config.auto_compaction = auto_compaction == "true";
  if (gc_interval_seconds >= 0) config.gc_interval_seconds = gc_interval_seconds;
  if (gc_min_age_seconds >= 0) config.gc_min_age_seconds = gc_min_age_seconds;
  // Credentials come from the config file or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
  // AWS_SESSION_TOKEN, never from flags (they would show in `ps`).
  strata::StorageOptions& so = config.storage_options;
  if (!s3.s3_endpoint.empty()) so.s3_endpoint = s3.s3_endpoint;
  if (!s3.s3_region.empty()) so.s3_region = s3.s3_region;
  if (!s3.s3_ca_file.empty()) so.s3_ca_file = s3.s3_ca_file;
  so.s3_virtual_host = so.s3_virtual_host || virtual_host;
  so.s3_insecure = so.s3_insecure || insecure;
  so.s3_create_bucket = so.s3_create_bucket || create_bucket;
  if (retry_seconds >= 0) so.s3_retry_budget_seconds = retry_seconds;
  return strata::Serve(config);
}
