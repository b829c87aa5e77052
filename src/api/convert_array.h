// Array fields on the wire: schema.ArrayArray (one ScalarField of the element type per row)
// to and from the array cells of a Column (schema/array_cell.h). Internal to src/api; used by
// convert.cc. Thread-safe (pure functions).
#pragma once

#include "api/convert.h"

namespace strata::api {

// The rows of an Insert's array column. InvalidArgument naming the field (and the row) when
// the data is not array data, declares another element type, or a row holds another kind of
// scalar than the element type. A row with no data is the empty array.
Result<Column> ArrayColumnFromScalars(const FieldSchema& field, const pb::ScalarField& data);

// Writes every row of an Array column as ArrayArray; a null row is an empty array (the
// FieldData's valid_data marks it).
void ArrayColumnToScalars(const Column& column, const FieldSchema& field, pb::ScalarField* out);

}  // namespace strata::api
