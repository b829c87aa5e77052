// The Milvus gRPC service (milvus.proto.milvus.MilvusService) over the engine. Every
// application error is returned inside the response's status with gRPC OK, because clients
// retry gRPC-level failures (see ../shared/PROTOCOL.md). Thread-safe.
#pragma once

#include <atomic>
#include <string>

#include "engine/engine.h"
#include "milvus.grpc.pb.h"

namespace strata::api {

namespace mpb = milvus::proto::milvus;
namespace cpb = milvus::proto::common;
using grpc::ServerContext;

class MilvusService final : public mpb::MilvusService::Service {
 public:
  explicit MilvusService(Engine* engine) : engine_(engine) {}

  grpc::Status Connect(ServerContext*, const mpb::ConnectRequest*, mpb::ConnectResponse*) override;
  grpc::Status GetVersion(ServerContext*, const mpb::GetVersionRequest*,
                          mpb::GetVersionResponse*) override;
  grpc::Status CheckHealth(ServerContext*, const mpb::CheckHealthRequest*,
                           mpb::CheckHealthResponse*) override;
  grpc::Status AllocTimestamp(ServerContext*, const mpb::AllocTimestampRequest*,
                              mpb::AllocTimestampResponse*) override;

  grpc::Status CreateCollection(ServerContext*, const mpb::CreateCollectionRequest*,
                                cpb::Status*) override;
  grpc::Status DropCollection(ServerContext*, const mpb::DropCollectionRequest*,
                              cpb::Status*) override;
  grpc::Status AlterCollection(ServerContext*, const mpb::AlterCollectionRequest*,
                               cpb::Status*) override;
  grpc::Status RenameCollection(ServerContext*, const mpb::RenameCollectionRequest*,
                                cpb::Status*) override;
  grpc::Status HasCollection(ServerContext*, const mpb::HasCollectionRequest*,
                             mpb::BoolResponse*) override;
  grpc::Status DescribeCollection(ServerContext*, const mpb::DescribeCollectionRequest*,
                                  mpb::DescribeCollectionResponse*) override;
  grpc::Status ShowCollections(ServerContext*, const mpb::ShowCollectionsRequest*,
                               mpb::ShowCollectionsResponse*) override;
  grpc::Status GetCollectionStatistics(ServerContext*, const mpb::GetCollectionStatisticsRequest*,
                                       mpb::GetCollectionStatisticsResponse*) override;

  grpc::Status CreateIndex(ServerContext*, const mpb::CreateIndexRequest*, cpb::Status*) override;
  grpc::Status DescribeIndex(ServerContext*, const mpb::DescribeIndexRequest*,
                             mpb::DescribeIndexResponse*) override;
  grpc::Status DropIndex(ServerContext*, const mpb::DropIndexRequest*, cpb::Status*) override;
  grpc::Status GetIndexState(ServerContext*, const mpb::GetIndexStateRequest*,
                             mpb::GetIndexStateResponse*) override;
  grpc::Status GetIndexBuildProgress(ServerContext*, const mpb::GetIndexBuildProgressRequest*,
                                     mpb::GetIndexBuildProgressResponse*) override;

  grpc::Status LoadCollection(ServerContext*, const mpb::LoadCollectionRequest*,
                              cpb::Status*) override;
  grpc::Status ReleaseCollection(ServerContext*, const mpb::ReleaseCollectionRequest*,
                                 cpb::Status*) override;
  grpc::Status GetLoadingProgress(ServerContext*, const mpb::GetLoadingProgressRequest*,
                                  mpb::GetLoadingProgressResponse*) override;
  grpc::Status GetLoadState(ServerContext*, const mpb::GetLoadStateRequest*,
                            mpb::GetLoadStateResponse*) override;

  // Databases (database_service.cc).
  grpc::Status CreateDatabase(ServerContext*, const mpb::CreateDatabaseRequest*,
                              cpb::Status*) override;
  grpc::Status DropDatabase(ServerContext*, const mpb::DropDatabaseRequest*, cpb::Status*) override;
  grpc::Status ListDatabases(ServerContext*, const mpb::ListDatabasesRequest*,
                             mpb::ListDatabasesResponse*) override;
  grpc::Status DescribeDatabase(ServerContext*, const mpb::DescribeDatabaseRequest*,
                                mpb::DescribeDatabaseResponse*) override;
  grpc::Status AlterDatabase(ServerContext*, const mpb::AlterDatabaseRequest*,
                             cpb::Status*) override;

