// MilvusService: the alias RPCs.
#include "api/milvus_service.h"
#include "api/status_mapping.h"

namespace strata::api {

grpc::Status MilvusService::CreateAlias(ServerContext* context,
                                        const mpb::CreateAliasRequest* request,
                                        cpb::Status* response) {
  return Reply(engine_->CreateAlias(NameOf(context, *request), request->alias()), response,
               "CreateAlias");
}

grpc::Status MilvusService::DropAlias(ServerContext* context, const mpb::DropAliasRequest* request,
                                      cpb::Status* response) {
  CollectionName alias(DatabaseOf(context, request->db_name()), request->alias());
  return Reply(engine_->DropAlias(alias), response, "DropAlias");
}

grpc::Status MilvusService::AlterAlias(ServerContext* context,
                                       const mpb::AlterAliasRequest* request,
                                       cpb::Status* response) {
  return Reply(engine_->AlterAlias(NameOf(context, *request), request->alias()), response,
               "AlterAlias");
}

grpc::Status MilvusService::DescribeAlias(ServerContext* context,
                                          const mpb::DescribeAliasRequest* request,
                                          mpb::DescribeAliasResponse* response) {
  CollectionName alias(DatabaseOf(context, request->db_name()), request->alias());
  Result<std::string> collection = engine_->DescribeAlias(alias);
  if (!collection.ok())
    return Reply(collection.status(), response->mutable_status(), "DescribeAlias");
  response->set_db_name(alias.database);
  response->set_alias(request->alias());
  response->set_collection(*collection);
  return Reply(Status::Ok(), response->mutable_status(), "DescribeAlias");
}

grpc::Status MilvusService::ListAliases(ServerContext* context,
                                        const mpb::ListAliasesRequest* request,
                                        mpb::ListAliasesResponse* response) {
  Result<std::vector<std::string>> aliases = engine_->ListAliases(NameOf(context, *request));
  if (!aliases.ok()) return Reply(aliases.status(), response->mutable_status(), "ListAliases");
  response->set_db_name(DatabaseOf(context, request->db_name()));
  response->set_collection_name(request->collection_name());
  for (const std::string& alias : *aliases) response->add_aliases(alias);
  return Reply(Status::Ok(), response->mutable_status(), "ListAliases");
}

}  // namespace strata::api
