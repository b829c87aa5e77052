// Sealed segment objects: the column file (one field's values for one segment) and the
// segment stats object (row count, primary-key range, timestamp range). Both are wrapped in
// the envelope (format/envelope.h); see doc/formats.md "Column file" and "Stats".
//
// Thread-safe (pure functions). Decoders take untrusted bytes and return DataLoss naming
// `object_name` on any inconsistency; they never crash and never allocate more than the
// input justifies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "schema/column.h"

namespace strata {

// Version 2 added nullable columns (a validity bitmap, format/batch_codec.h); version 3 added
// Array columns (type 22 with an element type). Versions 1 and 2 are the same layout without
// those and still load.
inline constexpr uint16_t kColumnFileVersion = 3;
inline constexpr uint16_t kStatsVersion = 1;

// Envelope kind kColumnFile; payload is one column in the row batch column layout
// (format/batch_codec.h).
std::string EncodeColumnFile(const Column& column);
Result<Column> DecodeColumnFile(std::string_view bytes, std::string_view object_name);

// Statistics of one sealed segment. pk_type is Int64 or VarChar; only the matching pair of
// min/max primary-key fields is meaningful (the other pair is stored as written). The
// ranges are meaningful only when num_rows > 0.
struct SegmentStats {
  int64_t num_rows = 0;
  DataType pk_type = DataType::kInt64;
  int64_t min_int_pk = 0;
  int64_t max_int_pk = 0;
  std::string min_str_pk;
  std::string max_str_pk;
  uint64_t min_ts = 0;
  uint64_t max_ts = 0;

  bool operator==(const SegmentStats& other) const = default;
};

// Envelope kind kStats.
std::string EncodeSegmentStats(const SegmentStats& stats);
// DataLoss also when num_rows < 0, pk_type is neither Int64 nor VarChar, or (with rows) a
// min is above its max.
Result<SegmentStats> DecodeSegmentStats(std::string_view bytes, std::string_view object_name);

}  // namespace strata
