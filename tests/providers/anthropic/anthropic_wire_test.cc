// Golden-fixture tests for the Anthropic translation (no network): the
// client's OpenAI-shaped request → the Messages body the adapter sends,
// compared field by field with fixtures/*.json; Anthropic answers, error
// bodies and SSE transcripts → what the client receives.
#include "providers/anthropic/anthropic_wire.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "gateway/upstream/sse_parser.h"
#include "providers/anthropic/anthropic_stream.h"
#include "providers/openai/openai_wire.h"
#include "tests/providers/anthropic/golden.h"

namespace across::anthropic {
namespace {

namespace json = boost::json;

using testing::JsonEq;
using testing::LoadJson;
using testing::ReadFixture;
using testing::Without;

// The request as the HTTP front end parses it from the client's JSON.
v1::ChatRequest ClientRequest(const json::value& openai_json) {
  auto parsed = openai::ParseChatRequest(json::serialize(openai_json));
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return parsed.ok() ? parsed->request : v1::ChatRequest();
}

BuildOptions Options(const json::object& fx, bool stream = false) {
  BuildOptions o;
  const json::object& b = fx.at("build_options").as_object();
  o.model = b.at("model").as_string();
  if (const json::value* m = b.if_contains("default_max_tokens")) {
    o.default_max_tokens = static_cast<int32_t>(m->as_int64());
  }
  o.stream = stream;
  return o;
}

json::value Body(const v1::ChatRequest& r, const BuildOptions& o) {
  auto body = BuildRequestBody(r, o);
  EXPECT_TRUE(body.ok()) << body.error().message;
  return body.ok() ? json::parse(*body) : json::value();
}

// One exchange: request out, answer back.
void CheckExchange(const json::object& fx) {
  const BuildOptions options = Options(fx);
  const v1::ChatRequest req = ClientRequest(fx.at("chat_request"));
  EXPECT_TRUE(JsonEq(fx.at("upstream_request"), Body(req, options)))
      << "upstream request";

  auto resp = ParseResponse(json::serialize(fx.at("upstream_response")));
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->created(), 0);  // the provider stamps it
  const json::value client = json::parse(openai::SerializeChatResponse(*resp));
  EXPECT_TRUE(JsonEq(fx.at("openai_response"), Without(client, "created")))
      << "client response";
}

TEST(AnthropicGolden, PlainChat) {
  CheckExchange(LoadJson("plain_chat.json").as_object());
}

TEST(AnthropicGolden, MultiTurnWithSystemPrompt) {
  CheckExchange(LoadJson("multi_turn_system.json").as_object());
}

TEST(AnthropicGolden, ToolCallRoundTrip) {
  const json::value fx = LoadJson("tool_round_trip.json");
  const json::array& steps = fx.at("steps").as_array();
  ASSERT_EQ(steps.size(), 2u);
  for (size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    CheckExchange(steps[i].as_object());
  }
  // The call id and arguments the client got in step 0 are what step 1
  // sends back as tool_use, so the conversation closes on itself.
  auto first = ParseResponse(json::serialize(steps[0].at("upstream_response")));
  ASSERT_TRUE(first.ok());
  const v1::ToolCall& call = first->choices(0).message().tool_calls(0);
  const json::value& sent = steps[1].at("upstream_request");
  EXPECT_EQ(sent.at("messages").at(1).at("content").at(1).at("id"),
            json::value(call.id()));
  EXPECT_EQ(sent.at("messages").at(1).at("content").at(1).at("input"),
            json::parse(call.function().arguments()));
  EXPECT_EQ(sent.at("messages").at(2).at("content").at(0).at("tool_use_id"),
            json::value(call.id()));
}

TEST(AnthropicGolden, ImageInput) {
  CheckExchange(LoadJson("image_input.json").as_object());
}

TEST(AnthropicGolden, MaxTokensStop) {
  CheckExchange(LoadJson("max_tokens_stop.json").as_object());
}

TEST(AnthropicGolden, UsageWithCacheAndThinking) {
  const json::value fx = LoadJson("usage_cache.json");
  CheckExchange(fx.as_object());
  auto resp = ParseResponse(json::serialize(fx.at("upstream_response")));
  ASSERT_TRUE(resp.ok());
  const json::value& want = fx.at("usage");
  EXPECT_EQ(resp->usage().prompt_tokens(), want.at("prompt_tokens").as_int64());
  EXPECT_EQ(resp->usage().completion_tokens(),
            want.at("completion_tokens").as_int64());
  EXPECT_EQ(resp->usage().total_tokens(), want.at("total_tokens").as_int64());
  EXPECT_EQ(resp->usage().cached_tokens(), want.at("cached_tokens").as_int64());
  EXPECT_EQ(resp->usage().cache_creation_tokens(),
            want.at("cache_creation_tokens").as_int64());
}

void ExpectError(const json::value& want, const Error& got) {
  EXPECT_EQ(got.http_status, want.at("http_status").as_int64());
  EXPECT_EQ(got.type, want.at("type").as_string());
  EXPECT_EQ(got.code, want.at("code").as_string());
  EXPECT_EQ(got.message, want.at("message").as_string());
}

TEST(AnthropicGolden, ErrorBodies) {
  const json::value fx = LoadJson("errors.json");
  for (const auto& c : fx.at("unary").as_array()) {
    SCOPED_TRACE(json::serialize(c));
    const std::string body = c.as_object().contains("raw_body")
                                 ? std::string(c.at("raw_body").as_string())
                                 : json::serialize(c.at("body"));
    ExpectError(c.at("expect"),
                ParseError(static_cast<int>(c.at("status").as_int64()), body,
                           "anthropic"));
  }
  for (const auto& c : fx.at("stream").as_array()) {
    SCOPED_TRACE(json::serialize(c));
    ExpectError(c.at("expect"),
                ParseStreamError(json::serialize(c.at("data")), "anthropic"));
  }
}

// Plays an SSE transcript through SseParser + StreamTranslator, `piece`
// bytes at a time (events split across reads, as on a real network).
struct Played {
  std::vector<v1::ChatChunk> chunks;
  std::optional<Error> failure;
  bool done = false;
};
Played Play(std::string_view sse, const std::string& model, size_t piece) {
  StreamTranslator t("anthropic", model, 1700000000);
  SseParser parser;
  Played out;
  for (size_t i = 0; i < sse.size(); i += piece) {
    const bool go = parser.Feed(sse.substr(i, piece), [&](const SseEvent& e) {
      return t.OnEvent(e.event, e.data, &out.chunks);
    });
    if (!go) break;
  }
  out.failure = t.failure();
  out.done = t.done();
  return out;
}

TEST(AnthropicGolden, StreamTranscripts) {
  const json::value fx = LoadJson("streams.json");
  for (const auto& c : fx.at("cases").as_array()) {
    const std::string name(c.at("sse").as_string());
    const std::string sse = ReadFixture(name);
    for (size_t piece : {sse.size(), size_t{1}, size_t{7}, size_t{64}}) {
      SCOPED_TRACE(name + " in pieces of " + std::to_string(piece));
      Played p = Play(sse, std::string(c.at("model").as_string()), piece);
      json::array got;
      for (const auto& chunk : p.chunks) {
        EXPECT_EQ(chunk.provider(), "anthropic");
        EXPECT_EQ(chunk.created(), 1700000000);
        got.push_back(
            Without(json::parse(openai::SerializeChatChunk(chunk)), "created"));
      }
      EXPECT_TRUE(JsonEq(c.at("chunks"), got));
      if (const json::value* err = c.as_object().if_contains("error")) {
        ASSERT_TRUE(p.failure.has_value());
        ExpectError(*err, *p.failure);
        EXPECT_FALSE(p.done);
      } else {
        EXPECT_FALSE(p.failure.has_value()) << p.failure->message;
        EXPECT_TRUE(p.done);
      }
    }
  }
}

// ---- Rules beyond the fixtures ---------------------------------------------

v1::ChatRequest UserSays(std::string text) {
  v1::ChatRequest r;
  r.set_model("alias");
  auto* m = r.add_messages();
  m->set_role(v1::ROLE_USER);
  m->set_content(std::move(text));
  return r;
}

BuildOptions Model(std::string_view model = "claude-x") {
  BuildOptions o;
  o.model = model;
  return o;
}

TEST(AnthropicRequest, StreamFlagAndDefaultMaxTokens) {
  auto r = UserSays("hi");
  BuildOptions o = Model();
  o.stream = true;
  o.default_max_tokens = 333;
  json::value body = Body(r, o);
  EXPECT_EQ(body.at("stream"), json::value(true));
  EXPECT_EQ(body.at("max_tokens").as_int64(), 333);
  EXPECT_EQ(body.at("model"), "claude-x");

  o.default_max_tokens = 0;
  EXPECT_EQ(Body(r, o).at("max_tokens").as_int64(), kDefaultMaxTokens);

  r.set_max_tokens(50);
  EXPECT_EQ(Body(r, o).at("max_tokens").as_int64(), 50);
  r.set_max_completion_tokens(60);  // the newer name wins
  EXPECT_EQ(Body(r, o).at("max_tokens").as_int64(), 60);
}

TEST(AnthropicRequest, ExtraParamsPassThroughButTypedFieldsWin) {
  auto r = UserSays("hi");
  auto& extra = *r.mutable_extra_params()->mutable_fields();
  extra["top_k"].set_number_value(5);
  extra["max_tokens"].set_number_value(9000);  // replaces only the default
  extra["stream"].set_bool_value(true);        // the gateway decides this
  extra["model"].set_string_value("other");    // and this
  extra["temperature"].set_number_value(0.1);
  r.set_temperature(0.25);
  json::value body = Body(r, Model());
  EXPECT_EQ(body.at("top_k").as_int64(), 5);
  EXPECT_EQ(body.at("max_tokens").as_int64(), 9000);
  EXPECT_FALSE(body.as_object().contains("stream"));
  EXPECT_EQ(body.at("model"), "claude-x");
  EXPECT_EQ(body.at("temperature").as_double(), 0.25);

  r.set_max_tokens(10);
  EXPECT_EQ(Body(r, Model()).at("max_tokens").as_int64(), 10);
}

TEST(AnthropicRequest, NumbersStayReadable) {
  auto r = UserSays("hi");
  r.set_temperature(0.7);
  auto body = BuildRequestBody(r, Model());
  ASSERT_TRUE(body.ok());
  EXPECT_NE(body->find("\"temperature\":0.7"), std::string::npos) << *body;
  EXPECT_NE(body->find("\"max_tokens\":4096"), std::string::npos) << *body;
}

TEST(AnthropicRequest, ToolChoiceModes) {
  auto r = UserSays("weather?");
  auto* tool = r.add_tools();
  tool->set_type("function");
  tool->mutable_function()->set_name("get_weather");

  // No tool_choice, parallel calls off: auto without parallel use.
  r.set_parallel_tool_calls(false);
  EXPECT_TRUE(
      JsonEq(json::parse(R"({"type":"auto","disable_parallel_tool_use":true})"),
             Body(r, Model()).at("tool_choice")));
  r.mutable_tool_choice()->set_mode("none");
  EXPECT_TRUE(JsonEq(json::parse(R"({"type":"none"})"),
                     Body(r, Model()).at("tool_choice")));
  r.clear_parallel_tool_calls();
  r.mutable_tool_choice()->set_function_name("get_weather");
  EXPECT_TRUE(JsonEq(json::parse(R"({"type":"tool","name":"get_weather"})"),
                     Body(r, Model()).at("tool_choice")));
  r.mutable_tool_choice()->set_mode("sometimes");
  auto bad = BuildRequestBody(r, Model());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().http_status, 400);
  EXPECT_EQ(bad.error().param, "tool_choice");

