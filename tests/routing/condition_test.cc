// Conditional-routing queries: every operator, combinators, missing fields,
// type coercion and facts built from a real request.
#include "gateway/routing/condition.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/routing/override_params.h"
#include "gateway/routing/request_facts.h"

namespace across::routing {
namespace {

namespace json = boost::json;

class ConditionTest : public ::testing::Test {
 protected:
  bool Match(const char* query) {
    auto c = Condition::Compile(json::parse(query), "query");
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() && c->Matches(facts_);
  }

  json::object facts_ = json::parse(R"({
    "metadata": {"tier": "paid", "region": "eu-west", "score": "42", "tags": ["a", "b"]},
    "params": {"model": "gpt-4o", "temperature": 0.5, "max_tokens": 2000,
               "messages": [{"role": "ROLE_USER", "content": "hi"}], "stream": true}
  })")
                            .as_object();
};

TEST_F(ConditionTest, Equality) {
  EXPECT_TRUE(Match(R"({"metadata.tier": {"$eq": "paid"}})"));
  EXPECT_TRUE(Match(R"({"metadata.tier": "paid"})"));  // shorthand
  EXPECT_FALSE(Match(R"({"metadata.tier": {"$eq": "free"}})"));
  EXPECT_TRUE(Match(R"({"metadata.tier": {"$ne": "free"}})"));
  EXPECT_FALSE(Match(R"({"metadata.tier": {"$ne": "paid"}})"));
  EXPECT_TRUE(Match(R"({"params.stream": true})"));
  EXPECT_TRUE(Match(R"({"params.max_tokens": 2000})"));
  EXPECT_TRUE(Match(R"({"metadata.tags": "b"})"));  // array contains
  EXPECT_TRUE(Match(R"({"params.messages.0.role": "ROLE_USER"})"));
}

TEST_F(ConditionTest, Ordering) {
  EXPECT_TRUE(Match(R"({"params.max_tokens": {"$gt": 1000}})"));
  EXPECT_FALSE(Match(R"({"params.max_tokens": {"$gt": 2000}})"));
  EXPECT_TRUE(Match(R"({"params.max_tokens": {"$gte": 2000}})"));
  EXPECT_TRUE(Match(R"({"params.temperature": {"$lt": 0.7}})"));
  EXPECT_FALSE(Match(R"({"params.temperature": {"$lt": 0.5}})"));
  EXPECT_TRUE(Match(R"({"params.temperature": {"$lte": 0.5}})"));
  // Metadata arrives as strings; numeric strings compare as numbers.
  EXPECT_TRUE(Match(R"({"metadata.score": {"$gt": 9}})"));
  EXPECT_TRUE(Match(R"({"metadata.score": {"$eq": 42}})"));
  // Strings order lexicographically; mixed non-numeric types never match.
  EXPECT_TRUE(Match(R"({"metadata.region": {"$gt": "eu"}})"));
  EXPECT_FALSE(Match(R"({"metadata.tier": {"$gt": 1}})"));
  // Several operators on one field: all must hold.
  EXPECT_TRUE(Match(R"({"params.max_tokens": {"$gt": 1000, "$lte": 4000}})"));
  EXPECT_FALSE(Match(R"({"params.max_tokens": {"$gt": 1000, "$lte": 1500}})"));
}

TEST_F(ConditionTest, Membership) {
  EXPECT_TRUE(Match(R"({"metadata.tier": {"$in": ["pro", "paid"]}})"));
  EXPECT_FALSE(Match(R"({"metadata.tier": {"$in": ["pro", "free"]}})"));
  EXPECT_TRUE(Match(R"({"metadata.tier": {"$nin": ["pro", "free"]}})"));
  EXPECT_FALSE(Match(R"({"metadata.tier": {"$nin": ["paid"]}})"));
  EXPECT_TRUE(Match(R"({"metadata.tags": {"$in": ["x", "a"]}})"));
}

TEST_F(ConditionTest, Regex) {
  EXPECT_TRUE(Match(R"({"params.model": {"$regex": "^gpt-4"}})"));
  EXPECT_TRUE(
      Match(R"({"metadata.region": {"$regex": "west"}})"));  // partial match
  EXPECT_FALSE(Match(R"({"params.model": {"$regex": "^claude"}})"));
  EXPECT_FALSE(
      Match(R"({"params.max_tokens": {"$regex": "2"}})"));  // not a string
}

TEST_F(ConditionTest, Combinators) {
  EXPECT_TRUE(Match(
      R"({"$and": [{"metadata.tier": "paid"}, {"params.model": "gpt-4o"}]})"));
  EXPECT_FALSE(
      Match(R"({"$and": [{"metadata.tier": "paid"}, {"params.model": "x"}]})"));
  EXPECT_TRUE(Match(
      R"({"$or": [{"metadata.tier": "free"}, {"params.model": "gpt-4o"}]})"));
  EXPECT_FALSE(
      Match(R"({"$or": [{"metadata.tier": "free"}, {"params.model": "x"}]})"));
  EXPECT_TRUE(Match(
      R"({"$or": [{"$and": [{"metadata.tier": "paid"}, {"params.max_tokens": {"$gt": 1}}]},
                  {"metadata.tier": "free"}]})"));
  // Several keys at one level are an implicit AND.
  EXPECT_TRUE(Match(R"({"metadata.tier": "paid", "params.model": "gpt-4o"})"));
  EXPECT_FALSE(Match(R"({"metadata.tier": "paid", "params.model": "x"})"));
}

