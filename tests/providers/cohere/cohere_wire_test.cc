// Cohere v2 translation against golden fixtures written from Cohere's API
// reference (see fixtures/README.md): client requests in OpenAI's format are
// parsed by the HTTP front end's codec, translated, and the Cohere body is
// compared field by field with the fixture; Cohere responses and SSE
// transcripts are translated back and checked.
#include "providers/cohere/cohere_wire.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/upstream/sse_parser.h"
#include "providers/openai/openai_wire.h"
#include "tests/providers/cohere/golden.h"

namespace across {
namespace {

namespace json = boost::json;
namespace v1 = ::across::gateway::v1;

const std::string kDir = "tests/providers/cohere/fixtures/";

v1::ChatRequest ClientChat(const std::string& name) {
  auto parsed = openai::ParseChatRequest(
      golden::LoadJsonText(kDir + name + ".client.json"));
  EXPECT_TRUE(parsed.ok()) << name << ": " << parsed.error().message;
  return parsed.ok() ? parsed->request : v1::ChatRequest();
}

// The Cohere body for <name>.client.json must equal <name>.request.json.
void ExpectRequestMatches(const std::string& name) {
  SCOPED_TRACE(name);
  const v1::ChatRequest req = ClientChat(name);
  auto body = cohere::BuildChatRequestBody(req, req.model(), false);
  ASSERT_TRUE(body.ok()) << body.error().message;
  golden::ExpectJsonEq(golden::Parse(*body),
                       golden::LoadJson(kDir + name + ".request.json"));
}

v1::ChatResponse Response(const std::string& file, std::string_view model) {
  auto r = cohere::ParseChatResponse(golden::LoadJsonText(kDir + file), model);
  EXPECT_TRUE(r.ok()) << file << ": " << r.error().message;
  return r.ok() ? *r : v1::ChatResponse();
}

struct Streamed {
  std::vector<v1::ChatChunk> chunks;
  Status status = Ok{};
  bool done = false;
};

// Plays an SSE transcript through the translator, `step` bytes per read.
Streamed Play(const std::string& file, size_t step = 4096) {
  const std::string sse = golden::Read(kDir + file);
  cohere::StreamTranslator t("command-a-03-2025", 1730000000);
  SseParser parser;
  Streamed out;
  for (size_t i = 0; i < sse.size() && out.status.ok(); i += step) {
    parser.Feed(std::string_view(sse).substr(i, step), [&](const SseEvent& ev) {
      out.status = t.OnEvent(ev.event, ev.data, &out.chunks);
      return out.status.ok();
    });
  }
  out.done = t.done();
  return out;
}

// Every tool-call fragment of the stream, by index: id, name, arguments.
struct StreamedCall {
  std::string id, name, arguments;
  int fragments = 0;
};
std::vector<StreamedCall> Calls(const std::vector<v1::ChatChunk>& chunks) {
  std::vector<StreamedCall> calls;
  for (const auto& c : chunks) {
    for (const auto& ch : c.choices()) {
      for (const auto& tc : ch.delta().tool_calls()) {
        if (tc.index() >= static_cast<int>(calls.size())) {
          calls.resize(tc.index() + 1);
        }
        auto& call = calls[tc.index()];
        call.id += tc.id();
        call.name += tc.function().name();
        call.arguments += tc.function().arguments();
        ++call.fragments;
      }
    }
  }
  return calls;
}

// ---- Requests -------------------------------------------------------------

TEST(CohereChatRequest, PlainChat) { ExpectRequestMatches("chat_plain"); }

TEST(CohereChatRequest, MultiTurnWithSystemPrompt) {
  ExpectRequestMatches("chat_system_multiturn");
}

TEST(CohereChatRequest, Tools) { ExpectRequestMatches("chat_tools"); }

TEST(CohereChatRequest, ToolResultRoundTrip) {
  ExpectRequestMatches("chat_tool_result");
}

TEST(CohereChatRequest, ImageInput) { ExpectRequestMatches("chat_image"); }

TEST(CohereChatRequest, StreamFlagOnlyWhenStreaming) {
  v1::ChatRequest req = ClientChat("chat_plain");
  auto streamed = cohere::BuildChatRequestBody(req, "m", true);
  ASSERT_TRUE(streamed.ok());
  json::value v = golden::Parse(*streamed);
  EXPECT_EQ(v.at("stream"), json::value(true));
  EXPECT_EQ(v.at("model"), json::value("m"));  // the upstream name wins
  // A client's own "stream" in extra_params never leaks into a unary call.
  (*req.mutable_extra_params()->mutable_fields())["stream"].set_bool_value(
      true);
  auto unary = cohere::BuildChatRequestBody(req, "m", false);
  ASSERT_TRUE(unary.ok());
  EXPECT_EQ(golden::Parse(*unary).get_object().if_contains("stream"), nullptr);
}

TEST(CohereChatRequest, ForcedFunctionKeepsOnlyThatTool) {
  v1::ChatRequest req = ClientChat("chat_tools");
  auto* other = req.add_tools();
  other->set_type("function");
  other->mutable_function()->set_name("get_time");
  req.mutable_tool_choice()->set_function_name("get_time");
  auto body = cohere::BuildChatRequestBody(req, "m", false);
  ASSERT_TRUE(body.ok());
  json::value v = golden::Parse(*body);
  ASSERT_EQ(v.at("tools").as_array().size(), 1u);
  EXPECT_EQ(v.at("tools").at(0).at("function").at("name"), "get_time");
  EXPECT_EQ(v.at("tool_choice"), "REQUIRED");

  req.mutable_tool_choice()->set_mode("none");
  body = cohere::BuildChatRequestBody(req, "m", false);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(golden::Parse(*body).at("tool_choice"), "NONE");
  req.mutable_tool_choice()->set_mode("auto");  // Cohere's default: omitted
  body = cohere::BuildChatRequestBody(req, "m", false);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(golden::Parse(*body).get_object().if_contains("tool_choice"),
            nullptr);
}

TEST(CohereChatRequest, ToolChoiceWithoutToolsIsDropped) {
  v1::ChatRequest req = ClientChat("chat_plain");
  req.mutable_tool_choice()->set_mode("required");
  auto body = cohere::BuildChatRequestBody(req, "m", false);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(golden::Parse(*body).get_object().if_contains("tool_choice"),
            nullptr);
}

TEST(CohereChatRequest, JsonSchemaResponseFormat) {
  auto parsed = openai::ParseChatRequest(R"({"model":"m","messages":[
      {"role":"user","content":"Describe a person as JSON"}],
      "response_format":{"type":"json_schema","json_schema":{"name":"person",
      "schema":{"type":"object","properties":{"age":{"type":"integer"}},
      "required":["age"]}}}})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  auto body = cohere::BuildChatRequestBody(parsed->request, "m", false);
  ASSERT_TRUE(body.ok());
  golden::ExpectJsonEq(golden::Parse(*body).at("response_format"),
                       golden::Parse(R"({"type":"json_object","json_schema":{
      "type":"object","properties":{"age":{"type":"integer"}},
      "required":["age"]}})"));
}

