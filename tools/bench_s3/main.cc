// strata-bench-s3: one upload or one download of an object through Strata's own S3 client
// (S3ObjectStore, the code the server uses), timed, for bench/s3/run to compare with awscli.
//
//   strata-bench-s3 put KEY FILE          Put(KEY, bytes of FILE): multipart over part size
//   strata-bench-s3 get KEY [SHA256HEX]   Get(KEY) into memory; with SHA256HEX, exit 1 unless
//                                          the bytes hash to it
//
// The endpoint, bucket and keys come from the variables scripts/start-s3 exports
// (S3_ENDPOINT, S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION);
// STRATA_BENCH_PART_MIB and STRATA_BENCH_PARALLEL override S3Options' part size and
// parallelism. Prints one JSON line: the transfer time alone (open_s is the bucket check and
// conditional-put probe of S3ObjectStore::Open, not part of it), the process CPU time, the
// SHA-256 of the bytes and the HTTP requests the store sent.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "objstore/s3/s3_store.h"
#include "objstore/s3/sigv4.h"

namespace strata::bench {
namespace {

const char kUsage[] =
    "usage: strata-bench-s3 put KEY FILE | get KEY [SHA256HEX]\n"
    "  (S3_ENDPOINT, S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from scripts/start-s3)\n";

std::string Env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr && v[0] != '\0' ? v : fallback;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

Result<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) return NotFound("cannot open " + path);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size)))
    return Internal("cannot read " + path);
  return bytes;
}

Result<S3Options> OptionsFromEnv() {
  S3Options options;
  options.endpoint = Env("S3_ENDPOINT");
  options.bucket = Env("S3_BUCKET");
  options.region = Env("AWS_DEFAULT_REGION", "us-east-1");
  options.access_key = Env("AWS_ACCESS_KEY_ID");
  options.secret_key = Env("AWS_SECRET_ACCESS_KEY");
  if (!Env("STRATA_BENCH_PART_MIB").empty())
    options.part_size = std::atoll(Env("STRATA_BENCH_PART_MIB").c_str()) << 20;
  if (!Env("STRATA_BENCH_PARALLEL").empty())
    options.parallel_parts = std::atoi(Env("STRATA_BENCH_PARALLEL").c_str());
  if (options.endpoint.empty() || options.bucket.empty())
    return InvalidArgument("set S3_ENDPOINT and S3_BUCKET (eval \"$(scripts/start-s3)\")");
  return options;
}

int Run(int argc, char** argv) {
  std::string op = argc > 1 ? argv[1] : "";
  bool put = op == "put" && argc == 4;
  bool get = op == "get" && (argc == 3 || argc == 4);
  if (!put && !get) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string key = argv[2];
  Result<S3Options> options = OptionsFromEnv();
  if (!options.ok()) {
    std::fprintf(stderr, "strata-bench-s3: %s\n", options.status().ToString().c_str());
    return 2;
  }
  std::string bytes;
  if (put) {
    Result<std::string> file = ReadFile(argv[3]);
    if (!file.ok()) {
      std::fprintf(stderr, "strata-bench-s3: %s\n", file.status().ToString().c_str());
      return 2;
    }
    bytes = std::move(file).value();
  }

  auto open_start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<S3ObjectStore>> store = S3ObjectStore::Open(*options);
  if (!store.ok()) {
    std::fprintf(stderr, "strata-bench-s3: %s\n", store.status().ToString().c_str());
    return 1;
  }
  double open_s = Seconds(open_start);
  S3Stats before = (*store)->Stats();
  double cpu_start = ProcessCpuSeconds();
  auto start = std::chrono::steady_clock::now();
  if (put) {
    Status st = (*store)->Put(key, bytes);
    if (!st.ok()) {
      std::fprintf(stderr, "strata-bench-s3: put %s: %s\n", key.c_str(), st.ToString().c_str());
      return 1;
    }
  } else {
    Result<std::string> got = (*store)->Get(key);
    if (!got.ok()) {
      std::fprintf(stderr, "strata-bench-s3: get %s: %s\n", key.c_str(),
                   got.status().ToString().c_str());
      return 1;
    }
    bytes = std::move(got).value();
  }
  double seconds = Seconds(start);
  double cpu = ProcessCpuSeconds() - cpu_start;
  S3Stats after = (*store)->Stats();
  // Hashed after the clock stops: the checksum proves what moved, it is not part of moving it.
  std::string sha = s3::Sha256Hex(bytes);
  if (get && argc == 4 && sha != argv[3]) {
    std::fprintf(stderr, "strata-bench-s3: get %s: SHA-256 %s, expected %s\n", key.c_str(),
                 sha.c_str(), argv[3]);
    return 1;
  }
  double mib = static_cast<double>(bytes.size()) / (1 << 20);
  std::printf(
      "{\"client\":\"strata\",\"op\":\"%s\",\"key\":\"%s\",\"bytes\":%zu,\"open_s\":%.4f,"
      "\"seconds\":%.4f,\"mib_s\":%.1f,\"cpu_s\":%.3f,\"sha256\":\"%s\",\"put_requests\":%lld,"
      "\"get_requests\":%lld,\"retries\":%lld}\n",
      op.c_str(), key.c_str(), bytes.size(), open_s, seconds, mib / seconds, cpu, sha.c_str(),
      static_cast<long long>(after.put.requests - before.put.requests),
      static_cast<long long>(after.get.requests - before.get.requests),
      static_cast<long long>(after.retries - before.retries));
  return 0;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) { return strata::bench::Run(argc, argv); }
