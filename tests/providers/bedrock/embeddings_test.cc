// Titan and Cohere embedding bodies on Bedrock InvokeModel, against golden
// fixtures written from the model parameter pages.
#include "providers/bedrock/embeddings.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tests/providers/bedrock/fixture_util.h"

namespace across::bedrock {
namespace {

namespace json = boost::json;
using testing::ExpectJsonEq;
using testing::Fixture;
using testing::FromJson;

TEST(Embeddings, Family) {
  EXPECT_EQ(EmbedFamilyOf("amazon.titan-embed-text-v2:0"), EmbedFamily::kTitan);
  EXPECT_EQ(EmbedFamilyOf("amazon.titan-embed-text-v1"), EmbedFamily::kTitan);
  EXPECT_EQ(EmbedFamilyOf("cohere.embed-english-v3"), EmbedFamily::kCohere);
  EXPECT_EQ(EmbedFamilyOf("us.cohere.embed-v4:0"), EmbedFamily::kCohere);
  EXPECT_EQ(EmbedFamilyOf("arn:aws:bedrock:us-east-1::foundation-model/"
                          "amazon.titan-embed-text-v2:0"),
            EmbedFamily::kTitan);
  EXPECT_EQ(EmbedFamilyOf("anthropic.claude-3-haiku-20240307-v1:0"),
            EmbedFamily::kUnsupported);
}

TEST(Embeddings, Titan) {
  const json::value f = Fixture("embed_titan.json");
  const auto req = FromJson<v1::EmbedRequest>(f.at("embed_request"));
  const auto& bodies = f.at("titan_bodies").as_array();
  ASSERT_EQ(static_cast<size_t>(req.input_size()), bodies.size());
  for (int i = 0; i < req.input_size(); ++i) {
    ExpectJsonEq(json::parse(BuildTitanEmbedBody(req, i)), bodies[i]);
  }
  auto parsed =
      ParseTitanEmbedResponse(json::serialize(f.at("titan_response")));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->embedding, (std::vector<float>{0.0123f, -0.0456f, 0.25f}));
  EXPECT_EQ(parsed->tokens, 3);
  EXPECT_FALSE(ParseTitanEmbedResponse(R"({"embedding":"x"})").ok());
}

TEST(Embeddings, Cohere) {
  const json::value f = Fixture("embed_cohere.json");
  const auto req = FromJson<v1::EmbedRequest>(f.at("embed_request"));
  ExpectJsonEq(json::parse(BuildCohereEmbedBody(req)), f.at("cohere_body"));
  for (const char* key : {"cohere_response", "cohere_response_by_type"}) {
    SCOPED_TRACE(key);
    auto parsed = ParseCohereEmbedResponse(json::serialize(f.at(key)));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_EQ(parsed->data_size(), 2);
    EXPECT_EQ(parsed->data(1).index(), 1);
    EXPECT_EQ(parsed->data(1).embedding(0), 0.125f);
    EXPECT_EQ(parsed->data(1).embedding(1), 1.0f);
  }
  // input_type given by the client wins; dimensions → output_dimension.
  v1::EmbedRequest r;
  r.add_input("q");
  r.set_dimensions(512);
  (*r.mutable_extra_params()->mutable_fields())["input_type"].set_string_value(
      "search_query");
  ExpectJsonEq(json::parse(BuildCohereEmbedBody(r)),
               json::parse(R"({"texts":["q"],"input_type":"search_query",)"
                           R"("output_dimension":512})"));
}

}  // namespace
}  // namespace across::bedrock