TEST(CohereChatRequest, ToolPlanGoesBackWithItsCalls) {
  v1::ChatRequest req;
  req.set_model("m");
  auto* user = req.add_messages();
  user->set_role(v1::ROLE_USER);
  user->set_content("weather?");
  auto* a = req.add_messages();
  a->set_role(v1::ROLE_ASSISTANT);
  a->set_reasoning_content("I will look it up.");
  auto* tc = a->add_tool_calls();
  tc->set_id("call_1");
  tc->mutable_function()->set_name("get_weather");
  tc->mutable_function()->set_arguments("{}");
  auto body = cohere::BuildChatRequestBody(req, "m", false);
  ASSERT_TRUE(body.ok());
  golden::ExpectJsonEq(golden::Parse(*body).at("messages").at(1),
                       golden::Parse(R"({"role":"assistant",
      "tool_plan":"I will look it up.","tool_calls":[{"id":"call_1",
      "type":"function","function":{"name":"get_weather","arguments":"{}"}}]})"));
}

TEST(CohereChatRequest, RejectsWhatCohereCannotExpress) {
  v1::ChatRequest req = ClientChat("chat_plain");
  req.set_n(2);
  auto body = cohere::BuildChatRequestBody(req, "m", false);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().http_status, 400);
  EXPECT_EQ(body.error().param, "n");
  req.set_n(1);
  EXPECT_TRUE(cohere::BuildChatRequestBody(req, "m", false).ok());
}

// ---- Responses ------------------------------------------------------------