  // Without tools, tool_choice is not sent (the API rejects it alone).
  r.clear_tools();
  EXPECT_FALSE(Body(r, Model()).as_object().contains("tool_choice"));
}

TEST(AnthropicRequest, RejectsWhatTheApiCannotTake) {
  auto r = UserSays("look");
  auto* part = r.mutable_messages(0)->add_parts();
  part->mutable_image_url()->set_url("ftp://example.com/cat.png");
  auto bad = BuildRequestBody(r, Model());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().param, "messages[0].content[0].image_url.url");

  part->mutable_image_url()->set_url("data:image/png,notbase64");
  EXPECT_FALSE(BuildRequestBody(r, Model()).ok());

  auto t = UserSays("x");
  auto* a = t.add_messages();
  a->set_role(v1::ROLE_ASSISTANT);
  auto* tc = a->add_tool_calls();
  tc->set_id("toolu_1");
  tc->mutable_function()->set_name("f");
  tc->mutable_function()->set_arguments("[1,2]");
  bad = BuildRequestBody(t, Model());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().param, "messages[1].tool_calls[0].function.arguments");
  tc->mutable_function()->set_arguments("");  // no arguments: empty input
  EXPECT_TRUE(JsonEq(
      json::parse("{}"),
      Body(t, Model()).at("messages").at(1).at("content").at(0).at("input")));

  v1::ChatRequest only_system;
  auto* s = only_system.add_messages();
  s->set_role(v1::ROLE_SYSTEM);
  s->set_content("be nice");
  bad = BuildRequestBody(only_system, Model());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().param, "messages");
}

