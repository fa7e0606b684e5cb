// The OpenAI wire codec: request parsing and validation, upstream request
// bodies, response/chunk/embedding round trips and error bodies.
#include "providers/openai/openai_wire.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstring>
#include <string>

namespace across::openai {
namespace {

namespace json = boost::json;

json::value J(std::string_view s) {
  return json::parse(json::string_view(s.data(), s.size()));
}

// Parses `body` and expects a 400 naming `param`.
Error ExpectInvalid(std::string_view body, std::string_view param) {
  auto r = ParseChatRequest(body);
  EXPECT_FALSE(r.ok()) << body;
  if (r.ok()) return Error{};
  EXPECT_EQ(r.error().http_status, 400) << body;
  EXPECT_EQ(r.error().type, "invalid_request_error") << body;
  EXPECT_EQ(r.error().param, param) << body << " → " << r.error().message;
  return r.error();
}

// ---- Chat request parsing ---------------------------------------------------

TEST(ParseChatRequest, MinimalStringContent) {
  auto r = ParseChatRequest(
      R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->stream);
  const auto& req = r->request;
  EXPECT_EQ(req.model(), "gpt-4o");
  ASSERT_EQ(req.messages_size(), 1);
  EXPECT_EQ(req.messages(0).role(), v1::ROLE_USER);
  EXPECT_EQ(req.messages(0).content(), "hi");
  EXPECT_EQ(req.messages(0).parts_size(), 0);
  EXPECT_FALSE(req.has_temperature());
  EXPECT_FALSE(req.has_extra_params());
}

TEST(ParseChatRequest, ArrayContentBecomesParts) {
  auto r = ParseChatRequest(R"({"model":"m","messages":[{"role":"user",
    "content":[{"type":"text","text":"what is this?"},
               {"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}}]}]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& m = r->request.messages(0);
  EXPECT_TRUE(m.content().empty());
  ASSERT_EQ(m.parts_size(), 2);
  EXPECT_EQ(m.parts(0).text(), "what is this?");
  EXPECT_EQ(m.parts(1).image_url().url(), "https://x/y.png");
  EXPECT_EQ(m.parts(1).image_url().detail(), "low");
}

TEST(ParseChatRequest, AllTypedFields) {
  auto r = ParseChatRequest(R"({
    "model":"m","stream":true,
    "messages":[{"role":"system","content":"s"},{"role":"developer","content":"d"},
                {"role":"user","content":"u","name":"bob"},
                {"role":"assistant","content":null,"tool_calls":[
                  {"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},
                {"role":"tool","tool_call_id":"call_1","content":"42"}],
    "temperature":0.5,"top_p":1,"max_tokens":100,"max_completion_tokens":200,
    "stop":"END","seed":7,"n":2,"presence_penalty":-0.5,"frequency_penalty":0.25,
    "response_format":{"type":"json_schema","json_schema":{"name":"x","strict":true,
       "schema":{"type":"object","properties":{"a":{"type":"integer"}}}}},
    "user":"u1",
    "tools":[{"type":"function","function":{"name":"f","description":"does f",
       "parameters":{"type":"object"},"strict":false}}],
    "tool_choice":{"type":"function","function":{"name":"f"}},
    "parallel_tool_calls":false,"logprobs":true,"top_logprobs":3,
    "logit_bias":{"50256":-100},"reasoning_effort":"low",
    "stream_options":{"include_usage":true},"metadata":{"k":"v"}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->stream);
  const auto& q = r->request;
  ASSERT_EQ(q.messages_size(), 5);
  EXPECT_EQ(q.messages(0).role(), v1::ROLE_SYSTEM);
  EXPECT_EQ(q.messages(1).role(), v1::ROLE_DEVELOPER);
  EXPECT_EQ(q.messages(2).name(), "bob");
  EXPECT_EQ(q.messages(3).role(), v1::ROLE_ASSISTANT);
  ASSERT_EQ(q.messages(3).tool_calls_size(), 1);
  EXPECT_EQ(q.messages(3).tool_calls(0).id(), "call_1");
  EXPECT_EQ(q.messages(3).tool_calls(0).function().arguments(), R"({"a":1})");
  EXPECT_EQ(q.messages(4).tool_call_id(), "call_1");
  EXPECT_DOUBLE_EQ(q.temperature(), 0.5);
  EXPECT_DOUBLE_EQ(q.top_p(), 1.0);
  EXPECT_EQ(q.max_tokens(), 100);
  EXPECT_EQ(q.max_completion_tokens(), 200);
  ASSERT_EQ(q.stop_size(), 1);
  EXPECT_EQ(q.stop(0), "END");
  EXPECT_EQ(q.seed(), 7);
  EXPECT_EQ(q.n(), 2);
  EXPECT_DOUBLE_EQ(q.presence_penalty(), -0.5);
  EXPECT_DOUBLE_EQ(q.frequency_penalty(), 0.25);
  EXPECT_EQ(q.response_format().type(), "json_schema");
  EXPECT_EQ(q.response_format().json_schema().name(), "x");
  EXPECT_TRUE(q.response_format().json_schema().strict());
  EXPECT_EQ(q.response_format()
                .json_schema()
                .schema()
                .fields()
                .at("type")
                .string_value(),
            "object");
  EXPECT_EQ(q.user(), "u1");
  ASSERT_EQ(q.tools_size(), 1);
  EXPECT_EQ(q.tools(0).function().name(), "f");
  EXPECT_EQ(q.tools(0).function().description(), "does f");
  EXPECT_TRUE(q.tools(0).function().has_strict());
  EXPECT_FALSE(q.tools(0).function().strict());
  EXPECT_EQ(q.tool_choice().function_name(), "f");
  EXPECT_FALSE(q.parallel_tool_calls());
  EXPECT_TRUE(q.has_parallel_tool_calls());
  EXPECT_TRUE(q.logprobs());
  EXPECT_EQ(q.top_logprobs(), 3);
  EXPECT_DOUBLE_EQ(q.logit_bias().at("50256"), -100);
  EXPECT_EQ(q.reasoning_effort(), "low");
  EXPECT_TRUE(q.stream_options().include_usage());
  EXPECT_EQ(q.metadata().at("k"), "v");
  EXPECT_FALSE(q.has_extra_params());
}

TEST(ParseChatRequest, StopArrayAndToolChoiceMode) {
  auto r = ParseChatRequest(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],
          "stop":["a","b"],"tool_choice":"required"})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->request.stop_size(), 2);
  EXPECT_EQ(r->request.stop(1), "b");
  EXPECT_EQ(r->request.tool_choice().mode(), "required");
}

TEST(ParseChatRequest, NullMeansAbsent) {
  auto r = ParseChatRequest(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],
          "temperature":null,"stop":null,"tools":null,"stream":null})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->request.has_temperature());
  EXPECT_EQ(r->request.stop_size(), 0);
  EXPECT_FALSE(r->request.has_extra_params());
}

TEST(ParseChatRequest, UnknownKeysGoToExtraParams) {
  auto r = ParseChatRequest(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],
          "top_k":40,"safe_prompt":true,"functions":[{"name":"legacy"}],
          "function_call":"auto","nested":{"a":[1,"two",null,{"b":false}]}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& f = r->request.extra_params().fields();
  EXPECT_DOUBLE_EQ(f.at("top_k").number_value(), 40);
  EXPECT_TRUE(f.at("safe_prompt").bool_value());
  EXPECT_EQ(f.at("function_call").string_value(), "auto");
  EXPECT_EQ(f.at("functions")
                .list_value()
                .values(0)
                .struct_value()
                .fields()
                .at("name")
                .string_value(),
            "legacy");
  const auto& a =
      f.at("nested").struct_value().fields().at("a").list_value().values();
  ASSERT_EQ(a.size(), 4);
  EXPECT_DOUBLE_EQ(a[0].number_value(), 1);
  EXPECT_EQ(a[1].string_value(), "two");
  EXPECT_TRUE(a[2].has_null_value());
  EXPECT_FALSE(a[3].struct_value().fields().at("b").bool_value());
}

TEST(ParseChatRequest, UntypedFormsPassThrough) {
  auto r = ParseChatRequest(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],
          "response_format":{"type":"grammar","grammar":"root ::= x"},
          "tools":[{"type":"custom","custom":{"name":"c"}}],
          "tool_choice":{"type":"allowed_tools","mode":"auto"}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->request.response_format().type().empty());
  EXPECT_EQ(r->request.tools_size(), 0);
  const auto& f = r->request.extra_params().fields();
  EXPECT_TRUE(f.contains("response_format"));
  EXPECT_TRUE(f.contains("tools"));
  EXPECT_TRUE(f.contains("tool_choice"));
  // And they come back out untouched.
  auto body = J(SerializeChatRequest(r->request, "m", false));
  EXPECT_EQ(body.at("response_format").at("grammar"), "root ::= x");
  EXPECT_EQ(body.at("tools").at(0).at("type"), "custom");
  EXPECT_EQ(body.at("tool_choice").at("type"), "allowed_tools");
}

TEST(ParseChatRequest, IntegralDoublesAreIntegers) {
  auto r = ParseChatRequest(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":100.0})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->request.max_tokens(), 100);
}

TEST(ParseChatRequest, ValidationErrors) {
  const std::string msgs = R"("messages":[{"role":"user","content":"x"}])";
  ExpectInvalid(R"({"messages":[{"role":"user","content":"x"}]})", "model");
  ExpectInvalid(R"({"model":"","messages":[{"role":"user","content":"x"}]})",
                "model");
  ExpectInvalid(R"({"model":5,)" + msgs + "}", "model");
  Error e = ExpectInvalid(R"({"model":"m"})", "messages");
  EXPECT_NE(e.message.find("Missing required parameter"), std::string::npos);
  ExpectInvalid(R"({"model":"m","messages":[]})", "messages");
  ExpectInvalid(R"({"model":"m","messages":{}})", "messages");
  ExpectInvalid(R"({"model":"m","messages":["hi"]})", "messages[0]");
  ExpectInvalid(R"({"model":"m","messages":[{"content":"x"}]})",
                "messages[0].role");
  e = ExpectInvalid(
      R"({"model":"m","messages":[{"role":"user","content":"x"},{"role":"robot","content":"x"}]})",
      "messages[1].role");
  EXPECT_NE(e.message.find("robot"), std::string::npos);
  ExpectInvalid(R"({"model":"m","messages":[{"role":"user"}]})",
                "messages[0].content");
  ExpectInvalid(R"({"model":"m","messages":[{"role":"user","content":7}]})",
                "messages[0].content");
  ExpectInvalid(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"audio"}]}]})",
      "messages[0].content[0].type");
  ExpectInvalid(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]})",
      "messages[0].content[0].text");
  ExpectInvalid(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]})",
      "messages[0].content[0].image_url.url");
  ExpectInvalid(R"({"model":"m","messages":[{"role":"tool","content":"x"}]})",
                "messages[0].tool_call_id");
  ExpectInvalid(
      R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"a"}]}]})",
      "messages[0].tool_calls[0].function");
  e = ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"temperature":"hot"})",
                    "temperature");
  EXPECT_EQ(e.message, "'temperature' must be a number");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"top_p":true})", "top_p");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"max_tokens":1.5})",
                "max_tokens");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"max_tokens":1e12})",
                "max_tokens");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"n":"2"})", "n");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"seed":"x"})", "seed");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"stream":"yes"})", "stream");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"stop":[1]})", "stop");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"stop":5})", "stop");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"user":1})", "user");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"tools":{}})", "tools");
  ExpectInvalid(
      R"({"model":"m",)" + msgs + R"(,"tools":[{"type":"function"}]})",
      "tools[0].function");
  ExpectInvalid(R"({"model":"m",)" + msgs +
                    R"(,"tools":[{"type":"function","function":{}}]})",
                "tools[0].function.name");
  ExpectInvalid(
      R"({"model":"m",)" + msgs +
          R"(,"tools":[{"type":"function","function":{"name":"f","parameters":"x"}}]})",
      "tools[0].function.parameters");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"tool_choice":"sometimes"})",
                "tool_choice");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"tool_choice":3})",
                "tool_choice");
  ExpectInvalid(
      R"({"model":"m",)" + msgs + R"(,"tool_choice":{"type":"function"}})",
      "tool_choice.function");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"response_format":"json"})",
                "response_format");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"response_format":{}})",
                "response_format.type");
  ExpectInvalid(R"({"model":"m",)" + msgs +
                    R"(,"response_format":{"type":"json_schema"}})",
                "response_format.json_schema");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"logit_bias":{"1":"x"}})",
                "logit_bias.1");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"metadata":{"k":1}})",
                "metadata.k");
  ExpectInvalid(
      R"({"model":"m",)" + msgs + R"(,"stream_options":{"include_usage":1}})",
      "stream_options.include_usage");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"parallel_tool_calls":0})",
                "parallel_tool_calls");
  ExpectInvalid(R"({"model":"m",)" + msgs + R"(,"reasoning_effort":2})",
                "reasoning_effort");
}