  grpc::Status CreateAlias(ServerContext*, const mpb::CreateAliasRequest*, cpb::Status*) override;
  grpc::Status DropAlias(ServerContext*, const mpb::DropAliasRequest*, cpb::Status*) override;
  grpc::Status AlterAlias(ServerContext*, const mpb::AlterAliasRequest*, cpb::Status*) override;
  grpc::Status DescribeAlias(ServerContext*, const mpb::DescribeAliasRequest*,
                             mpb::DescribeAliasResponse*) override;
  grpc::Status ListAliases(ServerContext*, const mpb::ListAliasesRequest*,
                           mpb::ListAliasesResponse*) override;

  grpc::Status CreatePartition(ServerContext*, const mpb::CreatePartitionRequest*,
                               cpb::Status*) override;
  grpc::Status DropPartition(ServerContext*, const mpb::DropPartitionRequest*,
                             cpb::Status*) override;
  grpc::Status HasPartition(ServerContext*, const mpb::HasPartitionRequest*,
                            mpb::BoolResponse*) override;
  grpc::Status ShowPartitions(ServerContext*, const mpb::ShowPartitionsRequest*,
                              mpb::ShowPartitionsResponse*) override;
  grpc::Status LoadPartitions(ServerContext*, const mpb::LoadPartitionsRequest*,
                              cpb::Status*) override;
  grpc::Status ReleasePartitions(ServerContext*, const mpb::ReleasePartitionsRequest*,
                                 cpb::Status*) override;
  grpc::Status GetPartitionStatistics(ServerContext*, const mpb::GetPartitionStatisticsRequest*,
                                      mpb::GetPartitionStatisticsResponse*) override;

  grpc::Status Insert(ServerContext*, const mpb::InsertRequest*, mpb::MutationResult*) override;
  grpc::Status Delete(ServerContext*, const mpb::DeleteRequest*, mpb::MutationResult*) override;
  grpc::Status Upsert(ServerContext*, const mpb::UpsertRequest*, mpb::MutationResult*) override;
  grpc::Status Flush(ServerContext*, const mpb::FlushRequest*, mpb::FlushResponse*) override;
  grpc::Status GetFlushState(ServerContext*, const mpb::GetFlushStateRequest*,
                             mpb::GetFlushStateResponse*) override;
  grpc::Status GetPersistentSegmentInfo(ServerContext*, const mpb::GetPersistentSegmentInfoRequest*,
                                        mpb::GetPersistentSegmentInfoResponse*) override;
  grpc::Status GetQuerySegmentInfo(ServerContext*, const mpb::GetQuerySegmentInfoRequest*,
                                   mpb::GetQuerySegmentInfoResponse*) override;
  grpc::Status ManualCompaction(ServerContext*, const mpb::ManualCompactionRequest*,
                                mpb::ManualCompactionResponse*) override;
  grpc::Status GetCompactionState(ServerContext*, const mpb::GetCompactionStateRequest*,
                                  mpb::GetCompactionStateResponse*) override;
  grpc::Status GetCompactionStateWithPlans(ServerContext*, const mpb::GetCompactionPlansRequest*,
                                           mpb::GetCompactionPlansResponse*) override;
  grpc::Status Search(ServerContext*, const mpb::SearchRequest*, mpb::SearchResults*) override;
  grpc::Status HybridSearch(ServerContext*, const mpb::HybridSearchRequest*,
                            mpb::SearchResults*) override;
  grpc::Status Query(ServerContext*, const mpb::QueryRequest*, mpb::QueryResults*) override;

 private:
  // The database a call is for: the request's db_name, else the client's `dbname` metadata
  // (which the SDKs send with every call; `context` is null for REST calls), else `default`.
  static std::string DatabaseOf(ServerContext* context, const std::string& db_name);
  template <typename Request>
  static CollectionName NameOf(ServerContext* context, const Request& request) {
    return CollectionName(DatabaseOf(context, request.db_name()), request.collection_name());
  }

  Engine* const engine_;
  std::atomic<int64_t> next_identifier_{1};
};

}  // namespace strata::api
