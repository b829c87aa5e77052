// Checks that the generated Milvus protocol code round-trips the messages Strata handles most
// and that the field numbers clients depend on are the upstream ones.
#include <google/protobuf/descriptor.h>

#include <cstring>
#include <string>
#include <vector>

#include "common.pb.h"
#include "gtest/gtest.h"
#include "milvus.grpc.pb.h"
#include "milvus.pb.h"
#include "schema.pb.h"

namespace {

namespace common = milvus::proto::common;
namespace schema = milvus::proto::schema;
namespace api = milvus::proto::milvus;

// Field number of `field` in message type T; -1 when the field does not exist.
template <typename T>
int FieldNumber(const std::string& field) {
  const google::protobuf::FieldDescriptor* f = T::descriptor()->FindFieldByName(field);
  return f == nullptr ? -1 : f->number();
}

std::string FloatsToBytes(const std::vector<float>& v) {
  std::string out(v.size() * sizeof(float), '\0');
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

TEST(ProtoTest, SearchRequestRoundTripsWithPlaceholderGroup) {
  common::PlaceholderGroup group;
  common::PlaceholderValue* value = group.add_placeholders();
  value->set_tag("$0");
  value->set_type(common::FloatVector);
  value->add_values(FloatsToBytes({1.0f, 2.0f}));
  value->add_values(FloatsToBytes({3.0f, 4.0f}));

  api::SearchRequest request;
  request.set_collection_name("docs");
  request.set_dsl("id > 3");
  request.set_dsl_type(common::BoolExprV1);
  request.set_placeholder_group(group.SerializeAsString());
  request.set_nq(2);
  request.set_consistency_level(common::Bounded);
  request.add_output_fields("title");
  common::KeyValuePair* topk = request.add_search_params();
  topk->set_key("topk");
  topk->set_value("10");

  api::SearchRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(request.SerializeAsString()));
  EXPECT_EQ(parsed.collection_name(), "docs");
  EXPECT_EQ(parsed.dsl(), "id > 3");
  EXPECT_EQ(parsed.dsl_type(), common::BoolExprV1);
  EXPECT_EQ(parsed.nq(), 2);
  EXPECT_EQ(parsed.consistency_level(), common::Bounded);
  ASSERT_EQ(parsed.search_params_size(), 1);
  EXPECT_EQ(parsed.search_params(0).key(), "topk");
  EXPECT_EQ(parsed.search_params(0).value(), "10");
  ASSERT_EQ(parsed.output_fields_size(), 1);

  common::PlaceholderGroup parsed_group;
  ASSERT_TRUE(parsed_group.ParseFromString(parsed.placeholder_group()));
  ASSERT_EQ(parsed_group.placeholders_size(), 1);
  const common::PlaceholderValue& pv = parsed_group.placeholders(0);
  EXPECT_EQ(pv.tag(), "$0");
  EXPECT_EQ(pv.type(), common::FloatVector);
  ASSERT_EQ(pv.values_size(), 2);
  float second[2];
  ASSERT_EQ(pv.values(1).size(), sizeof(second));
  std::memcpy(second, pv.values(1).data(), sizeof(second));
  EXPECT_EQ(second[0], 3.0f);
  EXPECT_EQ(second[1], 4.0f);
}

TEST(ProtoTest, FloatVectorFieldDataRoundTrips) {
  schema::FieldData column;
  column.set_type(schema::FloatVector);
  column.set_field_name("embedding");
  column.set_field_id(101);
  schema::VectorField* vectors = column.mutable_vectors();
  vectors->set_dim(3);
  for (float x : {0.5f, 1.5f, 2.5f, -1.0f, 0.0f, 4.0f}) {
    vectors->mutable_float_vector()->add_data(x);
  }

  schema::FieldData parsed;
  ASSERT_TRUE(parsed.ParseFromString(column.SerializeAsString()));
  EXPECT_EQ(parsed.type(), schema::FloatVector);
  EXPECT_EQ(parsed.field_name(), "embedding");
  EXPECT_EQ(parsed.field_id(), 101);
  EXPECT_EQ(parsed.field_case(), schema::FieldData::kVectors);
  EXPECT_EQ(parsed.vectors().dim(), 3);
  ASSERT_EQ(parsed.vectors().data_case(), schema::VectorField::kFloatVector);
  ASSERT_EQ(parsed.vectors().float_vector().data_size(), 6);
  EXPECT_EQ(parsed.vectors().float_vector().data(3), -1.0f);
  EXPECT_FALSE(parsed.is_dynamic());
}

TEST(ProtoTest, StatusRoundTripsBothCodes) {
  common::Status status;
  status.set_error_code(common::CollectionNotExists);
  status.set_code(100);
  status.set_reason("collection not found[collection=docs]");
  (*status.mutable_extra_info())["k"] = "v";

  common::Status parsed;
  ASSERT_TRUE(parsed.ParseFromString(status.SerializeAsString()));
  EXPECT_EQ(parsed.error_code(), common::CollectionNotExists);
  EXPECT_EQ(parsed.code(), 100);
  EXPECT_EQ(parsed.reason(), "collection not found[collection=docs]");
  EXPECT_EQ(parsed.extra_info().at("k"), "v");
}

TEST(ProtoTest, FieldNumbersMatchUpstream) {
  EXPECT_EQ(FieldNumber<common::Status>("error_code"), 1);
  EXPECT_EQ(FieldNumber<common::Status>("code"), 3);
  EXPECT_EQ(FieldNumber<common::Status>("extra_info"), 6);

  EXPECT_EQ(FieldNumber<api::SearchRequest>("dsl"), 5);
  EXPECT_EQ(FieldNumber<api::SearchRequest>("placeholder_group"), 6);
  EXPECT_EQ(FieldNumber<api::SearchRequest>("output_fields"), 8);
  EXPECT_EQ(FieldNumber<api::SearchRequest>("search_params"), 9);
  EXPECT_EQ(FieldNumber<api::SearchRequest>("guarantee_timestamp"), 11);
  EXPECT_EQ(FieldNumber<api::SearchRequest>("nq"), 12);
  EXPECT_EQ(FieldNumber<api::SearchRequest>("consistency_level"), 14);

  EXPECT_EQ(FieldNumber<schema::FieldData>("vectors"), 4);
  EXPECT_EQ(FieldNumber<schema::FieldData>("is_dynamic"), 6);
  EXPECT_EQ(FieldNumber<schema::FieldData>("valid_data"), 7);
  EXPECT_EQ(FieldNumber<schema::VectorField>("binary_vector"), 3);
  EXPECT_EQ(FieldNumber<schema::ScalarField>("json_data"), 9);
  EXPECT_EQ(FieldNumber<schema::SearchResultData>("topks"), 6);
  EXPECT_EQ(FieldNumber<schema::SearchResultData>("distances"), 10);
  EXPECT_EQ(FieldNumber<schema::SearchResultData>("primary_field_name"), 13);

  const google::protobuf::FieldDescriptor* schema_field =
      api::CreateCollectionRequest::descriptor()->FindFieldByName("schema");
  ASSERT_NE(schema_field, nullptr);
  EXPECT_EQ(schema_field->number(), 4);
  EXPECT_EQ(schema_field->type(), google::protobuf::FieldDescriptor::TYPE_BYTES);

  EXPECT_EQ(FieldNumber<api::FlushResponse>("coll_segIDs"), 3);
  EXPECT_EQ(FieldNumber<api::FlushResponse>("coll_flush_ts"), 6);
  EXPECT_EQ(FieldNumber<api::MutationResult>("IDs"), 2);
  EXPECT_EQ(FieldNumber<api::ConnectResponse>("identifier"), 3);
  EXPECT_EQ(FieldNumber<api::ShowCollectionsResponse>("inMemory_percentages"), 6);
  EXPECT_EQ(FieldNumber<api::QueryRequest>("query_params"), 9);
}

TEST(ProtoTest, EnumValuesMatchUpstream) {
  EXPECT_EQ(common::IndexNotExist, 25);
  EXPECT_EQ(common::RateLimit, 49);
  EXPECT_EQ(common::NotReadyServe, 56);
  EXPECT_EQ(common::DDRequestRace, 1000);
  EXPECT_EQ(common::FloatVector, 101);
  EXPECT_EQ(common::AllocTimestamp, 1211);
  EXPECT_EQ(schema::JSON, 23);
  EXPECT_EQ(schema::SparseFloatVector, 104);
}

TEST(ProtoTest, ServiceDeclaresClientMethods) {
  // gRPC routes on this name: /milvus.proto.milvus.MilvusService/<Method>.
  EXPECT_STREQ(api::MilvusService::service_full_name(), "milvus.proto.milvus.MilvusService");
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          api::MilvusService::service_full_name());
  ASSERT_NE(service, nullptr);
  for (const char* method : {"Search", "Connect", "Query", "Insert", "GetFlushState",
                             "DescribeCollection", "GetLoadingProgress", "HybridSearch"}) {
    EXPECT_NE(service->FindMethodByName(method), nullptr) << method;
  }
  const google::protobuf::MethodDescriptor* search = service->FindMethodByName("Search");
  ASSERT_NE(search, nullptr);
  EXPECT_EQ(search->input_type(), api::SearchRequest::descriptor());
  EXPECT_EQ(search->output_type(), api::SearchResults::descriptor());
}

}  // namespace