TEST(ParseChatRequest, MalformedJson) {
  for (std::string_view body :
       {"", "{", "not json", R"({"model":"m",})", "[1,2]", "\"str\""}) {
    auto r = ParseChatRequest(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().http_status, 400);
    EXPECT_EQ(r.error().type, "invalid_request_error");
    EXPECT_TRUE(r.error().param.empty());
  }
  auto r = ParseChatRequest("{oops");
  EXPECT_NE(r.error().message.find("We could not parse the JSON body"),
            std::string::npos);
}

// ---- Chat request serialization --------------------------------------------

TEST(SerializeChatRequest, RoundTripAndModelOverride) {
  auto r = ParseChatRequest(R"({"model":"alias","messages":[
      {"role":"system","content":"be brief"},
      {"role":"user","content":[{"type":"text","text":"look"},
                                {"type":"image_url","image_url":{"url":"data:image/png;base64,AA"}}]},
      {"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function",
          "function":{"name":"f","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"c1","content":"ok"}],
      "temperature":0.7,"stop":["x"],"tool_choice":"auto","seed":12345678901})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string body = SerializeChatRequest(r->request, "gpt-4o-mini", false);
  auto v = J(body);
  EXPECT_EQ(v.at("model"), "gpt-4o-mini");
  EXPECT_FALSE(v.as_object().contains("stream"));
  EXPECT_FALSE(v.as_object().contains("stream_options"));
  const auto& m = v.at("messages").as_array();
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].at("role"), "system");
  EXPECT_EQ(m[0].at("content"), "be brief");
  EXPECT_TRUE(m[1].at("content").is_array());
  EXPECT_EQ(m[1].at("content").at(0).at("type"), "text");
  EXPECT_EQ(m[1].at("content").at(1).at("image_url").at("url"),
            "data:image/png;base64,AA");
  EXPECT_FALSE(
      m[1].at("content").at(1).at("image_url").as_object().contains("detail"));
  // An assistant turn that only calls tools has "content": null.
  EXPECT_TRUE(m[2].at("content").is_null());
  EXPECT_EQ(m[2].at("tool_calls").at(0).at("function").at("name"), "f");
  EXPECT_FALSE(m[2].at("tool_calls").at(0).as_object().contains("index"));
  EXPECT_EQ(m[3].at("tool_call_id"), "c1");
  // Shortest number forms, not boost::json's 7E-1.
  EXPECT_NE(body.find(R"("temperature":0.7)"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("seed":12345678901)"), std::string::npos) << body;
  EXPECT_EQ(v.at("stop").at(0), "x");
  EXPECT_EQ(v.at("tool_choice"), "auto");

  // Parsing the upstream body again yields the same typed request.
  auto again = ParseChatRequest(body);
  ASSERT_TRUE(again.ok()) << again.error().message;
  v1::ChatRequest expected = r->request;
  expected.set_model("gpt-4o-mini");
  EXPECT_EQ(again->request.SerializeAsString(), expected.SerializeAsString());
}

TEST(SerializeChatRequest, StreamAddsIncludeUsage) {
  v1::ChatRequest req;
  req.set_model("m");
  auto* msg = req.add_messages();
  msg->set_role(v1::ROLE_USER);
  msg->set_content("hi");
  // The client's own stream_options are not what goes upstream.
  req.mutable_stream_options()->set_include_usage(false);
  auto v = J(SerializeChatRequest(req, "up", true));
  EXPECT_EQ(v.at("stream"), true);
  EXPECT_EQ(v.at("stream_options").at("include_usage"), true);
}

TEST(SerializeChatRequest, ExtraParamsMergedTypedFieldsWin) {
  v1::ChatRequest req;
  req.set_model("m");
  auto* msg = req.add_messages();
  msg->set_role(v1::ROLE_USER);
  msg->set_content("hi");
  req.set_temperature(0.9);
  auto& f = *req.mutable_extra_params()->mutable_fields();
  f["temperature"].set_number_value(0.1);  // loses to the typed field
  f["top_p"].set_number_value(0.5);        // typed field unset: passes
  f["top_k"].set_number_value(40);
  f["model"].set_string_value("sneaky");
  f["stream"].set_bool_value(true);  // the gateway decides streaming
  f["messages"].set_string_value("nope");
  f["obj"]
      .mutable_struct_value()
      ->mutable_fields()
      ->
      operator[]("x")
      .set_bool_value(true);
  std::string body = SerializeChatRequest(req, "up", false);
  auto v = J(body);
  EXPECT_EQ(v.at("temperature").as_double(), 0.9);
  EXPECT_EQ(v.at("top_p").as_double(), 0.5);
  // Integral numbers from a Struct are written as integers.
  EXPECT_NE(body.find(R"("top_k":40)"), std::string::npos) << body;
  EXPECT_EQ(v.at("model"), "up");
  EXPECT_FALSE(v.as_object().contains("stream"));
  EXPECT_TRUE(v.at("messages").is_array());
  EXPECT_EQ(v.at("obj").at("x"), true);
  // Each key exactly once.
  EXPECT_EQ(body.find("\"temperature\""), body.rfind("\"temperature\""));
  EXPECT_EQ(body.find("\"model\""), body.rfind("\"model\""));
}

TEST(SerializeChatRequest, EscapesStrings) {
  v1::ChatRequest req;
  auto* msg = req.add_messages();
  msg->set_role(v1::ROLE_USER);
  static constexpr char kText[] = "quote\" back\\ nl\n tab\t ctl\x01 é 😀";
  msg->set_content(kText);
  std::string body = SerializeChatRequest(req, "m", false);
  EXPECT_NE(body.find(R"(ctl\u0001)"), std::string::npos) << body;
  auto v = J(body);
  EXPECT_EQ(v.at("messages").at(0).at("content").as_string(), kText);
}

// ---- Chat responses ---------------------------------------------------------

constexpr std::string_view kOpenAiResponse = R"({
  "id": "chatcmpl-123", "object": "chat.completion", "created": 1677652288,
  "model": "gpt-4o-2024-08-06", "system_fingerprint": "fp_44709d6fcb",
  "choices": [{"index": 0,
    "message": {"role": "assistant", "content": "Hello there", "refusal": null},
    "logprobs": null, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21,
    "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 2}}})";

TEST(ChatResponse, ParseOpenAiShape) {
  auto r = ParseChatResponse(kOpenAiResponse);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id(), "chatcmpl-123");
  EXPECT_EQ(r->created(), 1677652288);
  EXPECT_EQ(r->model(), "gpt-4o-2024-08-06");
  EXPECT_EQ(r->system_fingerprint(), "fp_44709d6fcb");
  ASSERT_EQ(r->choices_size(), 1);
  EXPECT_EQ(r->choices(0).message().content(), "Hello there");
  EXPECT_EQ(r->choices(0).message().role(), v1::ROLE_ASSISTANT);
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_STOP);
  EXPECT_EQ(r->usage().prompt_tokens(), 9);
  EXPECT_EQ(r->usage().completion_tokens(), 12);
  EXPECT_EQ(r->usage().total_tokens(), 21);
  EXPECT_EQ(r->usage().cached_tokens(), 4);
  EXPECT_EQ(r->usage().reasoning_tokens(), 2);
}

TEST(ChatResponse, SerializeMatchesOpenAi) {
  auto r = ParseChatResponse(kOpenAiResponse);
  ASSERT_TRUE(r.ok());
  auto v = J(SerializeChatResponse(*r));
  EXPECT_EQ(v.at("object"), "chat.completion");
  EXPECT_EQ(v.at("id"), "chatcmpl-123");
  EXPECT_EQ(v.at("created"), 1677652288);
  EXPECT_EQ(v.at("system_fingerprint"), "fp_44709d6fcb");
  const auto& c = v.at("choices").at(0);
  EXPECT_EQ(c.at("index"), 0);
  EXPECT_TRUE(c.at("logprobs").is_null());
  EXPECT_EQ(c.at("finish_reason"), "stop");
  EXPECT_EQ(c.at("message").at("role"), "assistant");
  EXPECT_EQ(c.at("message").at("content"), "Hello there");
  EXPECT_TRUE(c.at("message").at("refusal").is_null());
  EXPECT_FALSE(c.at("message").as_object().contains("tool_calls"));
  const auto& u = v.at("usage");
  EXPECT_EQ(u.at("prompt_tokens"), 9);
  EXPECT_EQ(u.at("completion_tokens"), 12);
  EXPECT_EQ(u.at("total_tokens"), 21);
  EXPECT_EQ(u.at("prompt_tokens_details").at("cached_tokens"), 4);
  EXPECT_EQ(u.at("completion_tokens_details").at("reasoning_tokens"), 2);
  // Round trip is lossless.
  auto again = ParseChatResponse(SerializeChatResponse(*r));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->SerializeAsString(), r->SerializeAsString());
}

