// MilvusService: the alias RPCs.
#include "api/milvus_service.h"
#include "api/status_mapping.h"

namespace strata::api {

grpc::Status MilvusService::CreateAlias(ServerContext*, const mpb::CreateAliasRequest* request,
                                        cpb::Status* response) {
  return Reply(engine_->CreateAlias(request->collection_name(), request->alias()), response,
               "CreateAlias");
}

grpc::Status MilvusService::DropAlias(ServerContext*, const mpb::DropAliasRequest* request,
                                      cpb::Status* response) {
  return Reply(engine_->DropAlias(request->alias()), response, "DropAlias");
}

grpc::Status MilvusService::AlterAlias(ServerContext*, const mpb::AlterAliasRequest* request,
                                       cpb::Status* response) {
  return Reply(engine_->AlterAlias(request->collection_name(), request->alias()), response,
               "AlterAlias");
}

grpc::Status MilvusService::DescribeAlias(ServerContext*, const mpb::DescribeAliasRequest* request,
                                          mpb::DescribeAliasResponse* response) {
  Result<std::string> collection = engine_->DescribeAlias(request->alias());
  if (!collection.ok())
    return Reply(collection.status(), response->mutable_status(), "DescribeAlias");
  response->set_db_name("default");
  response->set_alias(request->alias());
  response->set_collection(*collection);
  return Reply(Status::Ok(), response->mutable_status(), "DescribeAlias");
}

grpc::Status MilvusService::ListAliases(ServerContext*, const mpb::ListAliasesRequest* request,
                                        mpb::ListAliasesResponse* response) {
  Result<std::vector<std::string>> aliases = engine_->ListAliases(request->collection_name());
  if (!aliases.ok()) return Reply(aliases.status(), response->mutable_status(), "ListAliases");
  response->set_db_name("default");
  response->set_collection_name(request->collection_name());
  for (const std::string& alias : *aliases) response->add_aliases(alias);
  return Reply(Status::Ok(), response->mutable_status(), "ListAliases");
}

}  // namespace strata::api