TEST_F(ConditionTest, MissingFields) {
  EXPECT_FALSE(Match(R"({"metadata.nope": {"$eq": "x"}})"));
  EXPECT_FALSE(Match(R"({"metadata.nope": {"$gt": 1}})"));
  EXPECT_FALSE(Match(R"({"metadata.nope": {"$in": ["x"]}})"));
  EXPECT_FALSE(Match(R"({"metadata.nope": {"$regex": "."}})"));
  EXPECT_TRUE(Match(R"({"metadata.nope": {"$ne": "x"}})"));
  EXPECT_TRUE(Match(R"({"metadata.nope": {"$nin": ["x"]}})"));
  EXPECT_FALSE(Match(R"({"metadata.tier.deeper": "x"})"));
  EXPECT_FALSE(Match(R"({"params.messages.7.role": "x"})"));
}

TEST_F(ConditionTest, CompileErrorsNameThePath) {
  auto err = [](const char* q) {
    auto c = Condition::Compile(json::parse(q), "conditions[0].query");
    return c.ok() ? std::string("<ok>") : c.error().message;
  };
  EXPECT_EQ(err(R"({"a": {"$in": "x"}})"),
            "conditions[0].query.a.$in: must be an array");
  EXPECT_EQ(err(R"({"$or": []})"),
            "conditions[0].query.$or: must be a non-empty array of queries");
  EXPECT_EQ(err(R"({"$or": [{"a": 1}, 3]})"),
            "conditions[0].query.$or[1]: must be an object");
  EXPECT_EQ(err(R"({"$not": {"a": 1}})"),
            "conditions[0].query.$not: unknown operator \"$not\" at this level "
            "(expected $and, "
            "$or or a field path)");
  EXPECT_EQ(err(R"({"a": {"$gt": true}})"),
            "conditions[0].query.a.$gt: must be a number or a string");
  EXPECT_EQ(err(R"({"a": {"$eq": 1, "b": 2}})"),
            "conditions[0].query.a: mixes operators and plain keys");
  EXPECT_EQ(err(R"({})"), "conditions[0].query: must not be empty");
  EXPECT_EQ(err(R"({"a..b": 1})"),
            "conditions[0].query.a..b: empty segment in field path");
}

TEST(RequestFactsTest, BuildsParamsAndMergesMetadata) {
  gateway::v1::ChatRequest request;
  request.set_model("gpt-4o");
  request.set_max_tokens(300);
  (*request.mutable_metadata())["tier"] = "free";
  (*request.mutable_metadata())["team"] = "search";
  auto header = ParseMetadataHeader(R"({"tier": "paid"})");
  ASSERT_TRUE(header.ok());
  auto facts = BuildFacts(request, *header);
  auto c = Condition::Compile(
      json::parse(R"({"metadata.tier": "paid", "metadata.team": "search",
                      "params.model": "gpt-4o", "params.max_tokens": {"$gte": 300}})"),
      "q");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->Matches(facts)) << json::serialize(facts);
  EXPECT_FALSE(ParseMetadataHeader("[1]").ok());
}

TEST(OverrideParamsTest, ReplacesKnownFieldsAndKeepsTheRestAsExtra) {
  gateway::v1::ChatRequest request;
  request.set_temperature(1.0);
  request.add_stop("a");
  google::protobuf::Struct params;
  (*params.mutable_fields())["temperature"].set_number_value(0.1);
  (*params.mutable_fields())["max_tokens"].set_number_value(50);
  (*params.mutable_fields())["stop"]
      .mutable_list_value()
      ->add_values()
      ->set_string_value("z");
  (*params.mutable_fields())["top_k"].set_number_value(5);
  ASSERT_TRUE(ApplyOverrideParams(params, request).ok());
  EXPECT_DOUBLE_EQ(request.temperature(), 0.1);
  EXPECT_EQ(request.max_tokens(), 50);
  ASSERT_EQ(request.stop_size(), 1);
  EXPECT_EQ(request.stop(0), "z");
  EXPECT_EQ(request.extra_params().fields().at("top_k").number_value(), 5);

  google::protobuf::Struct bad;
  (*bad.mutable_fields())["max_tokens"].set_string_value("many");
  auto status = ApplyOverrideParams(bad, request);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().http_status, 400);
  EXPECT_NE(status.error().message.find("override_params"), std::string::npos);
}

}  // namespace
}  // namespace across::routing
