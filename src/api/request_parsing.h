// Turns Milvus Search / Query / CreateIndex requests into engine requests. All input is
// untrusted; errors are InvalidArgument saying what was wrong.
#pragma once

#include "common/result.h"
#include "engine/types.h"
#include "milvus.pb.h"
#include "schema/schema.h"

namespace strata::api {

namespace mpb = milvus::proto::milvus;

// `schema` resolves the vector field to size the query vectors.
Result<SearchRequest> ParseSearchRequest(const mpb::SearchRequest& request,
                                         const CollectionSchema& schema);
// Every sub-request parsed as a search of `schema`; rank_params (strategy, params, limit,
// offset, round_decimal) into the ranker and the merged list's window.
Result<HybridSearchRequest> ParseHybridSearchRequest(const mpb::HybridSearchRequest& request,
                                                     const CollectionSchema& schema);
Result<QueryRequest> ParseQueryRequest(const mpb::QueryRequest& request);
Result<DeleteRequest> ParseDeleteRequest(const mpb::DeleteRequest& request);

// expr_template_values as the expression binder takes them: scalars as JSON scalars, arrays as
// JSON arrays (nested arrays nest; json_data elements are parsed). InvalidArgument for a value
// with nothing set or JSON that does not parse.
Result<expr::ExprTemplateValues> TemplateValuesFromProto(
    const google::protobuf::Map<std::string, milvus::proto::schema::TemplateValue>& values);

// Normalises both shapes clients send — {index_type, metric_type, params: JSON} and flattened
// pairs {index_type, metric_type, M, efConstruction} — into index_type, metric_type and one
// `params` JSON object, as Milvus reports them in DescribeIndex. A missing index_type is
// AUTOINDEX.
Result<KeyValues> NormalizeIndexParams(const KeyValues& extra_params);

}  // namespace strata::api