TEST(ChatResponse, ToolCallsHaveNullContent) {
  auto r = ParseChatResponse(
      R"({"id":"x","created":1,"model":"m","choices":[{"index":0,
      "message":{"role":"assistant","content":null,"tool_calls":[
        {"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
      "finish_reason":"tool_calls"}]})");
  ASSERT_TRUE(r.ok());
  const auto& m = r->choices(0).message();
  ASSERT_EQ(m.tool_calls_size(), 1);
  EXPECT_EQ(m.tool_calls(0).id(), "call_abc");
  EXPECT_EQ(m.tool_calls(0).function().arguments(), R"({"city":"Paris"})");
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_TOOL_CALLS);
  EXPECT_FALSE(r->has_usage());
  auto v = J(SerializeChatResponse(*r));
  const auto& msg = v.at("choices").at(0).at("message");
  EXPECT_TRUE(msg.at("content").is_null());
  EXPECT_EQ(msg.at("tool_calls").at(0).at("type"), "function");
  EXPECT_EQ(msg.at("tool_calls").at(0).at("function").at("arguments"),
            R"({"city":"Paris"})");
  EXPECT_EQ(v.at("choices").at(0).at("finish_reason"), "tool_calls");
  EXPECT_FALSE(v.as_object().contains("usage"));
  EXPECT_FALSE(v.as_object().contains("system_fingerprint"));
}

