// REST API v2: partitions/*, aliases/* and databases/*: the names inside, beside and around a
// collection.
#include <fmt/format.h>

#include "api/rest_call.h"
#include "api/status_mapping.h"

namespace strata::api::rest {
namespace {

// ---- partitions ----------------------------------------------------------------------------

// Runs `rpc` for the collection and the partition (`partitionName`) the body names.
template <typename Request, typename Response>
Result<Response> ForPartition(const Call& c,
                              grpc::Status (MilvusService::*rpc)(ServerContext*, const Request*,
                                                                 Response*)) {
  ASSIGN_OR_RETURN(std::string name, RequiredString(c.body, "collectionName"));
  ASSIGN_OR_RETURN(std::string partition, RequiredString(c.body, "partitionName"));
  Request request;
  request.set_collection_name(name);
  request.set_partition_name(partition);
  return Invoke(c, rpc, request);
}

json PartitionsCreate(const Call& c) {
  REST_ASSIGN_OR_FAIL(status, ForPartition(c, &MilvusService::CreatePartition));
  return Empty(status);
}

json PartitionsDrop(const Call& c) {
  REST_ASSIGN_OR_FAIL(status, ForPartition(c, &MilvusService::DropPartition));
  return Empty(status);
}

json PartitionsHas(const Call& c) {
  REST_ASSIGN_OR_FAIL(response, ForPartition(c, &MilvusService::HasPartition));
  REST_RETURN_IF_FAILED(response.status());
  return Data({{"has", response.value()}});
}

json PartitionsStats(const Call& c) {
  REST_ASSIGN_OR_FAIL(response, ForPartition(c, &MilvusService::GetPartitionStatistics));
  REST_RETURN_IF_FAILED(response.status());
  return RowCount(response.stats());
}

json PartitionsList(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::ShowPartitionsRequest request;
  request.set_collection_name(name);
  const auto response = Invoke(c, &MilvusService::ShowPartitions, request);
  REST_RETURN_IF_FAILED(response.status());
  json names = json::array();
  for (const std::string& n : response.partition_names()) names.push_back(n);
  return Data(names);
}

// Load or release the partitions `partitionNames`.
template <typename Request>
json PartitionsLoadOrRelease(const Call& c,
                             grpc::Status (MilvusService::*rpc)(ServerContext*, const Request*,
                                                                cpb::Status*)) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(partitions, OptionalStrings(c.body, "partitionNames"));
  if (partitions.empty())
    return Fail(InvalidArgument("'partitionNames' is required (a non-empty array of names)"));
  Request request;
  request.set_collection_name(name);
  for (const std::string& p : partitions) request.add_partition_names(p);
  return Empty(Invoke(c, rpc, request));
}

json PartitionsLoad(const Call& c) {
  return PartitionsLoadOrRelease(c, &MilvusService::LoadPartitions);
}
json PartitionsRelease(const Call& c) {
  return PartitionsLoadOrRelease(c, &MilvusService::ReleasePartitions);
}

// ---- aliases -------------------------------------------------------------------------------

// Create or alter an alias: `aliasName` for `collectionName`.
template <typename Request>
json NameAlias(const Call& c,
               grpc::Status (MilvusService::*rpc)(ServerContext*, const Request*, cpb::Status*)) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(alias, RequiredString(c.body, "aliasName"));
  Request request;
  request.set_collection_name(name);
  request.set_alias(alias);
  return Empty(Invoke(c, rpc, request));
}

json AliasesCreate(const Call& c) { return NameAlias(c, &MilvusService::CreateAlias); }
json AliasesAlter(const Call& c) { return NameAlias(c, &MilvusService::AlterAlias); }

json AliasesDrop(const Call& c) {
  REST_ASSIGN_OR_FAIL(alias, RequiredString(c.body, "aliasName"));
  mpb::DropAliasRequest request;
  request.set_alias(alias);
  return Empty(Invoke(c, &MilvusService::DropAlias, request));
}

