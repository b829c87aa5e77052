// Binder: resolves a syntax tree against a collection schema into a typed plan tree —
// fields by name, template values, type checks, constant folding. Stateless and thread-safe.
#pragma once

#include "common/result.h"
#include "expr/expr.h"
#include "expr/parser.h"
#include "expr/plan.h"
#include "schema/schema.h"

namespace strata::expr {

// Errors are InvalidArgument naming the offending field, value or template and the byte
// position of the construct: unknown fields, type mismatches, vector fields, array fields,
// missing templates, integer overflow and division by zero in constants.
Result<PredPtr> BindPredicate(const Ast& root, const CollectionSchema& schema,
                              const ExprTemplateValues* templates);

}  // namespace strata::expr
