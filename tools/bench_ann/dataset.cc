#include "dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>

#include "index/flat_search.h"

namespace strata::bench {
namespace {

// Rows kept by the float32 scan before rescoring; far more than any rounding can reorder.
constexpr int64_t kShortlist = 100;

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Splits a *vecs file into rows of 4-byte values; checks every row has the first row's dim.
template <typename T>
Result<std::vector<T>> ReadVecs(const std::string& path, int64_t limit, int64_t* dim,
                                int64_t* rows) {
  ASSIGN_OR_RETURN(std::string bytes, ReadAll(path));
  int32_t d = 0;
  if (bytes.size() < 4) return DataLoss(path + ": empty or truncated");
  std::memcpy(&d, bytes.data(), 4);
  const size_t record = 4 + 4 * static_cast<size_t>(d);
  if (d <= 0 || bytes.size() % record != 0) return DataLoss(path + ": bad dimension or length");
  int64_t n = static_cast<int64_t>(bytes.size() / record);
  if (limit > 0) n = std::min(n, limit);
  std::vector<T> out(static_cast<size_t>(n) * d);
  for (int64_t i = 0; i < n; ++i) {
    int32_t di = 0;
    std::memcpy(&di, bytes.data() + i * record, 4);
    if (di != d) return DataLoss(path + ": rows of different dimensions");
    std::memcpy(out.data() + i * d, bytes.data() + i * record + 4, 4 * static_cast<size_t>(d));
  }
  *dim = d;
  *rows = n;
  return out;
}

double Score(const float* a, const float* b, int64_t dim, MetricType metric) {
  double l2 = 0, ip = 0, aa = 0, bb = 0;
  for (int64_t d = 0; d < dim; ++d) {
    double x = a[d], y = b[d];
    l2 += (x - y) * (x - y);
    ip += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (metric == MetricType::kL2) return l2;
  if (metric == MetricType::kIP) return -ip;
  return aa == 0 || bb == 0 ? 0.0 : -ip / std::sqrt(aa * bb);  // negated: smaller is nearer
}

}  // namespace

Result<Matrix> ReadFvecs(const std::string& path, int64_t limit) {
  Matrix m;
  ASSIGN_OR_RETURN(m.values, ReadVecs<float>(path, limit, &m.dim, &m.n));
  return m;
}

Result<std::vector<int32_t>> ReadIvecs(const std::string& path, int64_t rows, int64_t k) {
  int64_t dim = 0, n = 0;
  ASSIGN_OR_RETURN(std::vector<int32_t> all, ReadVecs<int32_t>(path, rows, &dim, &n));
  if (n < rows || dim < k) {
    return DataLoss(path + ": has " + std::to_string(n) + " x " + std::to_string(dim) +
                    " ids, need " + std::to_string(rows) + " x " + std::to_string(k));
  }
  std::vector<int32_t> out(static_cast<size_t>(rows * k));
  for (int64_t i = 0; i < rows; ++i) {
    std::copy(all.begin() + i * dim, all.begin() + i * dim + k, out.begin() + i * k);
  }
  return out;
}

Status WriteIvecs(const std::string& path, const std::vector<int32_t>& ids, int64_t k) {
  std::ofstream out(path, std::ios::binary);
  const int32_t dim = static_cast<int32_t>(k);
  for (size_t i = 0; i < ids.size(); i += k) {
    out.write(reinterpret_cast<const char*>(&dim), 4);
    out.write(reinterpret_cast<const char*>(ids.data() + i), 4 * k);
  }
  out.close();
  if (!out) return Unavailable("cannot write " + path);
  return Status::Ok();
}

std::vector<int32_t> ExactNeighbors(const Matrix& base, const Matrix& queries, MetricType metric,
                                    int64_t k, ThreadPool* pool) {
  const int64_t shortlist = std::min(base.n, std::max(kShortlist, 4 * k));
  std::vector<int32_t> out(static_cast<size_t>(queries.n * k), -1);
  if (shortlist == 0) return out;
  std::vector<TopK> approx;
  Status st = SearchFloatFlat(base.values.data(), base.n, base.dim, queries.values.data(),
                              queries.n, metric, shortlist, nullptr, pool, &approx);
  if (!st.ok()) return out;  // shapes were checked by the caller; nothing else can fail
  pool->ParallelFor(static_cast<size_t>(queries.n), [&](size_t q) {
    std::vector<std::pair<double, int64_t>> scored;
    for (int64_t id : approx[q].ids) {
      if (id >= 0) scored.push_back({Score(queries.row(q), base.row(id), base.dim, metric), id});
    }
    std::sort(scored.begin(), scored.end());
    for (int64_t j = 0; j < k && j < static_cast<int64_t>(scored.size()); ++j) {
      out[q * k + j] = static_cast<int32_t>(scored[j].second);
    }
  });
  return out;
}

}  // namespace strata::bench