TEST(ChatResponse, ToleratesMissingFieldsAndReasoning) {
  auto r = ParseChatResponse(
      R"({"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],
          "reasoning_content":"thinking"},"finish_reason":"eos"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"prompt_cache_hit_tokens":2}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->choices(0).message().content(), "ab");
  EXPECT_EQ(r->choices(0).message().reasoning_content(), "thinking");
  EXPECT_EQ(r->choices(0).message().role(), v1::ROLE_ASSISTANT);
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_STOP);
  EXPECT_EQ(r->usage().total_tokens(), 7);
  EXPECT_EQ(r->usage().cached_tokens(), 2);
  auto v = J(SerializeChatResponse(*r));
  EXPECT_EQ(v.at("choices").at(0).at("message").at("reasoning_content"),
            "thinking");
}

TEST(ChatResponse, MalformedAndErrorBodies) {
  auto bad = ParseChatResponse("<html>");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().http_status, 502);
  auto err = ParseChatResponse(
      R"({"error":{"message":"overloaded","type":"server_error"}})");
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().http_status, 502);
  EXPECT_EQ(err.error().message, "overloaded");
}

// ---- Chunks -----------------------------------------------------------------

TEST(ChatChunk, ParseAndSerializeContentDelta) {
  auto c = ParseChatChunk(
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":5,"model":"m",
          "system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->choices(0).delta().role(), v1::ROLE_ASSISTANT);
  EXPECT_EQ(c->choices(0).finish_reason(), v1::FINISH_REASON_UNSPECIFIED);
  EXPECT_FALSE(c->has_usage());
  auto v = J(SerializeChatChunk(*c));
  EXPECT_EQ(v.at("object"), "chat.completion.chunk");
  EXPECT_EQ(v.at("id"), "chatcmpl-1");
  EXPECT_EQ(v.at("created"), 5);
  EXPECT_EQ(v.at("system_fingerprint"), "fp");
  const auto& ch = v.at("choices").at(0);
  EXPECT_EQ(ch.at("index"), 0);
  EXPECT_EQ(ch.at("delta").at("role"), "assistant");
  EXPECT_EQ(ch.at("delta").at("content"), "");
  // finish_reason is present and null until the end.
  ASSERT_TRUE(ch.as_object().contains("finish_reason"));
  EXPECT_TRUE(ch.at("finish_reason").is_null());
  EXPECT_FALSE(v.as_object().contains("usage"));
}

TEST(ChatChunk, FinishAndUsageOnlyChunks) {
  v1::ChatChunk fin;
  fin.set_id("c");
  auto* ch = fin.add_choices();
  ch->mutable_delta();
  ch->set_finish_reason(v1::FINISH_REASON_LENGTH);
  auto v = J(SerializeChatChunk(fin));
  EXPECT_EQ(v.at("choices").at(0).at("finish_reason"), "length");
  EXPECT_TRUE(v.at("choices").at(0).at("delta").as_object().empty());

  v1::ChatChunk usage;
  usage.set_id("c");
  usage.mutable_usage()->set_prompt_tokens(3);
  usage.mutable_usage()->set_completion_tokens(5);
  usage.mutable_usage()->set_total_tokens(8);
  v = J(SerializeChatChunk(usage));
  ASSERT_TRUE(v.at("choices").is_array());
  EXPECT_TRUE(v.at("choices").as_array().empty());
  EXPECT_EQ(v.at("usage").at("total_tokens"), 8);

  auto parsed = ParseChatChunk(
      R"({"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->choices_size(), 0);
  EXPECT_EQ(parsed->usage().total_tokens(), 8);
  // vLLM-style "choices": null, "usage": null.
  parsed = ParseChatChunk(R"({"id":"c","choices":null,"usage":null})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->has_usage());
}

TEST(ChatChunk, StreamedToolCallDeltas) {
  // As OpenAI streams them: the first fragment carries id, type and name.
  auto first = ParseChatChunk(
      R"({"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[
          {"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]})");
  auto next = ParseChatChunk(
      R"({"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]},"finish_reason":null}]})");
  auto second_call = ParseChatChunk(
      R"({"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"g","arguments":"{}"}}]}}]})");
  auto last = ParseChatChunk(
      R"({"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})");
  ASSERT_TRUE(first.ok() && next.ok() && second_call.ok() && last.ok());

  const auto& t0 = first->choices(0).delta().tool_calls(0);
  EXPECT_EQ(t0.index(), 0);
  EXPECT_EQ(t0.id(), "call_1");
  EXPECT_EQ(t0.function().name(), "get_weather");
  const auto& t1 = next->choices(0).delta().tool_calls(0);
  EXPECT_EQ(t1.index(), 0);
  EXPECT_TRUE(t1.id().empty());
  EXPECT_EQ(t1.function().arguments(), "{\"ci");
  EXPECT_EQ(second_call->choices(0).delta().tool_calls(0).index(), 1);
  EXPECT_EQ(last->choices(0).finish_reason(), v1::FINISH_REASON_TOOL_CALLS);

  auto v = J(SerializeChatChunk(*first));
  const auto& tc = v.at("choices").at(0).at("delta").at("tool_calls").at(0);
  EXPECT_EQ(tc.at("index"), 0);
  EXPECT_EQ(tc.at("id"), "call_1");
  EXPECT_EQ(tc.at("type"), "function");
  EXPECT_EQ(tc.at("function").at("name"), "get_weather");
  // No content key next to tool calls.
  EXPECT_FALSE(
      v.at("choices").at(0).at("delta").as_object().contains("content"));

  v = J(SerializeChatChunk(*next));
  const auto& frag = v.at("choices").at(0).at("delta").at("tool_calls").at(0);
  EXPECT_EQ(frag.at("index"), 0);
  EXPECT_FALSE(frag.as_object().contains("id"));
  EXPECT_FALSE(frag.as_object().contains("type"));
  EXPECT_FALSE(frag.at("function").as_object().contains("name"));
  EXPECT_EQ(frag.at("function").at("arguments"), "{\"ci");
}

