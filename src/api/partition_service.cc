// MilvusService: the partition RPCs.
#include <set>

#include "api/milvus_service.h"
#include "api/status_mapping.h"
#include "common/hybrid_clock.h"

namespace strata::api {

grpc::Status MilvusService::CreatePartition(ServerContext* context,
                                            const mpb::CreatePartitionRequest* request,
                                            cpb::Status* response) {
  return Reply(engine_->CreatePartition(NameOf(context, *request), request->partition_name()),
               response, "CreatePartition");
}

grpc::Status MilvusService::DropPartition(ServerContext* context,
                                          const mpb::DropPartitionRequest* request,
                                          cpb::Status* response) {
  return Reply(engine_->DropPartition(NameOf(context, *request), request->partition_name()),
               response, "DropPartition");
}

grpc::Status MilvusService::HasPartition(ServerContext* context,
                                         const mpb::HasPartitionRequest* request,
                                         mpb::BoolResponse* response) {
  auto partitions = engine_->ShowPartitions(NameOf(context, *request));
  if (!partitions.ok())
    return Reply(partitions.status(), response->mutable_status(), "HasPartition");
  bool found = false;
  for (const auto& p : *partitions) found = found || p.meta.name == request->partition_name();
  response->set_value(found);
  return Reply(Status::Ok(), response->mutable_status(), "HasPartition");
}

grpc::Status MilvusService::ShowPartitions(ServerContext* context,
                                           const mpb::ShowPartitionsRequest* request,
                                           mpb::ShowPartitionsResponse* response) {
  auto partitions = engine_->ShowPartitions(NameOf(context, *request));
  if (!partitions.ok())
    return Reply(partitions.status(), response->mutable_status(), "ShowPartitions");
  std::set<std::string> wanted(request->partition_names().begin(),
                               request->partition_names().end());
  for (const auto& name : wanted) {
    bool found = false;
    for (const auto& p : *partitions) found = found || p.meta.name == name;
    if (!found)
      return Reply(Status(StatusCode::kNotFound, "partition not found[partition=" + name + "]",
                          ErrorTag::kPartitionNotFound),
                   response->mutable_status(), "ShowPartitions");
  }
  bool only_loaded = request->type() == mpb::ShowType::InMemory;
  for (const auto& p : *partitions) {
    if (!wanted.empty() && !wanted.count(p.meta.name)) continue;
    if (only_loaded && !p.loaded) continue;
    response->add_partition_names(p.meta.name);
    response->add_partitionids(p.meta.partition_id);
    response->add_created_timestamps(p.meta.create_ts);
    response->add_created_utc_timestamps(PhysicalMs(p.meta.create_ts));
    response->add_inmemory_percentages(p.loaded ? 100 : 0);
  }
  return Reply(Status::Ok(), response->mutable_status(), "ShowPartitions");
}

grpc::Status MilvusService::LoadPartitions(ServerContext* context,
                                           const mpb::LoadPartitionsRequest* request,
                                           cpb::Status* response) {
  std::vector<std::string> names(request->partition_names().begin(),
                                 request->partition_names().end());
  return Reply(engine_->LoadPartitions(NameOf(context, *request), names), response,
               "LoadPartitions");
}

grpc::Status MilvusService::ReleasePartitions(ServerContext* context,
                                              const mpb::ReleasePartitionsRequest* request,
                                              cpb::Status* response) {
  std::vector<std::string> names(request->partition_names().begin(),
                                 request->partition_names().end());
  return Reply(engine_->ReleasePartitions(NameOf(context, *request), names), response,
               "ReleasePartitions");
}

grpc::Status MilvusService::GetPartitionStatistics(
    ServerContext* context, const mpb::GetPartitionStatisticsRequest* request,
    mpb::GetPartitionStatisticsResponse* response) {
  auto rows = engine_->PartitionRowCount(NameOf(context, *request), request->partition_name());
  if (!rows.ok()) return Reply(rows.status(), response->mutable_status(), "GetPartitionStatistics");
  auto* pair = response->add_stats();
  pair->set_key("row_count");
  pair->set_value(std::to_string(*rows));
  return Reply(Status::Ok(), response->mutable_status(), "GetPartitionStatistics");
}

}  // namespace strata::api
