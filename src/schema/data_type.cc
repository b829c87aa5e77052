#include "schema/data_type.h"

namespace strata {

std::string_view DataTypeName(DataType type) {
  switch (type) {
    case DataType::kNone:
      return "None";
    case DataType::kBool:
      return "Bool";
    case DataType::kInt8:
      return "Int8";
    case DataType::kInt16:
      return "Int16";
    case DataType::kInt32:
      return "Int32";
    case DataType::kInt64:
      return "Int64";
    case DataType::kFloat:
      return "Float";
    case DataType::kDouble:
      return "Double";
    case DataType::kString:
      return "String";
    case DataType::kVarChar:
      return "VarChar";
    case DataType::kArray:
      return "Array";
    case DataType::kJson:
      return "JSON";
    case DataType::kBinaryVector:
      return "BinaryVector";
    case DataType::kFloatVector:
      return "FloatVector";
    case DataType::kFloat16Vector:
      return "Float16Vector";
    case DataType::kBFloat16Vector:
      return "BFloat16Vector";
    case DataType::kSparseFloatVector:
      return "SparseFloatVector";
  }
  return "Unknown";
}

bool IsVectorType(DataType type) {
  switch (type) {
    case DataType::kBinaryVector:
    case DataType::kFloatVector:
    case DataType::kFloat16Vector:
    case DataType::kBFloat16Vector:
    case DataType::kSparseFloatVector:
      return true;
    default:
      return false;
  }
}

bool IsIntegerType(DataType type) {
  return type == DataType::kInt8 || type == DataType::kInt16 || type == DataType::kInt32 ||
         type == DataType::kInt64;
}

bool IsSupportedType(DataType type) {
  switch (type) {
    case DataType::kBool:
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64:
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kVarChar:
    case DataType::kArray:
    case DataType::kJson:
    case DataType::kFloatVector:
    case DataType::kBinaryVector:
      return true;
    default:
      return false;
  }
}

}  // namespace strata