TEST(ChatChunk, ReasoningAliasesAndErrors) {
  auto c = ParseChatChunk(R"({"choices":[{"delta":{"reasoning":"hmm"}}]})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->choices(0).delta().reasoning_content(), "hmm");
  auto v = J(SerializeChatChunk(*c));
  EXPECT_EQ(v.at("choices").at(0).at("delta").at("reasoning_content"), "hmm");

  auto bad = ParseChatChunk("{\"id\":");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().http_status, 502);
  auto err = ParseChatChunk(R"({"error":{"message":"boom"}})");
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().message, "boom");
}

// ---- Embeddings -------------------------------------------------------------

TEST(Embeddings, ParseRequestForms) {
  auto one = ParseEmbedRequest(R"({"model":"e","input":"hello"})");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->input_size(), 1);
  EXPECT_EQ(one->input(0), "hello");

  auto many = ParseEmbedRequest(
      R"({"model":"e","input":["a","b"],"dimensions":256,"user":"u",
          "encoding_format":"base64","extra":1})");
  ASSERT_TRUE(many.ok()) << many.error().message;
  EXPECT_EQ(many->input_size(), 2);
  EXPECT_EQ(many->dimensions(), 256);
  EXPECT_EQ(many->user(), "u");
  // encoding_format stays visible to the front end.
  EXPECT_EQ(many->extra_params().fields().at("encoding_format").string_value(),
            "base64");

  auto body = J(SerializeEmbedRequest(*many, "text-embedding-3-small"));
  EXPECT_EQ(body.at("model"), "text-embedding-3-small");
  EXPECT_EQ(body.at("input").at(1), "b");
  EXPECT_EQ(body.at("dimensions"), 256);
  EXPECT_EQ(body.at("extra"), 1);
  EXPECT_FALSE(body.as_object().contains("encoding_format"));
}

