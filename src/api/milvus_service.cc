#include "api/milvus_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/convert.h"
#include "api/request_parsing.h"
#include "api/status_mapping.h"
#include "common/hybrid_clock.h"
#include "common/version.h"
#include "engine/compaction.h"

namespace strata::api {
namespace {

// How far ahead of the server clock a read's guarantee_timestamp may be and still be waited
// for (a client clock running ahead); doc/design.md, "Consistency levels".
constexpr uint64_t kMaxGuaranteeWaitMs = 10'000;

}  // namespace

grpc::Status MilvusService::Connect(ServerContext* context, const mpb::ConnectRequest* request,
                                    mpb::ConnectResponse* response) {
  // As in Milvus, connecting to a database that does not exist fails.
  Status database = engine_->CheckDatabase(DatabaseOf(context, ""));
  if (!database.ok()) return Reply(database, response->mutable_status(), "Connect");
  spdlog::info("client connected: sdk {} {} user '{}'", request->client_info().sdk_type(),
               request->client_info().sdk_version(), request->client_info().user());
  auto* info = response->mutable_server_info();
  info->set_build_tags(kMilvusCompatVersion);
  info->set_deploy_mode("STANDALONE");
  (*info->mutable_reserved())["server"] = std::string("strata ") + kStrataVersion;
  response->set_identifier(next_identifier_++);
  return Reply(Status::Ok(), response->mutable_status(), "Connect");
}

grpc::Status MilvusService::GetVersion(ServerContext*, const mpb::GetVersionRequest*,
                                       mpb::GetVersionResponse* response) {
  response->set_version(kMilvusCompatVersion);
  return Reply(Status::Ok(), response->mutable_status(), "GetVersion");
}

grpc::Status MilvusService::CheckHealth(ServerContext*, const mpb::CheckHealthRequest*,
                                        mpb::CheckHealthResponse* response) {
  response->set_ishealthy(true);
  return Reply(Status::Ok(), response->mutable_status(), "CheckHealth");
}

grpc::Status MilvusService::AllocTimestamp(ServerContext*, const mpb::AllocTimestampRequest*,
                                           mpb::AllocTimestampResponse* response) {
  response->set_timestamp(engine_->clock().Now());
  return Reply(Status::Ok(), response->mutable_status(), "AllocTimestamp");
}

grpc::Status MilvusService::CreateCollection(ServerContext* context,
                                             const mpb::CreateCollectionRequest* request,
                                             cpb::Status* response) {
  milvus::proto::schema::CollectionSchema proto;
  if (!proto.ParseFromString(request->schema()))
    return Reply(InvalidArgument("schema is not a serialized CollectionSchema"), response,
                 "CreateCollection");
  auto schema = SchemaFromProto(proto);
  if (!schema.ok()) return Reply(schema.status(), response, "CreateCollection");
  if (!request->collection_name().empty() && request->collection_name() != schema->name)
    return Reply(InvalidArgument("collection_name '" + request->collection_name() +
                                 "' differs from the schema's name '" + schema->name + "'"),
                 response, "CreateCollection");
  Status st = engine_->CreateCollection(
      std::move(schema).value(), FromPairs(request->properties()), request->consistency_level(),
      request->shards_num(), request->num_partitions(), DatabaseOf(context, request->db_name()));
  return Reply(st, response, "CreateCollection");
}

grpc::Status MilvusService::DropCollection(ServerContext* context,
                                           const mpb::DropCollectionRequest* request,
                                           cpb::Status* response) {
  return Reply(engine_->DropCollection(NameOf(context, *request)), response, "DropCollection");
}

grpc::Status MilvusService::AlterCollection(ServerContext* context,
                                            const mpb::AlterCollectionRequest* request,
                                            cpb::Status* response) {
  std::vector<std::string> delete_keys(request->delete_keys().begin(),
                                       request->delete_keys().end());
  return Reply(engine_->AlterCollection(NameOf(context, *request), FromPairs(request->properties()),
                                        delete_keys),
               response, "AlterCollection");
}

grpc::Status MilvusService::RenameCollection(ServerContext* context,
                                             const mpb::RenameCollectionRequest* request,
                                             cpb::Status* response) {
  const std::string database = DatabaseOf(context, request->db_name());
  const std::string to_database = request->newdbname().empty() ? database : request->newdbname();
  return Reply(engine_->RenameCollection(CollectionName(database, request->oldname()),
                                         CollectionName(to_database, request->newname())),
               response, "RenameCollection");
}

grpc::Status MilvusService::HasCollection(ServerContext* context,
                                          const mpb::HasCollectionRequest* request,
                                          mpb::BoolResponse* response) {
  auto meta = engine_->DescribeCollection(NameOf(context, *request));
  // As Milvus: a collection of a database that does not exist is simply not there.
  const ErrorTag tag = meta.status().tag();
  if (!meta.ok() && tag != ErrorTag::kCollectionNotFound && tag != ErrorTag::kDatabaseNotFound)
    return Reply(meta.status(), response->mutable_status(), "HasCollection");
  response->set_value(meta.ok());
  return Reply(Status::Ok(), response->mutable_status(), "HasCollection");
}

grpc::Status MilvusService::DescribeCollection(ServerContext* context,
                                               const mpb::DescribeCollectionRequest* request,
                                               mpb::DescribeCollectionResponse* response) {
  auto meta = engine_->DescribeCollection(NameOf(context, *request));
  if (!meta.ok()) return Reply(meta.status(), response->mutable_status(), "DescribeCollection");
  SchemaToProto(meta->schema, response->mutable_schema());
  response->set_collectionid(meta->collection_id);
  response->set_created_timestamp(meta->create_ts);
  response->set_created_utc_timestamp(PhysicalMs(meta->create_ts));
  response->set_shards_num(meta->shards_num);
  response->set_consistency_level(static_cast<cpb::ConsistencyLevel>(meta->consistency_level));
  response->set_collection_name(meta->schema.name);
  response->set_db_name(meta->database);
  response->set_num_partitions(static_cast<int64_t>(meta->partitions.size()));
  for (const std::string& alias : meta->aliases) response->add_aliases(alias);
  for (const auto& [k, v] : meta->properties) AddPair(response->mutable_properties(), k, v);
  return Reply(Status::Ok(), response->mutable_status(), "DescribeCollection");
}

grpc::Status MilvusService::ShowCollections(ServerContext* context,
                                            const mpb::ShowCollectionsRequest* request,
                                            mpb::ShowCollectionsResponse* response) {
  bool only_loaded = request->type() == mpb::ShowType::InMemory;
  std::set<std::string> wanted(request->collection_names().begin(),
                               request->collection_names().end());
  auto collections = engine_->ListCollections(DatabaseOf(context, request->db_name()));
  if (!collections.ok())
    return Reply(collections.status(), response->mutable_status(), "ShowCollections");
  for (const auto& meta : *collections) {
    if (!wanted.empty() && !wanted.count(meta.schema.name)) continue;
    if (only_loaded && !meta.loaded) continue;
    response->add_collection_names(meta.schema.name);
    response->add_collection_ids(meta.collection_id);
    response->add_created_timestamps(meta.create_ts);
    response->add_created_utc_timestamps(PhysicalMs(meta.create_ts));
    response->add_inmemory_percentages(meta.loaded ? 100 : 0);
    response->add_query_service_available(meta.loaded);
  }
  return Reply(Status::Ok(), response->mutable_status(), "ShowCollections");
}

grpc::Status MilvusService::GetCollectionStatistics(
    ServerContext* context, const mpb::GetCollectionStatisticsRequest* request,
    mpb::GetCollectionStatisticsResponse* response) {
  auto rows = engine_->RowCount(NameOf(context, *request));
  if (!rows.ok())
    return Reply(rows.status(), response->mutable_status(), "GetCollectionStatistics");
  AddPair(response->mutable_stats(), "row_count", std::to_string(*rows));
  return Reply(Status::Ok(), response->mutable_status(), "GetCollectionStatistics");
}

grpc::Status MilvusService::CreateIndex(ServerContext* context,
                                        const mpb::CreateIndexRequest* request,
                                        cpb::Status* response) {
  auto params = NormalizeIndexParams(FromPairs(request->extra_params()));
  if (!params.ok()) return Reply(params.status(), response, "CreateIndex");
  return Reply(engine_->CreateIndex(NameOf(context, *request), request->field_name(),
                                    request->index_name(), *params),
               response, "CreateIndex");
}

grpc::Status MilvusService::DescribeIndex(ServerContext* context,
                                          const mpb::DescribeIndexRequest* request,
                                          mpb::DescribeIndexResponse* response) {
  auto infos = engine_->DescribeIndex(NameOf(context, *request), request->field_name(),
                                      request->index_name());
  if (!infos.ok()) return Reply(infos.status(), response->mutable_status(), "DescribeIndex");
  for (const auto& info : *infos) {
    auto* d = response->add_index_descriptions();
    d->set_index_name(info.meta.index_name);
    d->set_indexid(info.meta.index_id);
    for (const auto& [k, v] : info.meta.params) AddPair(d->mutable_params(), k, v);
    d->set_field_name(info.field_name);
    d->set_indexed_rows(info.indexed_rows);
    d->set_total_rows(info.total_rows);
    d->set_pending_index_rows(info.pending_index_rows);
    d->set_state(info.pending_index_rows > 0 ? cpb::IndexState::InProgress
                                             : cpb::IndexState::Finished);
  }
  return Reply(Status::Ok(), response->mutable_status(), "DescribeIndex");
}

grpc::Status MilvusService::DropIndex(ServerContext* context, const mpb::DropIndexRequest* request,
                                      cpb::Status* response) {
  return Reply(
      engine_->DropIndex(NameOf(context, *request), request->field_name(), request->index_name()),
      response, "DropIndex");
}

grpc::Status MilvusService::GetIndexState(ServerContext* context,
                                          const mpb::GetIndexStateRequest* request,
                                          mpb::GetIndexStateResponse* response) {
  auto infos = engine_->DescribeIndex(NameOf(context, *request), request->field_name(),
                                      request->index_name());
  if (!infos.ok()) return Reply(infos.status(), response->mutable_status(), "GetIndexState");
  response->set_state(infos->front().pending_index_rows > 0 ? cpb::IndexState::InProgress
                                                            : cpb::IndexState::Finished);
  return Reply(Status::Ok(), response->mutable_status(), "GetIndexState");
}

grpc::Status MilvusService::GetIndexBuildProgress(ServerContext* context,
                                                  const mpb::GetIndexBuildProgressRequest* request,
                                                  mpb::GetIndexBuildProgressResponse* response) {
  auto infos = engine_->DescribeIndex(NameOf(context, *request), request->field_name(),
                                      request->index_name());
  if (!infos.ok())
    return Reply(infos.status(), response->mutable_status(), "GetIndexBuildProgress");
  response->set_indexed_rows(infos->front().indexed_rows);
  response->set_total_rows(infos->front().total_rows);
  return Reply(Status::Ok(), response->mutable_status(), "GetIndexBuildProgress");
}

grpc::Status MilvusService::LoadCollection(ServerContext* context,
                                           const mpb::LoadCollectionRequest* request,
                                           cpb::Status* response) {
  return Reply(engine_->Load(NameOf(context, *request)), response, "LoadCollection");
}

grpc::Status MilvusService::ReleaseCollection(ServerContext* context,
                                              const mpb::ReleaseCollectionRequest* request,
                                              cpb::Status* response) {
  return Reply(engine_->Release(NameOf(context, *request)), response, "ReleaseCollection");
}

grpc::Status MilvusService::GetLoadingProgress(ServerContext* context,
                                               const mpb::GetLoadingProgressRequest* request,
                                               mpb::GetLoadingProgressResponse* response) {
  std::vector<std::string> partitions(request->partition_names().begin(),
                                      request->partition_names().end());
  auto loaded = engine_->IsLoaded(NameOf(context, *request), partitions);
  if (!loaded.ok()) return Reply(loaded.status(), response->mutable_status(), "GetLoadingProgress");
  // Load is synchronous: a collection is either fully loaded or not loaded at all.
  response->set_progress(*loaded ? 100 : 0);
  response->set_refresh_progress(*loaded ? 100 : 0);
  return Reply(Status::Ok(), response->mutable_status(), "GetLoadingProgress");
}

grpc::Status MilvusService::GetLoadState(ServerContext* context,
                                         const mpb::GetLoadStateRequest* request,
                                         mpb::GetLoadStateResponse* response) {
  std::vector<std::string> partitions(request->partition_names().begin(),
                                      request->partition_names().end());
  auto loaded = engine_->IsLoaded(NameOf(context, *request), partitions);
  if (!loaded.ok()) {
    response->set_state(cpb::LoadState::LoadStateNotExist);
    return Reply(loaded.status(), response->mutable_status(), "GetLoadState");
  }
  response->set_state(*loaded ? cpb::LoadState::LoadStateLoaded : cpb::LoadState::LoadStateNotLoad);
  return Reply(Status::Ok(), response->mutable_status(), "GetLoadState");
}

grpc::Status MilvusService::Insert(ServerContext* context, const mpb::InsertRequest* request,
                                   mpb::MutationResult* response) {
  auto meta = engine_->Meta(NameOf(context, *request));
  if (!meta.ok()) return Reply(meta.status(), response->mutable_status(), "Insert");
  auto batch = BatchFromFieldData((*meta)->schema, request->fields_data(), request->num_rows());
  if (!batch.ok()) return Reply(batch.status(), response->mutable_status(), "Insert");
  auto result = engine_->Insert(NameOf(context, *request), request->partition_name(),
                                std::move(batch).value());
  if (!result.ok()) return Reply(result.status(), response->mutable_status(), "Insert");
  ColumnToIds(result->ids, response->mutable_ids());
  int64_t n = result->ids.size();
  for (int64_t i = 0; i < n; ++i) response->add_succ_index(static_cast<uint32_t>(i));
  response->set_insert_cnt(n);
  response->set_timestamp(result->timestamp);
  return Reply(Status::Ok(), response->mutable_status(), "Insert");
}

grpc::Status MilvusService::Delete(ServerContext* context, const mpb::DeleteRequest* request,
                                   mpb::MutationResult* response) {
  auto parsed = ParseDeleteRequest(*request);
  if (!parsed.ok()) return Reply(parsed.status(), response->mutable_status(), "Delete");
  parsed->collection = NameOf(context, *request);
  auto result = engine_->Delete(*parsed);
  if (!result.ok()) return Reply(result.status(), response->mutable_status(), "Delete");
  ColumnToIds(result->ids, response->mutable_ids());
  response->set_delete_cnt(result->ids.size());
  response->set_timestamp(result->timestamp);
  return Reply(Status::Ok(), response->mutable_status(), "Delete");
}

grpc::Status MilvusService::Upsert(ServerContext* context, const mpb::UpsertRequest* request,
                                   mpb::MutationResult* response) {
  auto meta = engine_->Meta(NameOf(context, *request));
  if (!meta.ok()) return Reply(meta.status(), response->mutable_status(), "Upsert");
  auto batch = BatchFromFieldData((*meta)->schema, request->fields_data(), request->num_rows());
  if (!batch.ok()) return Reply(batch.status(), response->mutable_status(), "Upsert");
  auto result = engine_->Upsert(NameOf(context, *request), request->partition_name(),
                                std::move(batch).value());
  if (!result.ok()) return Reply(result.status(), response->mutable_status(), "Upsert");
  ColumnToIds(result->ids, response->mutable_ids());
  int64_t n = result->ids.size();
  for (int64_t i = 0; i < n; ++i) response->add_succ_index(static_cast<uint32_t>(i));
  response->set_upsert_cnt(n);
  response->set_timestamp(result->timestamp);
  return Reply(Status::Ok(), response->mutable_status(), "Upsert");
}

grpc::Status MilvusService::Flush(ServerContext* context, const mpb::FlushRequest* request,
                                  mpb::FlushResponse* response) {
  const std::string database = DatabaseOf(context, request->db_name());
  response->set_db_name(database);
  for (const auto& name : request->collection_names()) {
    auto flushed = engine_->Flush(CollectionName(database, name));
    if (!flushed.ok()) return Reply(flushed.status(), response->mutable_status(), "Flush");
    auto& ids = (*response->mutable_coll_segids())[name];
    for (int64_t id : flushed->sealed_segment_ids) ids.add_data(id);
    (*response->mutable_flush_coll_segids())[name] = ids;
    (*response->mutable_coll_seal_times())[name] =
        static_cast<int64_t>(PhysicalMs(flushed->flush_ts) / 1000);
    (*response->mutable_coll_flush_ts())[name] = flushed->flush_ts;
  }
  return Reply(Status::Ok(), response->mutable_status(), "Flush");
}

grpc::Status MilvusService::GetFlushState(ServerContext* context,
                                          const mpb::GetFlushStateRequest* request,
                                          mpb::GetFlushStateResponse* response) {
  std::vector<int64_t> ids(request->segmentids().begin(), request->segmentids().end());
  const std::string database = DatabaseOf(context, request->db_name());
  std::vector<std::string> names;
  if (!request->collection_name().empty()) {
    names.push_back(request->collection_name());
  } else {
    auto collections = engine_->ListCollections(database);
    if (!collections.ok())
      return Reply(collections.status(), response->mutable_status(), "GetFlushState");
    for (const auto& meta : *collections) names.push_back(meta.schema.name);
  }
  bool flushed = true;
  for (const auto& name : names) {
    auto f = engine_->IsFlushed(CollectionName(database, name), ids);
    if (!f.ok()) return Reply(f.status(), response->mutable_status(), "GetFlushState");
    flushed = flushed && *f;
  }
  response->set_flushed(flushed);
  return Reply(Status::Ok(), response->mutable_status(), "GetFlushState");
}

grpc::Status MilvusService::GetPersistentSegmentInfo(
    ServerContext* context, const mpb::GetPersistentSegmentInfoRequest* request,
    mpb::GetPersistentSegmentInfoResponse* response) {
  auto meta = engine_->Meta(
      CollectionName(DatabaseOf(context, request->dbname()), request->collectionname()));
  if (!meta.ok())
    return Reply(meta.status(), response->mutable_status(), "GetPersistentSegmentInfo");
  for (const auto& seg : (*meta)->segments) {
    auto* info = response->add_infos();
    info->set_segmentid(seg.segment_id);
    info->set_collectionid((*meta)->collection_id);
    info->set_partitionid(seg.partition_id);
    info->set_num_rows(seg.num_rows);
    info->set_state(cpb::Flushed);
  }
  return Reply(Status::Ok(), response->mutable_status(), "GetPersistentSegmentInfo");
}

grpc::Status MilvusService::GetQuerySegmentInfo(ServerContext* context,
                                                const mpb::GetQuerySegmentInfoRequest* request,
                                                mpb::GetQuerySegmentInfoResponse* response) {
  auto meta = engine_->Meta(
      CollectionName(DatabaseOf(context, request->dbname()), request->collectionname()));
  if (!meta.ok()) return Reply(meta.status(), response->mutable_status(), "GetQuerySegmentInfo");
  const CollectionMeta& c = **meta;
  if (!c.loaded)
    return Reply(Status(StatusCode::kFailedPrecondition,
                        fmt::format("collection '{}' is not loaded", c.schema.name),
                        ErrorTag::kCollectionNotLoaded),
                 response->mutable_status(), "GetQuerySegmentInfo");
  // The sealed segments of the loaded partitions, with the index each one is searched through.
  for (const auto& seg : c.segments) {
    if (!c.PartitionLoaded(seg.partition_id)) continue;
    auto* info = response->add_infos();
    info->set_segmentid(seg.segment_id);
    info->set_collectionid(c.collection_id);
    info->set_partitionid(seg.partition_id);
    info->set_num_rows(seg.num_rows);
    info->set_mem_size(SegmentBytes(seg));
    info->set_state(cpb::Sealed);
    for (const auto& file : seg.index_files)
      for (const auto& index : c.indexes)
        if (index.index_id == file.index_id) {
          info->set_index_name(index.index_name);
          info->set_indexid(index.index_id);
        }
  }
  return Reply(Status::Ok(), response->mutable_status(), "GetQuerySegmentInfo");
}

grpc::Status MilvusService::ManualCompaction(ServerContext*,
                                             const mpb::ManualCompactionRequest* request,
                                             mpb::ManualCompactionResponse* response) {
  auto queued = engine_->Compact(request->collectionid());
  if (!queued.ok()) return Reply(queued.status(), response->mutable_status(), "ManualCompaction");
  response->set_compactionid(queued->job_id);
  response->set_compactionplancount(static_cast<int32_t>(queued->planned));
  return Reply(Status::Ok(), response->mutable_status(), "ManualCompaction");
}

namespace {

// Milvus reports a compaction it has no task for as completed with no plans.
cpb::CompactionState JobState(const std::optional<CompactionJob>& job) {
  return job && !job->done ? cpb::Executing : cpb::Completed;
}

}  // namespace

grpc::Status MilvusService::GetCompactionState(ServerContext*,
                                               const mpb::GetCompactionStateRequest* request,
                                               mpb::GetCompactionStateResponse* response) {
  std::optional<CompactionJob> job = engine_->CompactionState(request->compactionid());
  response->set_state(JobState(job));
  if (job) {
    response->set_executingplanno(job->executing);
    response->set_completedplanno(job->completed);
    response->set_failedplanno(job->failed);
  }
  return Reply(Status::Ok(), response->mutable_status(), "GetCompactionState");
}

grpc::Status MilvusService::GetCompactionStateWithPlans(
    ServerContext*, const mpb::GetCompactionPlansRequest* request,
    mpb::GetCompactionPlansResponse* response) {
  std::optional<CompactionJob> job = engine_->CompactionState(request->compactionid());
  response->set_state(JobState(job));
  if (job) {
    for (const MergeInfo& merge : job->merges) {
      auto* info = response->add_mergeinfos();
      for (int64_t id : merge.sources) info->add_sources(id);
      info->set_target(merge.target);
    }
  }
  return Reply(Status::Ok(), response->mutable_status(), "GetCompactionStateWithPlans");
}

namespace {

// A search's answer as Milvus's SearchResultData.
void FillSearchResults(const SearchResult& result, const CollectionSchema& schema,
                       milvus::proto::schema::SearchResultData* data) {
  data->set_num_queries(result.nq);
  data->set_top_k(result.top_k);
  data->mutable_scores()->Add(result.scores.begin(), result.scores.end());
  data->mutable_topks()->Add(result.topks.begin(), result.topks.end());
  ColumnToIds(result.ids, data->mutable_ids());
  data->set_primary_field_name(result.primary_field_name);
  for (const Column& column : result.fields.columns)
    ColumnToFieldData(column, *schema.FindField(column.field_id()), data->add_fields_data());
  for (const auto& name : result.output_fields) data->add_output_fields(name);
  if (!result.group_by_field.empty())
    ColumnToFieldData(result.group_by_values, *schema.FindField(result.group_by_field),
                      data->mutable_group_by_field_value());
}

}  // namespace

grpc::Status MilvusService::Search(ServerContext* context, const mpb::SearchRequest* request,
                                   mpb::SearchResults* response) {
  response->set_collection_name(request->collection_name());
  auto meta = engine_->Meta(NameOf(context, *request));
  if (!meta.ok()) return Reply(meta.status(), response->mutable_status(), "Search");
  Status ready =
      engine_->clock().AwaitTimestamp(request->guarantee_timestamp(), kMaxGuaranteeWaitMs);
  if (!ready.ok()) return Reply(ready, response->mutable_status(), "Search");
  auto parsed = ParseSearchRequest(*request, (*meta)->schema);
  if (!parsed.ok()) return Reply(parsed.status(), response->mutable_status(), "Search");
  parsed->collection = NameOf(context, *request);
  auto result = engine_->Search(*parsed);
  if (!result.ok()) return Reply(result.status(), response->mutable_status(), "Search");
  FillSearchResults(*result, (*meta)->schema, response->mutable_results());
  if (result->iterator_last_bound) {
    auto* page = response->mutable_results()->mutable_search_iterator_v2_results();
    page->set_token(parsed->iterator_token);
    page->set_last_bound(*result->iterator_last_bound);
    // Strata reads the newest data on every page; the SDKs send this back as given.
    response->set_session_ts(engine_->clock().Now());
  }
  return Reply(Status::Ok(), response->mutable_status(), "Search");
}

grpc::Status MilvusService::HybridSearch(ServerContext* context,
                                         const mpb::HybridSearchRequest* request,
                                         mpb::SearchResults* response) {
  response->set_collection_name(request->collection_name());
  auto meta = engine_->Meta(NameOf(context, *request));
  if (!meta.ok()) return Reply(meta.status(), response->mutable_status(), "HybridSearch");
  Status ready =
      engine_->clock().AwaitTimestamp(request->guarantee_timestamp(), kMaxGuaranteeWaitMs);
  if (!ready.ok()) return Reply(ready, response->mutable_status(), "HybridSearch");
  auto parsed = ParseHybridSearchRequest(*request, (*meta)->schema);
  if (!parsed.ok()) return Reply(parsed.status(), response->mutable_status(), "HybridSearch");
  parsed->collection = NameOf(context, *request);
  auto result = engine_->HybridSearch(*parsed);
  if (!result.ok()) return Reply(result.status(), response->mutable_status(), "HybridSearch");
  FillSearchResults(*result, (*meta)->schema, response->mutable_results());
  return Reply(Status::Ok(), response->mutable_status(), "HybridSearch");
}

grpc::Status MilvusService::Query(ServerContext* context, const mpb::QueryRequest* request,
                                  mpb::QueryResults* response) {
  response->set_collection_name(request->collection_name());
  auto meta = engine_->Meta(NameOf(context, *request));
  if (!meta.ok()) return Reply(meta.status(), response->mutable_status(), "Query");
  Status ready =
      engine_->clock().AwaitTimestamp(request->guarantee_timestamp(), kMaxGuaranteeWaitMs);
  if (!ready.ok()) return Reply(ready, response->mutable_status(), "Query");
  auto parsed = ParseQueryRequest(*request);
  if (!parsed.ok()) return Reply(parsed.status(), response->mutable_status(), "Query");
  parsed->collection = NameOf(context, *request);
  auto result = engine_->Query(*parsed);
  if (!result.ok()) return Reply(result.status(), response->mutable_status(), "Query");
  if (result->is_count) {
    auto* fd = response->add_fields_data();
    fd->set_type(milvus::proto::schema::DataType::Int64);
    fd->set_field_name("count(*)");
    fd->mutable_scalars()->mutable_long_data()->add_data(result->count);
    response->add_output_fields("count(*)");
    return Reply(Status::Ok(), response->mutable_status(), "Query");
  }
  for (const Column& column : result->fields.columns)
    ColumnToFieldData(column, *(*meta)->schema.FindField(column.field_id()),
                      response->add_fields_data());
  for (const auto& name : result->output_fields) response->add_output_fields(name);
  return Reply(Status::Ok(), response->mutable_status(), "Query");
}

}  // namespace strata::api