TEST(CohereChatResponse, PlainChat) {
  v1::ChatResponse r =
      Response("chat_plain.response.json", "command-a-03-2025");
  EXPECT_EQ(r.id(), "5a50480a-cf52-46f0-af01-53d18539bd31");
  EXPECT_EQ(r.model(), "command-a-03-2025");
  EXPECT_GT(r.created(), 0);
  ASSERT_EQ(r.choices_size(), 1);
  EXPECT_EQ(r.choices(0).index(), 0);
  EXPECT_EQ(r.choices(0).message().role(), v1::ROLE_ASSISTANT);
  EXPECT_EQ(r.choices(0).message().content(),
            "Grey swells fold to foam,\ngulls ride the salt wind "
            "homeward,\nthe tide keeps its time.");
  EXPECT_EQ(r.choices(0).finish_reason(), v1::FINISH_REASON_STOP);
}

TEST(CohereChatResponse, ToolCall) {
  v1::ChatResponse r = Response("chat_tools.response.json", "m");
  const v1::Message& m = r.choices(0).message();
  EXPECT_EQ(r.choices(0).finish_reason(), v1::FINISH_REASON_TOOL_CALLS);
  EXPECT_EQ(m.content(), "");
  EXPECT_EQ(m.reasoning_content(), "I will look up the weather in Toronto.");
  ASSERT_EQ(m.tool_calls_size(), 1);
  EXPECT_EQ(m.tool_calls(0).index(), 0);
  EXPECT_EQ(m.tool_calls(0).id(), "get_weather_1byjy32y4hvq");
  EXPECT_EQ(m.tool_calls(0).type(), "function");
  EXPECT_EQ(m.tool_calls(0).function().name(), "get_weather");
  EXPECT_EQ(m.tool_calls(0).function().arguments(),
            R"({"location":"Toronto"})");
  // What the client sends back next turn is the fixture's tool-result
  // request (ToolResultRoundTrip): the call id survives both ways.
  v1::ChatRequest next = ClientChat("chat_tool_result");
  EXPECT_EQ(next.messages(1).tool_calls(0).id(), m.tool_calls(0).id());
  EXPECT_EQ(next.messages(2).tool_call_id(), m.tool_calls(0).id());
}

TEST(CohereChatResponse, MaxTokensStop) {
  v1::ChatResponse r = Response("chat_max_tokens.response.json", "m");
  EXPECT_EQ(r.choices(0).finish_reason(), v1::FINISH_REASON_LENGTH);
  EXPECT_EQ(r.choices(0).message().content(),
            "Large language models are neural networks trained");
  // No billed_units: usage falls back to "tokens".
  EXPECT_EQ(r.usage().prompt_tokens(), 496);
  EXPECT_EQ(r.usage().completion_tokens(), 8);
  EXPECT_EQ(r.usage().total_tokens(), 504);
}

TEST(CohereChatResponse, Usage) {
  v1::ChatResponse r = Response("chat_usage.response.json", "m");
  // billed_units are what Cohere charges, so they are what is metered.
  EXPECT_EQ(r.usage().prompt_tokens(), 12);
  EXPECT_EQ(r.usage().completion_tokens(), 7);
  EXPECT_EQ(r.usage().total_tokens(), 19);
  EXPECT_EQ(r.usage().cached_tokens(), 256);
  // Text blocks concatenate; thinking goes to reasoning_content.
  EXPECT_EQ(r.choices(0).message().content(), "Hello! How can I help?");
  EXPECT_EQ(r.choices(0).message().reasoning_content(), "The user greets me.");
  EXPECT_EQ(r.choices(0).finish_reason(), v1::FINISH_REASON_STOP);

  v1::ChatResponse plain = Response("chat_plain.response.json", "m");
  EXPECT_EQ(plain.usage().prompt_tokens(), 8);
  EXPECT_EQ(plain.usage().completion_tokens(), 21);
}

TEST(CohereChatResponse, FailedGenerations) {
  auto r = cohere::ParseChatResponse(
      R"({"id":"x","finish_reason":"ERROR","message":{"role":"assistant"}})",
      "m");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 502);
  EXPECT_NE(r.error().message.find("ERROR"), std::string::npos);
  r = cohere::ParseChatResponse(
      R"({"id":"x","finish_reason":"TIMEOUT","message":{"role":"assistant"}})",
      "m");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 504);
  r = cohere::ParseChatResponse("<html>", "m");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 502);
}