json AliasesDescribe(const Call& c) {
  REST_ASSIGN_OR_FAIL(alias, RequiredString(c.body, "aliasName"));
  mpb::DescribeAliasRequest request;
  request.set_alias(alias);
  const auto response = Invoke(c, &MilvusService::DescribeAlias, request);
  REST_RETURN_IF_FAILED(response.status());
  return Data({{"aliasName", response.alias()},
               {"collectionName", response.collection()},
               {"dbName", response.db_name()}});
}

json AliasesList(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, OptionalString(c.body, "collectionName"));
  mpb::ListAliasesRequest request;
  request.set_collection_name(name);
  const auto response = Invoke(c, &MilvusService::ListAliases, request);
  REST_RETURN_IF_FAILED(response.status());
  return Data(response.aliases());
}

// ---- databases -----------------------------------------------------------------------------

// CreateDatabase or AlterDatabase (`rpc`) with the body's dbName and properties.
template <typename Request>
json NameAndProperties(const Call& c,
                       grpc::Status (MilvusService::*rpc)(ServerContext*, const Request*,
                                                          cpb::Status*)) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "dbName"));
  REST_ASSIGN_OR_FAIL(properties, PropertiesOf(c.body));
  Request request;
  request.set_db_name(name);
  *request.mutable_properties() = std::move(properties);
  return Empty(Invoke(c, rpc, request));
}

json DatabasesCreate(const Call& c) { return NameAndProperties(c, &MilvusService::CreateDatabase); }

json DatabasesDrop(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "dbName"));
  mpb::DropDatabaseRequest request;
  request.set_db_name(name);
  return Empty(Invoke(c, &MilvusService::DropDatabase, request));
}

json DatabasesList(const Call& c) {
  const auto response = Invoke(c, &MilvusService::ListDatabases, mpb::ListDatabasesRequest());
  REST_RETURN_IF_FAILED(response.status());
  return Data(response.db_names());
}

json DatabasesDescribe(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "dbName"));
  mpb::DescribeDatabaseRequest request;
  request.set_db_name(name);
  const auto response = Invoke(c, &MilvusService::DescribeDatabase, request);
  REST_RETURN_IF_FAILED(response.status());
  return Data({{"dbName", response.db_name()},
               {"dbID", response.dbid()},
               {"properties", KeyValueList(response.properties())}});
}

json DatabasesAlter(const Call& c) { return NameAndProperties(c, &MilvusService::AlterDatabase); }

json DatabasesDropProperties(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "dbName"));
  REST_ASSIGN_OR_FAIL(keys, OptionalStrings(c.body, "propertyKeys"));
  mpb::AlterDatabaseRequest request;
  request.set_db_name(name);
  for (const std::string& key : keys) request.add_delete_keys(key);
  return Empty(Invoke(c, &MilvusService::AlterDatabase, request));
}

}  // namespace

void AddDatabaseRoutes(RouteTable& routes) {
  routes.insert({
      {"databases/create", DatabasesCreate},
      {"databases/drop", DatabasesDrop},
      {"databases/list", DatabasesList},
      {"databases/describe", DatabasesDescribe},
      {"databases/alter", DatabasesAlter},
      {"databases/drop_properties", DatabasesDropProperties},
  });
}

void AddNameRoutes(RouteTable& routes) {
  routes.insert({
      {"partitions/create", PartitionsCreate},
      {"partitions/drop", PartitionsDrop},
      {"partitions/has", PartitionsHas},
      {"partitions/list", PartitionsList},
      {"partitions/load", PartitionsLoad},
      {"partitions/release", PartitionsRelease},
      {"partitions/get_stats", PartitionsStats},
      {"aliases/create", AliasesCreate},
      {"aliases/alter", AliasesAlter},
      {"aliases/drop", AliasesDrop},
      {"aliases/describe", AliasesDescribe},
      {"aliases/list", AliasesList},
  });
}

}  // namespace strata::api::rest
