// MilvusService: the database RPCs, and which database a call is for.
#include <string_view>

#include "api/convert.h"
#include "api/milvus_service.h"
#include "api/status_mapping.h"

namespace strata::api {

std::string MilvusService::DatabaseOf(ServerContext* context, const std::string& db_name) {
  if (!db_name.empty()) return db_name;
  if (context != nullptr) {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find("dbname");
    if (it != metadata.end() && !it->second.empty())
      return std::string(it->second.data(), it->second.size());
  }
  return std::string(kDefaultDatabase);
}

grpc::Status MilvusService::CreateDatabase(ServerContext*,
                                           const mpb::CreateDatabaseRequest* request,
                                           cpb::Status* response) {
  return Reply(engine_->CreateDatabase(request->db_name(), FromPairs(request->properties())),
               response, "CreateDatabase");
}

grpc::Status MilvusService::DropDatabase(ServerContext*, const mpb::DropDatabaseRequest* request,
                                         cpb::Status* response) {
  return Reply(engine_->DropDatabase(request->db_name()), response, "DropDatabase");
}

grpc::Status MilvusService::ListDatabases(ServerContext*, const mpb::ListDatabasesRequest*,
                                          mpb::ListDatabasesResponse* response) {
  for (const DatabaseMeta& d : engine_->ListDatabases()) {
    response->add_db_names(d.name);
    response->add_db_ids(d.db_id);
    response->add_created_timestamp(static_cast<uint64_t>(d.created_ns));
  }
  return Reply(Status::Ok(), response->mutable_status(), "ListDatabases");
}

grpc::Status MilvusService::DescribeDatabase(ServerContext*,
                                             const mpb::DescribeDatabaseRequest* request,
                                             mpb::DescribeDatabaseResponse* response) {
  const std::string name =
      request->db_name().empty() ? std::string(kDefaultDatabase) : request->db_name();
  Result<DatabaseMeta> found = engine_->DescribeDatabase(name);
  if (!found.ok()) return Reply(found.status(), response->mutable_status(), "DescribeDatabase");
  response->set_db_name(found->name);
  response->set_dbid(found->db_id);
  response->set_created_timestamp(static_cast<uint64_t>(found->created_ns));
  for (const auto& [k, v] : found->properties) AddPair(response->mutable_properties(), k, v);
  return Reply(Status::Ok(), response->mutable_status(), "DescribeDatabase");
}

grpc::Status MilvusService::AlterDatabase(ServerContext*, const mpb::AlterDatabaseRequest* request,
                                          cpb::Status* response) {
  std::vector<std::string> delete_keys(request->delete_keys().begin(),
                                       request->delete_keys().end());
  return Reply(
      engine_->AlterDatabase(request->db_name(), FromPairs(request->properties()), delete_keys),
      response, "AlterDatabase");
}

}  // namespace strata::api
