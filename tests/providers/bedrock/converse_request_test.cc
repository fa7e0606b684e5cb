// ChatRequest → Converse body, asserted field by field against golden
// fixtures written from the Converse API reference (each fixture cites its
// page in "_source").
#include "providers/bedrock/converse_request.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "tests/providers/bedrock/fixture_util.h"

namespace across::bedrock {
namespace {

namespace json = boost::json;

using testing::ExpectJsonEq;
using testing::Fixture;
using testing::FromJson;

constexpr int kDefaultMaxTokens = 4096;

void CheckFixture(const std::string& name) {
  SCOPED_TRACE(name);
  const json::value f = Fixture(name);
  const auto request = FromJson<v1::ChatRequest>(f.at("chat_request"));
  auto body = BuildConverseBody(request, kDefaultMaxTokens);
  ASSERT_TRUE(body.ok()) << body.error().message;
  ExpectJsonEq(json::parse(*body), f.at("converse_body"));
}

TEST(ConverseRequest, PlainChat) { CheckFixture("request_plain.json"); }
TEST(ConverseRequest, MultiTurnWithSystem) {
  CheckFixture("request_multiturn_system.json");
}
TEST(ConverseRequest, ToolCallRoundTrip) {
  CheckFixture("request_tool_round_trip.json");
}
TEST(ConverseRequest, ImageInput) { CheckFixture("request_image.json"); }
TEST(ConverseRequest, MaxTokensAndExtraParams) {
  CheckFixture("request_max_tokens_extra.json");
}

v1::ChatRequest WithTools(std::string_view choice_json) {
  return FromJson<v1::ChatRequest>(json::parse(
      std::string(
          R"({"model":"m","messages":[{"role":"ROLE_USER","content":"hi"}],)"
          R"("tools":[{"type":"function","function":{"name":"lookup"}}],)"
          R"("tool_choice":)") +
      std::string(choice_json) + "}"));
}

json::value Body(const v1::ChatRequest& r) {
  auto body = BuildConverseBody(r, kDefaultMaxTokens);
  EXPECT_TRUE(body.ok()) << body.error().message;
  return body.ok() ? json::parse(*body) : json::value();
}

TEST(ConverseRequest, ToolChoiceModes) {
  ExpectJsonEq(Body(WithTools(R"({"mode":"required"})"))
                   .at("toolConfig")
                   .at("toolChoice"),
               json::parse(R"({"any":{}})"));
  ExpectJsonEq(Body(WithTools(R"({"function_name":"lookup"})"))
                   .at("toolConfig")
                   .at("toolChoice"),
               json::parse(R"({"tool":{"name":"lookup"}})"));
  // No parameters: an empty object schema.
  ExpectJsonEq(
      Body(WithTools(R"({"mode":"auto"})")).at("toolConfig").at("tools"),
      json::parse(R"([{"toolSpec":{"name":"lookup","inputSchema":)"
                  R"({"json":{"type":"object","properties":{}}}}}])"));
  // "none" without tool history: no toolConfig at all.
  EXPECT_FALSE(
      Body(WithTools(R"({"mode":"none"})")).as_object().contains("toolConfig"));
  // No tool_choice: tools without toolChoice (Bedrock's default is auto).
  auto r = WithTools("{}");
  EXPECT_FALSE(Body(r).at("toolConfig").as_object().contains("toolChoice"));
}

TEST(ConverseRequest, ToolChoiceNoneKeepsToolsWhenHistoryHasToolBlocks) {
  auto r = FromJson<v1::ChatRequest>(json::parse(R"({
    "model": "m",
    "messages": [
      {"role": "ROLE_USER", "content": "weather?"},
      {"role": "ROLE_ASSISTANT", "tool_calls": [{"id": "t1", "type": "function",
        "function": {"name": "lookup", "arguments": ""}}]},
      {"role": "ROLE_TOOL", "tool_call_id": "t1", "content": "sunny"}
    ],
    "tools": [{"type": "function", "function": {"name": "lookup"}}],
    "tool_choice": {"mode": "none"}
  })"));
  const json::value b = Body(r);
  ASSERT_TRUE(b.as_object().contains("toolConfig"));
  EXPECT_FALSE(b.at("toolConfig").as_object().contains("toolChoice"));
  // Empty arguments → {} input; the assistant turn has no text block.
  ExpectJsonEq(
      b.at("messages").at(1),
      json::parse(R"({"role":"assistant","content":[{"toolUse":)"
                  R"({"toolUseId":"t1","name":"lookup","input":{}}}]})"));
}

TEST(ConverseRequest, Errors) {
  auto image = [](std::string url) {
    v1::ChatRequest r;
    r.set_model("m");
    auto* m = r.add_messages();
    m->set_role(v1::ROLE_USER);
    m->add_parts()->mutable_image_url()->set_url(std::move(url));
    return r;
  };
  auto e = BuildConverseBody(image("https://example.com/cat.png"), 0);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().http_status, 400);
  EXPECT_EQ(e.error().message, "image URLs are not supported; send a data URL");
  EXPECT_EQ(e.error().param, "messages[0].content[0]");

  e = BuildConverseBody(image("data:image/bmp;base64,Qk0="), 0);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("image/bmp"), std::string::npos);

  e = BuildConverseBody(image("data:image/png,rawbytes"), 0);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().http_status, 400);

  v1::ChatRequest bad_args;
  bad_args.set_model("m");
  auto* m = bad_args.add_messages();
  m->set_role(v1::ROLE_ASSISTANT);
  auto* call = m->add_tool_calls();
  call->set_id("t");
  call->mutable_function()->set_name("f");
  call->mutable_function()->set_arguments("{not json");
  e = BuildConverseBody(bad_args, 0);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().param, "messages[0].tool_calls[0].function.arguments");

  v1::ChatRequest no_role;
  no_role.add_messages()->set_content("x");
  EXPECT_FALSE(BuildConverseBody(no_role, 0).ok());
}

// Whole numbers from a Struct travel as integers; fractions keep their
// shortest form.
TEST(ConverseRequest, NumbersKeepTheirShape) {
  auto r = FromJson<v1::ChatRequest>(json::parse(R"({
    "model": "m", "messages": [{"role": "ROLE_USER", "content": "x"}],
    "temperature": 0.7,
    "extra_params": {"top_k": 250}
  })"));
  auto body = BuildConverseBody(r, 0);
  ASSERT_TRUE(body.ok());
  EXPECT_NE(body->find(R"("temperature":0.7)"), std::string::npos) << *body;
  EXPECT_NE(body->find(R"("top_k":250)"), std::string::npos) << *body;
  // default_max_tokens 0: no maxTokens.
  EXPECT_EQ(body->find("maxTokens"), std::string::npos) << *body;
}

}  // namespace
}  // namespace across::bedrock
