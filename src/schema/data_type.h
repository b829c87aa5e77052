// Field data types, numbered exactly as Milvus's schema.DataType so wire values map 1:1.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata {

enum class DataType : int32_t {
  kNone = 0,
  kBool = 1,
  kInt8 = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kFloat = 10,
  kDouble = 11,
  kString = 20,
  kVarChar = 21,
  kArray = 22,
  kJson = 23,
  kBinaryVector = 100,
  kFloatVector = 101,
  kFloat16Vector = 102,
  kBFloat16Vector = 103,
  kSparseFloatVector = 104,
};

std::string_view DataTypeName(DataType type);
bool IsVectorType(DataType type);
bool IsIntegerType(DataType type);  // Int8..Int64
// True for the types this build can store, validate and return.
bool IsSupportedType(DataType type);

}  // namespace strata