TEST(CohereFinishReason, Mapping) {
  EXPECT_EQ(cohere::FinishReasonFromCohere("COMPLETE"), v1::FINISH_REASON_STOP);
  EXPECT_EQ(cohere::FinishReasonFromCohere("STOP_SEQUENCE"),
            v1::FINISH_REASON_STOP);
  EXPECT_EQ(cohere::FinishReasonFromCohere("MAX_TOKENS"),
            v1::FINISH_REASON_LENGTH);
  EXPECT_EQ(cohere::FinishReasonFromCohere("TOOL_CALL"),
            v1::FINISH_REASON_TOOL_CALLS);
  EXPECT_EQ(cohere::FinishReasonFromCohere("complete"), v1::FINISH_REASON_STOP);
  EXPECT_EQ(cohere::FinishReasonFromCohere("CONTENT_BLOCKED"),
            v1::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(cohere::FinishReasonFromCohere("ERROR"),
            v1::FINISH_REASON_UNSPECIFIED);
}

// ---- Streams --------------------------------------------------------------

TEST(CohereStream, TextWithMaxTokens) {
  for (size_t step : {size_t{4096}, size_t{1}, size_t{7}}) {
    SCOPED_TRACE(step);
    Streamed s = Play("stream_text.sse", step);
    ASSERT_TRUE(s.status.ok()) << s.status.error().message;
    EXPECT_TRUE(s.done);
    ASSERT_EQ(s.chunks.size(), 6u);
    for (const auto& c : s.chunks) {
      EXPECT_EQ(c.id(), "29f14a5a-11de-4cae-9800-25e4747408ea");
      EXPECT_EQ(c.model(), "command-a-03-2025");
      EXPECT_EQ(c.created(), 1730000000);
    }
    EXPECT_EQ(s.chunks[0].choices(0).delta().role(), v1::ROLE_ASSISTANT);
    EXPECT_EQ(s.chunks[1].choices(0).delta().content(), "Large");
    EXPECT_EQ(s.chunks[2].choices(0).delta().content(), " language");
    EXPECT_EQ(s.chunks[3].choices(0).delta().content(), " models");
    EXPECT_EQ(s.chunks[4].choices(0).finish_reason(), v1::FINISH_REASON_LENGTH);
    EXPECT_FALSE(s.chunks[4].has_usage());
    // The last chunk carries usage and no choices, as OpenAI's does.
    EXPECT_EQ(s.chunks[5].choices_size(), 0);
    EXPECT_EQ(s.chunks[5].usage().prompt_tokens(), 5);
    EXPECT_EQ(s.chunks[5].usage().completion_tokens(), 3);
    EXPECT_EQ(s.chunks[5].usage().total_tokens(), 8);
  }
}

TEST(CohereStream, ParallelToolCalls) {
  Streamed s = Play("stream_parallel_tools.sse", 13);
  ASSERT_TRUE(s.status.ok()) << s.status.error().message;
  EXPECT_TRUE(s.done);
  std::string plan;
  for (const auto& c : s.chunks) {
    for (const auto& ch : c.choices()) plan += ch.delta().reasoning_content();
  }
  EXPECT_EQ(plan, "I will look up the weather in Toronto and New York.");
  auto calls = Calls(s.chunks);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].id, "get_weather_nsz5zm3w56q3");
  EXPECT_EQ(calls[0].name, "get_weather");
  EXPECT_EQ(calls[0].arguments, "{\n    \"location\": \"Toronto\"\n}");
  EXPECT_EQ(calls[0].fragments, 4);  // start + three deltas
  EXPECT_EQ(calls[1].id, "get_weather_j9ek7w1wdc40");
  EXPECT_EQ(calls[1].name, "get_weather");
  EXPECT_EQ(calls[1].arguments, "{\n    \"location\": \"New York\"\n}");
  // Only a call's first fragment names it (OpenAI's delta convention).
  int starts = 0;
  for (const auto& c : s.chunks) {
    for (const auto& ch : c.choices()) {
      for (const auto& tc : ch.delta().tool_calls()) {
        if (!tc.id().empty()) {
          ++starts;
          EXPECT_EQ(tc.type(), "function");
        }
      }
    }
  }
  EXPECT_EQ(starts, 2);
  const auto& finish = s.chunks[s.chunks.size() - 2];
  EXPECT_EQ(finish.choices(0).finish_reason(), v1::FINISH_REASON_TOOL_CALLS);
  EXPECT_EQ(s.chunks.back().usage().prompt_tokens(), 37);
  EXPECT_EQ(s.chunks.back().usage().completion_tokens(), 75);
}

TEST(CohereStream, MidStreamError) {
  Streamed s = Play("stream_error.sse");
  ASSERT_FALSE(s.status.ok());
  EXPECT_EQ(s.status.error().http_status, 502);
  EXPECT_NE(s.status.error().message.find("internal error while generating"),
            std::string::npos);
  // What came before the error was translated.
  ASSERT_EQ(s.chunks.size(), 2u);
  EXPECT_EQ(s.chunks[1].choices(0).delta().content(), "Partial");
  EXPECT_FALSE(s.done);
}

