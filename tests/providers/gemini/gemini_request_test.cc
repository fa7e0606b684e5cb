// ChatRequest / EmbedRequest → Gemini request bodies, asserted field by
// field against the golden fixtures (tests/providers/gemini/fixtures).
#include "providers/gemini/gemini_request.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>

#include "providers/gemini/gemini_tool_ids.h"
#include "tests/providers/gemini/fixture_util.h"

namespace across::gemini {
namespace {

namespace json = boost::json;
using testing::Describe;
using testing::Diff;
using testing::LoadJson;

json::value Parse(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  EXPECT_FALSE(ec) << body;
  return v;
}

// Builds the body for the fixture's openai_request and diffs it, exactly,
// against gemini_request.
void CheckChatFixture(std::string_view name) {
  SCOPED_TRACE(std::string(name));
  const json::value fx = LoadJson(name);
  const v1::ChatRequest req = testing::ParseOpenAiChat(fx.at("openai_request"));
  auto body = BuildChatRequestBody(req);
  ASSERT_TRUE(body.ok()) << body.error().message;
  auto diffs = Diff(fx.at("gemini_request"), Parse(*body), /*exact=*/true);
  EXPECT_TRUE(diffs.empty()) << Describe(diffs) << "\nbody: " << *body;
}

TEST(GeminiRequest, PlainChat) { CheckChatFixture("plain_chat.request.json"); }

TEST(GeminiRequest, MultiTurnWithSystemPrompt) {
  CheckChatFixture("multi_turn_system.request.json");
}

TEST(GeminiRequest, ToolRoundTrip) {
  CheckChatFixture("tool_round_trip.request.json");
}

TEST(GeminiRequest, ImageInput) {
  CheckChatFixture("image_input.request.json");
}

TEST(GeminiRequest, JsonSchemaResponseFormat) {
  CheckChatFixture("json_schema.request.json");
}

TEST(GeminiRequest, ExtraParamsPassThrough) {
  CheckChatFixture("extra_params.request.json");
}

void CheckEmbedFixture(std::string_view name) {
  SCOPED_TRACE(std::string(name));
  const json::value fx = LoadJson(name);
  const v1::EmbedRequest req =
      testing::ParseOpenAiEmbed(fx.at("openai_request"));
  auto body = BuildEmbedRequestBody(req, req.model());
  ASSERT_TRUE(body.ok()) << body.error().message;
  auto diffs = Diff(fx.at("gemini_request"), Parse(*body), /*exact=*/true);
  EXPECT_TRUE(diffs.empty()) << Describe(diffs) << "\nbody: " << *body;
  EXPECT_EQ(MethodPath(req.model(), IsBatchEmbed(req) ? "batchEmbedContents"
                                                      : "embedContent"),
            json::value_to<std::string>(fx.at("path")));
}

TEST(GeminiRequest, EmbedSingle) {
  CheckEmbedFixture("embed_single.request.json");
}

TEST(GeminiRequest, EmbedBatch) {
  CheckEmbedFixture("embed_batch.request.json");
}

TEST(GeminiRequest, ToolChoiceModes) {
  v1::ChatRequest r;
  auto* m = r.add_messages();
  m->set_role(v1::ROLE_USER);
  m->set_content("hi");
  auto* t = r.add_tools();
  t->set_type("function");
  t->mutable_function()->set_name("f");
  for (auto [mode, want] :
       {std::pair{"none", "NONE"}, std::pair{"auto", "AUTO"},
        std::pair{"required", "ANY"}}) {
    r.mutable_tool_choice()->set_mode(mode);
    auto body = BuildChatRequestBody(r);
    ASSERT_TRUE(body.ok());
    json::value v = Parse(*body);
    EXPECT_EQ(v.at("toolConfig").at("functionCallingConfig"),
              (json::object{{"mode", want}}))
        << mode;
    EXPECT_EQ(v.at("tools"), (json::array{json::object{
                                 {"functionDeclarations",
                                  json::array{json::object{{"name", "f"}}}}}}));
  }
}

TEST(GeminiRequest, ToolResultForUnknownCallIsRejected) {
  v1::ChatRequest r;
  auto* u = r.add_messages();
  u->set_role(v1::ROLE_USER);
  u->set_content("hi");
  auto* t = r.add_messages();
  t->set_role(v1::ROLE_TOOL);
  t->set_tool_call_id("call_9");
  t->set_content("42");
  auto body = BuildChatRequestBody(r);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().http_status, 400);
  EXPECT_EQ(body.error().param, "messages[1].tool_call_id");

  // The tool message's own name is enough.
  t->set_name("lookup");
  body = BuildChatRequestBody(r);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(Parse(*body).at("contents").at(0).at("parts").at(1),
            (json::object{
                {"functionResponse",
                 json::object{{"name", "lookup"},
                              {"response", json::object{{"output", 42}}}}}}));
}

TEST(GeminiRequest, BadInputsAreInvalidRequests) {
  auto check = [](v1::ChatRequest r, std::string_view param) {
    auto body = BuildChatRequestBody(r);
    ASSERT_FALSE(body.ok()) << param;
    EXPECT_EQ(body.error().http_status, 400);
    EXPECT_EQ(body.error().param, param);
  };
  v1::ChatRequest only_system;
  auto* s = only_system.add_messages();
  s->set_role(v1::ROLE_SYSTEM);
  s->set_content("be brief");
  check(only_system, "messages");

  v1::ChatRequest bad_args;
  auto* a = bad_args.add_messages();
  a->set_role(v1::ROLE_ASSISTANT);
  auto* tc = a->add_tool_calls();
  tc->set_id("call_0");
  tc->mutable_function()->set_name("f");
  tc->mutable_function()->set_arguments("[1,2]");
  check(bad_args, "messages[0].tool_calls[0].function.arguments");

  v1::ChatRequest bad_image;
  auto* u = bad_image.add_messages();
  u->set_role(v1::ROLE_USER);
  u->add_parts()->mutable_image_url()->set_url("data:image/png,notbase64");
  check(bad_image, "messages[0].content[0].image_url");
  u->mutable_parts(0)->mutable_image_url()->set_url("ftp://x/y.png");
  check(bad_image, "messages[0].content[0].image_url");
}

TEST(GeminiRequest, ModelPaths) {
  EXPECT_EQ(MethodPath("gemini-2.0-flash", "generateContent"),
            "/models/gemini-2.0-flash:generateContent");
  EXPECT_EQ(
      MethodPath("models/gemini-2.0-flash", "streamGenerateContent?alt=sse"),
      "/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
  EXPECT_EQ(MethodPath("tunedModels/my-model-1", "generateContent"),
            "/tunedModels/my-model-1:generateContent");
  // A model name cannot smuggle in a query or a fragment.
  EXPECT_EQ(MethodPath("evil?key=x#y", "generateContent"),
            "/models/evil%3Fkey%3Dx%23y:generateContent");
}

}  // namespace
}  // namespace across::gemini

namespace across::gemini {
namespace {

TEST(GeminiToolIds, ThoughtSignatureRoundTrip) {
  EXPECT_EQ(ToolCallId(3, ""), "call_3");
  EXPECT_EQ(ThoughtSignatureOf("call_3"), "");
  for (std::string sig : {"Cr0B+dHt/im9sg==", "AAAA", "a+/b", "Zm9vYg=="}) {
    const std::string id = ToolCallId(0, sig);
    EXPECT_EQ(id.find_first_not_of(
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789_-"),
              std::string::npos)
        << id;
    EXPECT_EQ(ThoughtSignatureOf(id), sig) << id;
  }
}

}  // namespace
}  // namespace across::gemini
