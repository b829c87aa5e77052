// WAL object codec: one group commit of the write-ahead log, i.e. one or more mutation
// records under one log sequence number (lsn). Envelope kind kWalBatch; payload
// (little-endian; see doc/formats.md "WAL object"):
//
//   u64 lsn, u32 record_count, then per record:
//   u8 type, u64 timestamp, i64 partition_id, u64 payload_length, payload bytes
//
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace strata {

// Version 2: insert and upsert records may hold nullable columns (format/batch_codec.h), which
// a version 1 reader would reject as an unknown data type. Version 3: they may hold Array
// columns (type 22 and an element type), which a version 2 reader would reject the same way.
// Version 1 and 2 objects still load.
inline constexpr uint16_t kWalObjectVersion = 3;

enum class WalRecordType : uint8_t {
  kInsert = 1,  // payload: EncodeRowBatch output
  kDelete = 2,  // payload: defined by the engine (the primary keys to delete)
  kUpsert = 3,  // payload: defined by the engine (rows to insert + keys they replace)
};

struct WalRecord {
  WalRecordType type = WalRecordType::kInsert;
  uint64_t timestamp = 0;  // hybrid timestamp assigned by the engine
  int64_t partition_id = 0;
  std::string payload;  // opaque to the WAL

  bool operator==(const WalRecord& other) const = default;
};

// Encoded size of `record` inside a WAL object (for batching limits).
size_t WalRecordEncodedSize(const WalRecord& record);

std::string EncodeWalObject(uint64_t lsn, const std::vector<WalRecord>& records);

// Decodes untrusted bytes; DataLoss naming `object_name` on a bad envelope, an unknown
// record type, a count or length beyond the object, or trailing bytes. Returns the lsn
// stored inside (callers check it against the key) and the records in order.
Result<std::pair<uint64_t, std::vector<WalRecord>>> DecodeWalObject(std::string_view bytes,
                                                                    std::string_view object_name);

}  // namespace strata