TEST(Embeddings, RequestValidation) {
  struct Case {
    const char* body;
    const char* param;
  } cases[] = {
      {R"({"input":"x"})", "model"},
      {R"({"model":"e"})", "input"},
      {R"({"model":"e","input":[]})", "input"},
      {R"({"model":"e","input":[1,2,3]})", "input"},
      {R"({"model":"e","input":5})", "input"},
      {R"({"model":"e","input":"x","dimensions":"8"})", "dimensions"},
      {R"({"model":"e","input":"x","encoding_format":"hex"})",
       "encoding_format"},
  };
  for (const auto& c : cases) {
    auto r = ParseEmbedRequest(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().http_status, 400);
    EXPECT_EQ(r.error().param, c.param) << c.body;
  }
  EXPECT_FALSE(ParseEmbedRequest("{").ok());
}

TEST(Embeddings, FloatAndBase64Responses) {
  v1::EmbedResponse resp;
  resp.set_model("e");
  auto* d0 = resp.add_data();
  d0->set_index(0);
  for (float f : {0.1f, -0.25f, 3.0f, 1e-7f}) d0->add_embedding(f);
  auto* d1 = resp.add_data();
  d1->set_index(1);
  d1->add_embedding(-1.5f);
  resp.mutable_usage()->set_prompt_tokens(6);
  resp.mutable_usage()->set_total_tokens(6);

  std::string floats = SerializeEmbedResponse(resp, false);
  auto v = J(floats);
  EXPECT_EQ(v.at("object"), "list");
  EXPECT_EQ(v.at("model"), "e");
  EXPECT_EQ(v.at("data").at(0).at("object"), "embedding");
  EXPECT_EQ(v.at("data").at(1).at("index"), 1);
  EXPECT_TRUE(v.at("data").at(0).at("embedding").is_array());
  EXPECT_EQ(v.at("usage").at("prompt_tokens"), 6);
  EXPECT_EQ(v.at("usage").at("total_tokens"), 6);
  EXPECT_NE(floats.find("[0.1,-0.25,3,1e-07]"), std::string::npos) << floats;

  std::string b64 = SerializeEmbedResponse(resp, true);
  v = J(b64);
  ASSERT_TRUE(v.at("data").at(0).at("embedding").is_string());
  // -1.5f is 0xBFC00000; little-endian bytes 00 00 C0 BF.
  EXPECT_EQ(v.at("data").at(1).at("embedding"), "AADAvw==");

  for (const std::string& body : {floats, b64}) {
    auto back = ParseEmbedResponse(body);
    ASSERT_TRUE(back.ok()) << back.error().message;
    ASSERT_EQ(back->data_size(), 2);
    ASSERT_EQ(back->data(0).embedding_size(), 4);
    EXPECT_FLOAT_EQ(back->data(0).embedding(0), 0.1f);
    EXPECT_FLOAT_EQ(back->data(0).embedding(3), 1e-7f);
    EXPECT_FLOAT_EQ(back->data(1).embedding(0), -1.5f);
    EXPECT_EQ(back->usage().prompt_tokens(), 6);
    EXPECT_EQ(back->model(), "e");
  }
}