TEST(CohereStream, ErrorPayloadsAndGarbage) {
  cohere::StreamTranslator t("m", 1);
  std::vector<v1::ChatChunk> out;
  Status st = t.OnEvent("", R"({"message":"upstream overloaded"})", &out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "upstream overloaded");
  cohere::StreamTranslator g("m", 1);
  st = g.OnEvent("", "{not json", &out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
  // Unknown and annotation events are skipped; [DONE] alone ends a stream.
  cohere::StreamTranslator u("m", 1);
  EXPECT_TRUE(u.OnEvent("citation-start", R"({"type":"citation-start",
      "index":0,"delta":{"message":{"citations":{"start":0}}}})",
                        &out)
                  .ok());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(u.OnEvent("", "[DONE]", &out).ok());
  EXPECT_TRUE(u.done());
}

// ---- Errors ---------------------------------------------------------------

TEST(CohereErrors, Bodies) {
  Error e = cohere::ParseError(
      429, golden::LoadJsonText(kDir + "error_429.json"), "cohere");
  EXPECT_EQ(e.http_status, 429);
  EXPECT_EQ(e.type, "rate_limit_error");
  EXPECT_EQ(e.message,
            "cohere: trial key rate limit exceeded, try again later");

  e = cohere::ParseError(400, golden::LoadJsonText(kDir + "error_400.json"),
                         "co");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.type, "invalid_request_error");
  EXPECT_EQ(e.message,
            "co: invalid request: temperature must be between 0 and 1.0 "
            "inclusive.");

  e = cohere::ParseError(401, golden::LoadJsonText(kDir + "error_401.json"),
                         "cohere");
  EXPECT_EQ(e.type, "authentication_error");
  EXPECT_EQ(e.message, "cohere: invalid api token");

  e = cohere::ParseError(503, "<html>Service Unavailable</html>", "cohere");
  EXPECT_EQ(e.http_status, 503);
  EXPECT_EQ(e.message, "cohere: HTTP 503: <html>Service Unavailable</html>");
}

// ---- Embed ----------------------------------------------------------------

TEST(CohereEmbed, Request) {
  auto req = openai::ParseEmbedRequest(
      golden::LoadJsonText(kDir + "embed.client.json"));
  ASSERT_TRUE(req.ok()) << req.error().message;
  golden::ExpectJsonEq(
      golden::Parse(cohere::BuildEmbedRequestBody(*req, req->model())),
      golden::LoadJson(kDir + "embed.request.json"));
}

TEST(CohereEmbed, Defaults) {
  auto req = openai::ParseEmbedRequest(
      R"({"model":"embed-v4.0","input":"hi","encoding_format":"base64"})");
  ASSERT_TRUE(req.ok());
  golden::ExpectJsonEq(
      golden::Parse(cohere::BuildEmbedRequestBody(*req, "embed-english-v3.0")),
      golden::Parse(R"({"model":"embed-english-v3.0","texts":["hi"],
          "input_type":"search_document","embedding_types":["float"]})"));
}

TEST(CohereEmbed, Response) {
  auto r = cohere::ParseEmbedResponse(
      golden::LoadJsonText(kDir + "embed.response.json"), "embed-v4.0");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->model(), "embed-v4.0");
  ASSERT_EQ(r->data_size(), 2);
  EXPECT_EQ(r->data(0).index(), 0);
  EXPECT_EQ(r->data(1).index(), 1);
  ASSERT_EQ(r->data(1).embedding_size(), 3);
  EXPECT_FLOAT_EQ(r->data(0).embedding(0), 0.016296387f);
  EXPECT_FLOAT_EQ(r->data(1).embedding(2), 0.012634277f);
  EXPECT_EQ(r->usage().prompt_tokens(), 3);
  EXPECT_EQ(r->usage().total_tokens(), 3);

  EXPECT_FALSE(cohere::ParseEmbedResponse(R"({"id":"x"})", "m").ok());
  auto floats = cohere::ParseEmbedResponse(
      R"({"id":"x","embeddings":[[1,2]],"response_type":"embeddings_floats"})",
      "m");
  ASSERT_TRUE(floats.ok());
  EXPECT_EQ(floats->data(0).embedding(1), 2.0f);
}

}  // namespace
}  // namespace across
