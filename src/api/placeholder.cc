#include "api/placeholder.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <climits>
#include <string>

namespace strata::api {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// Field numbers and wire types of common.proto.
constexpr int kGroupPlaceholders = 1;  // PlaceholderGroup.placeholders, length-delimited
constexpr int kValueType = 2;          // PlaceholderValue.type, varint
constexpr int kValueValues = 3;        // PlaceholderValue.values, length-delimited

Status Malformed(const std::string& what) {
  return InvalidArgument("malformed placeholder group: " + what);
}

bool Is(uint32_t tag, int field, WireFormatLite::WireType type) {
  return WireFormatLite::GetTagFieldNumber(tag) == field &&
         WireFormatLite::GetTagWireType(tag) == type;
}

// Reads the fields of one PlaceholderValue up to the stream's current limit.
Status ReadValue(CodedInputStream* in, const char* bytes, PlaceholderView* out) {
  for (uint32_t tag; (tag = in->ReadTag()) != 0;) {
    if (Is(tag, kValueType, WireFormatLite::WIRETYPE_VARINT)) {
      uint32_t type = 0;
      if (!in->ReadVarint32(&type)) return Malformed("truncated placeholder type");
      out->type = static_cast<int>(type);
    } else if (Is(tag, kValueValues, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      uint32_t size = 0;
      if (!in->ReadVarint32(&size)) return Malformed("truncated query vector length");
      int at = in->CurrentPosition();
      if (size > INT_MAX || !in->Skip(static_cast<int>(size)))
        return Malformed("query vector " + std::to_string(out->values.size()) +
                         " runs past the end");
      out->values.emplace_back(bytes + at, size);
    } else if (!WireFormatLite::SkipField(in, tag)) {
      return Malformed("bad field in placeholder value");
    }
  }
  if (!in->ConsumedEntireMessage()) return Malformed("bad field tag in placeholder value");
  return Status::Ok();
}

}  // namespace

Result<PlaceholderView> ParsePlaceholderGroup(std::string_view bytes) {
  if (bytes.size() > INT_MAX) return Malformed("larger than 2 GiB");
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  PlaceholderView view;
  int placeholders = 0;
  for (uint32_t tag; (tag = in.ReadTag()) != 0;) {
    if (Is(tag, kGroupPlaceholders, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      uint32_t size = 0;
      if (!in.ReadVarint32(&size) || size > bytes.size() - in.CurrentPosition())
        return Malformed("truncated placeholder value");
      auto limit = in.PushLimit(static_cast<int>(size));
      // Each occurrence of the repeated field is one more placeholder. Only the first is
      // read; a second one is an error below.
      if (++placeholders == 1) {
        RETURN_IF_ERROR(ReadValue(&in, bytes.data(), &view));
      } else if (!in.Skip(static_cast<int>(size))) {
        return Malformed("truncated placeholder value");
      }
      in.PopLimit(limit);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return Malformed("bad field in placeholder group");
    }
  }
  if (!in.ConsumedEntireMessage()) return Malformed("bad field tag in placeholder group");
  if (placeholders != 1)
    return Malformed("expected one PlaceholderValue holding the query vectors, got " +
                     std::to_string(placeholders));
  return view;
}

}  // namespace strata::api