TEST(Embeddings, ParseSortsByIndexAndRejectsGarbage) {
  auto r = ParseEmbedResponse(
      R"({"object":"list","data":[{"index":1,"embedding":[2]},{"index":0,"embedding":[1]}],"model":"e"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data(0).index(), 0);
  EXPECT_FLOAT_EQ(r->data(0).embedding(0), 1);
  EXPECT_FALSE(ParseEmbedResponse(R"({"data":[{"embedding":"@@@"}]})").ok());
  EXPECT_FALSE(ParseEmbedResponse(R"({"data":[{"embedding":"AAA="}]})").ok());
  EXPECT_FALSE(ParseEmbedResponse(R"({"data":[{"index":0}]})").ok());
  EXPECT_FALSE(ParseEmbedResponse(R"({"object":"list"})").ok());
  EXPECT_FALSE(ParseEmbedResponse("nope").ok());
}

// ---- Models -----------------------------------------------------------------

TEST(Models, ListShape) {
  v1::ListModelsResponse models;
  auto* m = models.add_models();
  m->set_id("gpt-4o");
  m->set_owned_by("openai");
  m->set_created(1700000000);
  m->set_upstream_model("gpt-4o-2024-08-06");
  auto v = J(SerializeModelList(models));
  EXPECT_EQ(v.at("object"), "list");
  const auto& d = v.at("data").at(0);
  EXPECT_EQ(d.at("id"), "gpt-4o");
  EXPECT_EQ(d.at("object"), "model");
  EXPECT_EQ(d.at("created"), 1700000000);
  EXPECT_EQ(d.at("owned_by"), "openai");
  EXPECT_EQ(d.as_object().size(), 4u);
  EXPECT_EQ(J(SerializeModelList({})).at("data").as_array().size(), 0u);
}

// ---- Errors -----------------------------------------------------------------

TEST(Errors, SerializeError) {
  auto v = J(SerializeError(Error::InvalidRequest("bad temp", "temperature")));
  EXPECT_EQ(v.at("error").at("message"), "bad temp");
  EXPECT_EQ(v.at("error").at("type"), "invalid_request_error");
  EXPECT_EQ(v.at("error").at("param"), "temperature");
  EXPECT_TRUE(v.at("error").at("code").is_null());

  v = J(SerializeError(Error::NotFound("no model", "model_not_found")));
  EXPECT_TRUE(v.at("error").at("param").is_null());
  EXPECT_EQ(v.at("error").at("code"), "model_not_found");

  Error bare;
  bare.http_status = 429;
  bare.message = "slow down";
  v = J(SerializeError(bare));
  EXPECT_EQ(v.at("error").at("type"), "rate_limit_error");
}

TEST(Errors, UpstreamOpenAiShape) {
  Error e = ParseUpstreamError(
      401,
      R"({"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})",
      "openai");
  EXPECT_EQ(e.http_status, 401);
  EXPECT_EQ(e.message, "openai: Incorrect API key provided.");
  EXPECT_EQ(e.type, "invalid_request_error");
  EXPECT_EQ(e.code, "invalid_api_key");
  EXPECT_TRUE(e.param.empty());
  EXPECT_FALSE(e.retry_after.has_value());
}

