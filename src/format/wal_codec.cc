#include "format/wal_codec.h"

#include "common/byte_io.h"
#include "format/envelope.h"

namespace strata {
namespace {

// type + timestamp + partition_id + payload_length.
constexpr size_t kRecordHeaderSize = 1 + 8 + 8 + 8;

}  // namespace

size_t WalRecordEncodedSize(const WalRecord& record) {
  return kRecordHeaderSize + record.payload.size();
}

std::string EncodeWalObject(uint64_t lsn, const std::vector<WalRecord>& records) {
  size_t size = 8 + 4;
  for (const auto& r : records) size += WalRecordEncodedSize(r);
  std::string payload;
  payload.reserve(size);
  ByteWriter writer(&payload);
  writer.Put<uint64_t>(lsn);
  writer.Put<uint32_t>(static_cast<uint32_t>(records.size()));
  for (const auto& r : records) {
    writer.Put<uint8_t>(static_cast<uint8_t>(r.type));
    writer.Put<uint64_t>(r.timestamp);
    writer.Put<int64_t>(r.partition_id);
    writer.Put<uint64_t>(r.payload.size());
    writer.PutBytes(r.payload);
  }
  return SealEnvelope(ObjectKind::kWalBatch, kWalObjectVersion, payload);
}

Result<std::pair<uint64_t, std::vector<WalRecord>>> DecodeWalObject(std::string_view bytes,
                                                                    std::string_view object_name) {
  ASSIGN_OR_RETURN(OpenedEnvelope envelope,
                   OpenEnvelope(bytes, ObjectKind::kWalBatch, kWalObjectVersion, object_name));
  ByteReader reader(envelope.payload, object_name);
  uint64_t lsn = 0;
  uint32_t count = 0;
  RETURN_IF_ERROR(reader.Read(&lsn, "lsn"));
  RETURN_IF_ERROR(reader.Read(&count, "record count"));
  if (count > reader.remaining() / kRecordHeaderSize)
    return reader.Corrupt(fmt::format("{} records exceed the object", count));
  std::vector<WalRecord> records(count);
  for (auto& r : records) {
    uint8_t type = 0;
    uint64_t length = 0;
    RETURN_IF_ERROR(reader.Read(&type, "record type"));
    if (type != static_cast<uint8_t>(WalRecordType::kInsert) &&
        type != static_cast<uint8_t>(WalRecordType::kDelete) &&
        type != static_cast<uint8_t>(WalRecordType::kUpsert))
      return reader.Corrupt(fmt::format("unknown record type {}", type));
    r.type = static_cast<WalRecordType>(type);
    RETURN_IF_ERROR(reader.Read(&r.timestamp, "timestamp"));
    RETURN_IF_ERROR(reader.Read(&r.partition_id, "partition id"));
    RETURN_IF_ERROR(reader.Read(&length, "payload length"));
    std::string_view payload;
    RETURN_IF_ERROR(reader.ReadBytes(length, &payload, "record payload"));
    r.payload.assign(payload);
  }
  RETURN_IF_ERROR(reader.ExpectEnd());
  return std::make_pair(lsn, std::move(records));
}

}  // namespace strata
