#include "schema/column.h"

#include <cassert>

namespace strata {
namespace {

ColumnValues EmptyValuesFor(DataType type) {
  switch (type) {
    case DataType::kBool:
    case DataType::kBinaryVector:
      return std::vector<uint8_t>();
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      return std::vector<int32_t>();
    case DataType::kInt64:
      return std::vector<int64_t>();
    case DataType::kFloat:
    case DataType::kFloatVector:
      return std::vector<float>();
    case DataType::kDouble:
      return std::vector<double>();
    default:
      return std::vector<std::string>();
  }
}

}  // namespace

Column::Column(int64_t field_id, DataType type, int64_t dim, bool nullable, DataType element_type)
    : field_id_(field_id),
      type_(type),
      dim_(dim),
      nullable_(nullable),
      element_type_(element_type),
      values_(EmptyValuesFor(type)) {}

void Column::SetNullable(bool nullable) {
  nullable_ = nullable;
  validity_.assign(nullable ? size() : 0, 1);
}

int64_t Column::NullCount() const {
  int64_t n = 0;
  for (uint8_t v : validity_) n += v == 0;
  return n;
}

int64_t Column::width() const {
  if (type_ == DataType::kFloatVector) return dim_;
  if (type_ == DataType::kBinaryVector) return dim_ / 8;
  return 1;
}

int64_t Column::size() const {
  int64_t w = width();
  if (w <= 0) return 0;
  return std::visit([w](const auto& v) { return static_cast<int64_t>(v.size()) / w; }, values_);
}

std::span<const float> Column::FloatVectorAt(int64_t row) const {
  const auto& v = values<float>();
  return {v.data() + row * dim_, static_cast<size_t>(dim_)};
}

std::span<const uint8_t> Column::BinaryVectorAt(int64_t row) const {
  const auto& v = values<uint8_t>();
  int64_t w = dim_ / 8;
  return {v.data() + row * w, static_cast<size_t>(w)};
}

void Column::Append(const Column& other) {
  assert(other.type_ == type_ && other.dim_ == dim_ && other.nullable_ == nullable_ &&
         other.element_type_ == element_type_);
  std::visit(
      [&](auto& mine) {
        using V = std::decay_t<decltype(mine)>;
        const auto& theirs = std::get<V>(other.values_);
        mine.insert(mine.end(), theirs.begin(), theirs.end());
      },
      values_);
  validity_.insert(validity_.end(), other.validity_.begin(), other.validity_.end());
}

void Column::AppendRow(const Column& other, int64_t row) {
  assert(other.type_ == type_ && other.dim_ == dim_ && other.element_type_ == element_type_);
  int64_t w = width();
  std::visit(
      [&](auto& mine) {
        using V = std::decay_t<decltype(mine)>;
        const auto& theirs = std::get<V>(other.values_);
        mine.insert(mine.end(), theirs.begin() + row * w, theirs.begin() + (row + 1) * w);
      },
      values_);
  if (nullable_) validity_.push_back(other.IsNull(row) ? 0 : 1);
}

Column Column::Take(std::span<const int64_t> rows) const {
  Column out(field_id_, type_, dim_, nullable_, element_type_);
  int64_t w = width();
  std::visit(
      [&](const auto& src) {
        using V = std::decay_t<decltype(src)>;
        auto& dst = std::get<V>(out.values_);
        dst.reserve(rows.size() * w);
        for (int64_t r : rows)
          dst.insert(dst.end(), src.begin() + r * w, src.begin() + (r + 1) * w);
      },
      values_);
  if (nullable_) {
    out.validity_.reserve(rows.size());
    for (int64_t r : rows) out.validity_.push_back(validity_[r]);
  }
  return out;
}

void Column::Reserve(int64_t rows) {
  int64_t w = width();
  std::visit([&](auto& v) { v.reserve(rows * w); }, values_);
  if (nullable_) validity_.reserve(rows);
}

const Column* RowBatch::FindColumn(int64_t field_id) const {
  for (const auto& c : columns)
    if (c.field_id() == field_id) return &c;
  return nullptr;
}

Column* RowBatch::FindColumn(int64_t field_id) {
  for (auto& c : columns)
    if (c.field_id() == field_id) return &c;
  return nullptr;
}

void RowBatch::Append(const RowBatch& other) {
  if (columns.empty() && num_rows == 0) {
    *this = other;
    return;
  }
  assert(columns.size() == other.columns.size());
  for (size_t i = 0; i < columns.size(); ++i) columns[i].Append(other.columns[i]);
  num_rows += other.num_rows;
}

RowBatch RowBatch::Take(std::span<const int64_t> rows) const {
  RowBatch out;
  out.num_rows = static_cast<int64_t>(rows.size());
  out.columns.reserve(columns.size());
  for (const auto& c : columns) out.columns.push_back(c.Take(rows));
  return out;
}

}  // namespace strata