TEST(Errors, UpstreamVariants) {
  Error e =
      ParseUpstreamError(400, R"({"error":"model is required"})", "ollama");
  EXPECT_EQ(e.message, "ollama: model is required");
  EXPECT_EQ(e.type, "invalid_request_error");

  e = ParseUpstreamError(
      400,
      R"({"object":"error","message":"max_tokens too big","type":"BadRequestError","param":null,"code":400})",
      "vllm");
  EXPECT_EQ(e.message, "vllm: max_tokens too big");
  // Non-OpenAI types are replaced by the one for the status.
  EXPECT_EQ(e.type, "invalid_request_error");
  EXPECT_TRUE(e.code.empty());

  e = ParseUpstreamError(404, R"({"detail":"Not Found"})", "p");
  EXPECT_EQ(e.message, "p: Not Found");
  EXPECT_EQ(e.type, "not_found_error");

  e = ParseUpstreamError(
      429,
      R"([{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}])",
      "gemini-openai");
  EXPECT_EQ(e.message, "gemini-openai: Resource exhausted");
  EXPECT_EQ(e.type, "rate_limit_error");

  e = ParseUpstreamError(503, "", "groq");
  EXPECT_EQ(e.http_status, 503);
  EXPECT_EQ(e.message, "groq: HTTP 503 with empty body");
  EXPECT_EQ(e.type, "api_error");
  e = ParseUpstreamError(502, " \r\n ", "groq");
  EXPECT_EQ(e.message, "groq: HTTP 502 with empty body");

  e = ParseUpstreamError(502, "<html>\n<body>Bad   Gateway</body>\n</html>",
                         "x");
  EXPECT_EQ(e.message, "x: HTTP 502: <html> <body>Bad Gateway</body> </html>");

  // A JSON body without a message is shown raw.
  e = ParseUpstreamError(500, R"({"foo":1})", "x");
  EXPECT_EQ(e.message, R"(x: HTTP 500: {"foo":1})");
}

TEST(Errors, LongRawBodiesAreTruncated) {
  std::string body(5000, 'a');
  body[299] = '\xc3';  // a two-byte UTF-8 sequence across the cut
  body[300] = '\xa9';
  Error e = ParseUpstreamError(500, body, "x");
  EXPECT_LT(e.message.size(), 330u);
  EXPECT_EQ(e.message.substr(e.message.size() - 3), "...");
  EXPECT_EQ(e.message.find('\xc3'), std::string::npos);
}

// ---- Enum names
// ---------------------------------------------------------------

TEST(Enums, Names) {
  for (auto role : {v1::ROLE_SYSTEM, v1::ROLE_USER, v1::ROLE_ASSISTANT,
                    v1::ROLE_TOOL, v1::ROLE_DEVELOPER}) {
    EXPECT_EQ(RoleFromName(RoleName(role)), role);
  }
  EXPECT_EQ(RoleName(v1::ROLE_UNSPECIFIED), "");
  EXPECT_EQ(RoleFromName("function"), v1::ROLE_UNSPECIFIED);
  for (auto r : {v1::FINISH_REASON_STOP, v1::FINISH_REASON_LENGTH,
                 v1::FINISH_REASON_TOOL_CALLS, v1::FINISH_REASON_CONTENT_FILTER,
                 v1::FINISH_REASON_FUNCTION_CALL}) {
    EXPECT_EQ(FinishReasonFromName(FinishReasonName(r)), r);
  }
  EXPECT_EQ(FinishReasonName(v1::FINISH_REASON_UNSPECIFIED), "");
  EXPECT_EQ(FinishReasonFromName("eos"), v1::FINISH_REASON_UNSPECIFIED);
}

}  // namespace
}  // namespace across::openai
