#include "format/envelope.h"

#include <fmt/format.h>

#include <cstring>

#include "common/checksum.h"

namespace strata {
namespace {

template <typename T>
void PutLE(std::string& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

template <typename T>
T GetLE(const char* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

std::string SealEnvelope(ObjectKind kind, uint16_t version, std::string_view payload) {
  std::string out;
  out.reserve(kEnvelopeHeaderSize + payload.size() + kEnvelopeTrailerSize);
  out.append(kEnvelopeMagic, 4);
  PutLE<uint16_t>(out, static_cast<uint16_t>(kind));
  PutLE<uint16_t>(out, version);
  PutLE<uint64_t>(out, payload.size());
  out.append(payload);
  PutLE<uint64_t>(out, Checksum64(out.data(), out.size()));
  return out;
}

Result<OpenedEnvelope> OpenEnvelope(std::string_view bytes, ObjectKind kind, uint16_t max_version,
                                    std::string_view object_name) {
  auto loss = [&](std::string_view what) {
    return DataLoss(fmt::format("object '{}' is corrupt: {}", object_name, what));
  };
  if (bytes.size() < kEnvelopeHeaderSize + kEnvelopeTrailerSize) return loss("truncated header");
  if (std::memcmp(bytes.data(), kEnvelopeMagic, 4) != 0) return loss("bad magic");
  auto got_kind = GetLE<uint16_t>(bytes.data() + 4);
  if (got_kind != static_cast<uint16_t>(kind))
    return loss(
        fmt::format("object kind {} where {} was expected", got_kind, static_cast<uint16_t>(kind)));
  auto version = GetLE<uint16_t>(bytes.data() + 6);
  auto length = GetLE<uint64_t>(bytes.data() + 8);
  if (length != bytes.size() - kEnvelopeHeaderSize - kEnvelopeTrailerSize)
    return loss("payload length does not match the object size");
  size_t body = kEnvelopeHeaderSize + length;
  if (GetLE<uint64_t>(bytes.data() + body) != Checksum64(bytes.data(), body))
    return loss("checksum mismatch");
  if (version == 0 || version > max_version)
    return DataLoss(fmt::format("object '{}' has format version {}; this build reads up to {}",
                                object_name, version, max_version));
  return OpenedEnvelope{version, bytes.substr(kEnvelopeHeaderSize, length)};
}

}  // namespace strata