TEST(AnthropicRequest, ToolResultsMergeIntoOneUserTurn) {
  auto r = UserSays("two cities");
  auto* a = r.add_messages();
  a->set_role(v1::ROLE_ASSISTANT);
  for (const char* id : {"toolu_a", "toolu_b"}) {
    auto* tc = a->add_tool_calls();
    tc->set_id(id);
    tc->mutable_function()->set_name("get_weather");
    tc->mutable_function()->set_arguments(R"({"city":"x"})");
  }
  for (const char* id : {"toolu_a", "toolu_b"}) {
    auto* t = r.add_messages();
    t->set_role(v1::ROLE_TOOL);
    t->set_tool_call_id(id);
    t->add_parts()->set_text(std::string("result ") + id);
  }
  json::value body = Body(r, Model());
  const json::array& msgs = body.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_TRUE(JsonEq(json::parse(R"([
    {"type":"tool_result","tool_use_id":"toolu_a","content":[{"type":"text","text":"result toolu_a"}]},
    {"type":"tool_result","tool_use_id":"toolu_b","content":[{"type":"text","text":"result toolu_b"}]}
  ])"),
                     msgs[2].at("content")));
  EXPECT_EQ(msgs[1].at("content").as_array().size(), 2u);
}

TEST(AnthropicResponse, StopReasons) {
  EXPECT_EQ(MapStopReason("end_turn"), v1::FINISH_REASON_STOP);
  EXPECT_EQ(MapStopReason("stop_sequence"), v1::FINISH_REASON_STOP);
  EXPECT_EQ(MapStopReason("pause_turn"), v1::FINISH_REASON_STOP);
  EXPECT_EQ(MapStopReason("max_tokens"), v1::FINISH_REASON_LENGTH);
  EXPECT_EQ(MapStopReason("model_context_window_exceeded"),
            v1::FINISH_REASON_LENGTH);
  EXPECT_EQ(MapStopReason("tool_use"), v1::FINISH_REASON_TOOL_CALLS);
  EXPECT_EQ(MapStopReason("refusal"), v1::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(MapStopReason("mystery"), v1::FINISH_REASON_UNSPECIFIED);
}

TEST(AnthropicResponse, MalformedBodies) {
  auto r = ParseResponse("<html>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 502);
  r = ParseResponse(
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_EQ(r.error().message, "Overloaded");
}

TEST(AnthropicStream, UnknownEventsThinkingAndGarbage) {
  StreamTranslator t("anthropic", "m", 1);
  std::vector<v1::ChatChunk> out;
  EXPECT_TRUE(t.OnEvent("message_start",
                        R"({"type":"message_start","message":{"id":"msg_1"}})",
                        &out));
  EXPECT_TRUE(
      t.OnEvent("brand_new_event", R"({"type":"brand_new_event"})", &out));
  EXPECT_TRUE(t.OnEvent(
      "content_block_delta",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}})",
      &out));
  EXPECT_TRUE(t.OnEvent(
      "content_block_delta",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"x"}})",
      &out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].model(), "m");  // message_start named no model
  EXPECT_EQ(out[1].choices(0).delta().reasoning_content(), "hmm");
  EXPECT_FALSE(t.OnEvent("content_block_delta", "{not json", &out));
  ASSERT_TRUE(t.failure().has_value());
  EXPECT_EQ(t.failure()->http_status, 502);
  EXPECT_EQ(t.failure()->message, "anthropic: malformed stream event");
}

TEST(AnthropicStream, MessageStopWithoutUsageStillFinishes) {
  StreamTranslator t("anthropic", "m", 1);
  std::vector<v1::ChatChunk> out;
  EXPECT_FALSE(t.OnEvent("", R"({"type":"message_stop"})", &out));
  EXPECT_TRUE(t.done());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].choices(0).finish_reason(), v1::FINISH_REASON_STOP);
  EXPECT_FALSE(out[0].has_usage());
}

}  // namespace
}  // namespace across::anthropic
