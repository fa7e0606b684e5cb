#include "providers/cohere/cohere_wire.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <ctime>
#include <optional>
#include <utility>

#include "gateway/common/ascii.h"
#include "providers/common/json.h"
#include "providers/openai/openai_wire.h"

namespace across::cohere {
namespace {

namespace json = boost::json;
using providers::Get;
using providers::GetArray;
using providers::GetCount;
using providers::GetObject;
using providers::GetString;
using providers::GetWholeInt;
using providers::ParseJson;
using providers::Sv;
using providers::ToJson;

// ---- small readers --------------------------------------------------------

// Function arguments are JSON text; tolerate an object.
std::string ArgumentsText(const json::value* v) {
  if (v == nullptr || v->is_null()) return "";
  if (v->is_string()) return std::string(Sv(v->get_string()));
  return json::serialize(*v);
}

// `body` as a JSON object; an error naming `what` otherwise.
Result<json::value> ParseObject(std::string_view body, std::string_view what) {
  std::optional<json::value> v = ParseJson(body);
  if (!v || !v->is_object()) {
    return Error::Unavailable("malformed " + std::string(what) +
                              " from upstream");
  }
  return std::move(*v);
}

// ---- request pieces -------------------------------------------------------

std::string JoinedText(const v1::Message& m) {
  if (m.parts_size() == 0) return m.content();
  std::string text;
  for (const auto& p : m.parts()) {
    if (p.has_text()) text += p.text();
  }
  return text;
}

json::object ToolCallJson(const v1::ToolCall& tc) {
  json::object fn;
  fn["name"] = tc.function().name();
  fn["arguments"] = tc.function().arguments();
  json::object o;
  o["id"] = tc.id();
  o["type"] = "function";
  o["function"] = std::move(fn);
  return o;
}

Result<json::object> MessageJson(const v1::Message& m, size_t i) {
  json::object o;
  switch (m.role()) {
    case v1::ROLE_SYSTEM:
    case v1::ROLE_DEVELOPER:  // Cohere has no developer role
      o["role"] = "system";
      o["content"] = JoinedText(m);
      return o;
    case v1::ROLE_USER: {
      o["role"] = "user";
      if (m.parts_size() == 0) {
        o["content"] = m.content();
        return o;
      }
      json::array blocks;
      for (const auto& p : m.parts()) {
        json::object b;
        if (p.has_image_url()) {
          json::object image;
          image["url"] = p.image_url().url();
          if (!p.image_url().detail().empty()) {
            image["detail"] = p.image_url().detail();
          }
          b["type"] = "image_url";
          b["image_url"] = std::move(image);
        } else {
          b["type"] = "text";
          b["text"] = p.text();
        }
        blocks.push_back(std::move(b));
      }
      o["content"] = std::move(blocks);
      return o;
    }
    case v1::ROLE_ASSISTANT: {
      o["role"] = "assistant";
      const std::string text = JoinedText(m);
      if (m.tool_calls_size() > 0) {
        json::array calls;
        for (const auto& tc : m.tool_calls()) calls.push_back(ToolCallJson(tc));
        o["tool_calls"] = std::move(calls);
        // The plan Cohere wrote before its tool calls comes back to us as
        // reasoning_content; returning it keeps the model's own context.
        if (!m.reasoning_content().empty()) {
          o["tool_plan"] = m.reasoning_content();
        }
        if (!text.empty()) o["content"] = text;
      } else {
        o["content"] = text;
      }
      return o;
    }
    case v1::ROLE_TOOL:
      o["role"] = "tool";
      o["tool_call_id"] = m.tool_call_id();
      o["content"] = JoinedText(m);
      return o;
    default: {
      std::string param = "messages[" + std::to_string(i) + "].role";
      return Error::InvalidRequest(
          "'" + param + "' must be one of system, user, assistant, tool",
          param);
    }
  }
}

json::object ToolJson(const v1::Tool& t) {
  json::object fn;
  fn["name"] = t.function().name();
  if (!t.function().description().empty()) {
    fn["description"] = t.function().description();
  }
  if (t.function().has_parameters()) {
    fn["parameters"] = ToJson(t.function().parameters());
  }
  json::object o;
  o["type"] = "function";
  o["function"] = std::move(fn);
  return o;
}

v1::FinishReason KnownOrStop(std::string_view reason) {
  v1::FinishReason r = FinishReasonFromCohere(reason);
  return r == v1::FINISH_REASON_UNSPECIFIED ? v1::FINISH_REASON_STOP : r;
}

// A finish_reason that means the generation failed, as an Error; nullopt
// for ordinary reasons.
std::optional<Error> FailedFinish(std::string_view reason,
                                  std::string_view detail) {
  const bool error = EqualsIgnoreCase(reason, "ERROR");
  const bool timeout = EqualsIgnoreCase(reason, "TIMEOUT");
  if (!error && !timeout) return std::nullopt;
  std::string message = "generation failed (finish_reason ";
  message += reason;
  message += ')';
  if (!detail.empty()) {
    message += ": ";
    message += detail;
  }
  return timeout ? Error::Timeout(std::move(message))
                 : Error::Unavailable(std::move(message));
}

// Cohere bills by billed_units; those are the tokens a gateway meters.
// "tokens" (which also counts Cohere's own prompt additions) is the
// fallback when no billed units are reported.
void ParseUsage(const json::object& u, v1::Usage* out) {
  const json::object* billed = GetObject(&u, "billed_units");
  const json::object* tokens = GetObject(&u, "tokens");
  const json::object* src = billed != nullptr ? billed : tokens;
  out->set_prompt_tokens(GetCount(src, "input_tokens"));
  out->set_completion_tokens(GetCount(src, "output_tokens"));
  out->set_total_tokens(out->prompt_tokens() + out->completion_tokens());
  out->set_cached_tokens(GetCount(&u, "cached_tokens"));
}

}  // namespace

// ---- Chat -----------------------------------------------------------------

Result<std::string> BuildChatRequestBody(const v1::ChatRequest& r,
                                         std::string_view model, bool stream) {
  if (r.has_n() && r.n() > 1) {
    return Error::InvalidRequest("'n' greater than 1 is not supported", "n");
  }
  json::object body;
  // Provider-specific parameters first; typed fields below override them.
  if (r.has_extra_params()) body = ToJson(r.extra_params());
  body["model"] = model;

  json::array messages;
  messages.reserve(static_cast<size_t>(r.messages_size()));
  for (int i = 0; i < r.messages_size(); ++i) {
    auto m = MessageJson(r.messages(i), static_cast<size_t>(i));
    if (!m.ok()) return m.error();
    messages.push_back(std::move(m.value()));
  }
  body["messages"] = std::move(messages);

  // A forced function: Cohere can only require "some tool", so the tool list
  // is narrowed to the forced one.
  const std::string& forced = r.tool_choice().function_name();
  if (r.tools_size() > 0) {
    json::array tools;
    bool strict = false;
    for (const auto& t : r.tools()) {
      if (!forced.empty() && t.function().name() != forced) continue;
      tools.push_back(ToolJson(t));
      strict = strict || (t.function().has_strict() && t.function().strict());
    }
    body["tools"] = std::move(tools);
    if (strict) body["strict_tools"] = true;
  }
  // tool_choice only means something next to tools.
  if (r.tools_size() == 0) {
    // Nothing to choose from.
  } else if (!forced.empty()) {
    body["tool_choice"] = "REQUIRED";
  } else if (r.tool_choice().mode() == "none") {
    body["tool_choice"] = "NONE";
  } else if (r.tool_choice().mode() == "required") {
    body["tool_choice"] = "REQUIRED";
  }

  if (r.has_temperature()) body["temperature"] = r.temperature();
  if (r.has_top_p()) body["p"] = r.top_p();
  if (r.has_max_completion_tokens()) {
    body["max_tokens"] = r.max_completion_tokens();
  } else if (r.has_max_tokens()) {
    body["max_tokens"] = r.max_tokens();
  }
  if (r.stop_size() > 0) {
    json::array stop;
    for (const auto& s : r.stop()) stop.push_back(json::string(s));
    body["stop_sequences"] = std::move(stop);
  }
  if (r.has_seed()) body["seed"] = r.seed();
  if (r.has_frequency_penalty()) {
    body["frequency_penalty"] = r.frequency_penalty();
  }
  if (r.has_presence_penalty()) body["presence_penalty"] = r.presence_penalty();
  if (r.has_logprobs()) body["logprobs"] = r.logprobs();

  const std::string& format = r.response_format().type();
  if (format == "json_object" || format == "json_schema") {
    json::object rf;
    rf["type"] = "json_object";
    if (format == "json_schema" &&
        r.response_format().json_schema().has_schema()) {
      rf["json_schema"] = ToJson(r.response_format().json_schema().schema());
    }
    body["response_format"] = std::move(rf);
  } else if (format == "text") {
    body["response_format"] = json::object{{"type", "text"}};
  }

  if (stream) {
    body["stream"] = true;
  } else {
    body.erase("stream");
  }
  return json::serialize(body);
}

v1::FinishReason FinishReasonFromCohere(std::string_view reason) {
  if (EqualsIgnoreCase(reason, "COMPLETE") ||
      EqualsIgnoreCase(reason, "STOP_SEQUENCE")) {
    return v1::FINISH_REASON_STOP;
  }
  if (EqualsIgnoreCase(reason, "MAX_TOKENS") ||
      EqualsIgnoreCase(reason, "ERROR_LIMIT")) {
    return v1::FINISH_REASON_LENGTH;
  }
  if (EqualsIgnoreCase(reason, "TOOL_CALL")) {
    return v1::FINISH_REASON_TOOL_CALLS;
  }
  if (EqualsIgnoreCase(reason, "CONTENT_BLOCKED") ||
      EqualsIgnoreCase(reason, "ERROR_TOXIC")) {
    return v1::FINISH_REASON_CONTENT_FILTER;
  }
  return v1::FINISH_REASON_UNSPECIFIED;
}

Result<v1::ChatResponse> ParseChatResponse(std::string_view body,
                                           std::string_view model) {
  auto parsed = ParseObject(body, "chat response");
  if (!parsed.ok()) return parsed.error();
  const json::object& o = parsed->get_object();
  const std::string_view finish = GetString(&o, "finish_reason");
  if (auto failed = FailedFinish(finish, GetString(&o, "error")))
    return *failed;
  const json::object* msg = GetObject(&o, "message");
  if (msg == nullptr) {
    // An error object in a 200 (e.g. {"message": "..."}) or garbage.
    std::string_view text = GetString(&o, "message");
    if (!text.empty()) return Error::Unavailable(std::string(text));
    return Error::Unavailable("malformed chat response from upstream");
  }

  v1::ChatResponse resp;
  resp.set_id(std::string(GetString(&o, "id")));
  resp.set_created(static_cast<int64_t>(std::time(nullptr)));
  resp.set_model(std::string(model));
  auto* choice = resp.add_choices();
  choice->set_index(0);
  choice->set_finish_reason(KnownOrStop(finish));
  auto* m = choice->mutable_message();
  m->set_role(v1::ROLE_ASSISTANT);

  std::string content;
  std::string reasoning;
  if (const json::value* c = Get(msg, "content")) {
    if (c->is_string()) {
      content = Sv(c->get_string());
    } else if (c->is_array()) {
      for (const auto& block : c->get_array()) {
        if (!block.is_object()) continue;
        const json::object& b = block.get_object();
        const std::string_view type = GetString(&b, "type");
        if (type == "text") {
          content += GetString(&b, "text");
        } else if (type == "thinking") {
          reasoning += GetString(&b, "thinking");
        }
      }
    }
  }
  const std::string_view plan = GetString(msg, "tool_plan");
  if (!plan.empty()) {
    if (!reasoning.empty()) reasoning += '\n';
    reasoning += plan;
  }
  m->set_content(std::move(content));
  m->set_reasoning_content(std::move(reasoning));
  if (const json::array* calls = GetArray(msg, "tool_calls")) {
    int32_t index = 0;
    for (const auto& call : *calls) {
      if (!call.is_object()) continue;
      const json::object& co = call.get_object();
      auto* tc = m->add_tool_calls();
      tc->set_index(index++);
      tc->set_id(std::string(GetString(&co, "id")));
      tc->set_type("function");
      if (const json::object* fn = GetObject(&co, "function")) {
        tc->mutable_function()->set_name(std::string(GetString(fn, "name")));
        tc->mutable_function()->set_arguments(
            ArgumentsText(Get(fn, "arguments")));
      }
    }
  }
  if (const json::object* u = GetObject(&o, "usage")) {
    ParseUsage(*u, resp.mutable_usage());
  }
  return resp;
}

// ---- Stream ---------------------------------------------------------------

StreamTranslator::StreamTranslator(std::string model, int64_t created)
    : model_(std::move(model)), created_(created) {}

v1::ChatChunk StreamTranslator::NewChunk() const {
  v1::ChatChunk c;
  c.set_id(id_);
  c.set_created(created_);
  c.set_model(model_);
  return c;
}

int32_t StreamTranslator::ToolIndex(int64_t cohere_index) {
  auto it = tool_indexes_.find(cohere_index);
  if (it != tool_indexes_.end()) return it->second;
  const auto next = static_cast<int32_t>(tool_indexes_.size());
  tool_indexes_.emplace(cohere_index, next);
  return next;
}

Status StreamTranslator::OnEvent(std::string_view event, std::string_view data,
                                 std::vector<v1::ChatChunk>* out) {
  if (failed_ || done_) return Ok{};
  while (!data.empty() && (data.front() == ' ' || data.front() == '\n')) {
    data.remove_prefix(1);
  }
  while (!data.empty() && (data.back() == ' ' || data.back() == '\n')) {
    data.remove_suffix(1);
  }
  if (data == "[DONE]") {
    done_ = true;
    return Ok{};
  }
  if (data.empty()) return Ok{};
  auto parsed = ParseObject(data, "stream event");
  if (!parsed.ok()) {
    failed_ = true;
    return parsed.error();
  }
  const json::object& o = parsed->get_object();
  std::string_view type = GetString(&o, "type");
  if (type.empty()) type = event;
  if (event == "error" || type == "error" ||
      (GetString(&o, "type").empty() && !GetString(&o, "message").empty())) {
    failed_ = true;
    std::string_view message = GetString(&o, "message");
    return Error::Unavailable(message.empty()
                                  ? std::string("upstream stream error")
                                  : std::string(message));
  }

  const json::object* delta = GetObject(&o, "delta");
  const json::object* dmsg = GetObject(delta, "message");
  const int64_t index = GetWholeInt(&o, "index").value_or(-1);

  auto emit = [&](auto&& fill) {
    v1::ChatChunk chunk = NewChunk();
    auto* choice = chunk.add_choices();
    choice->set_index(0);
    fill(choice);
    out->push_back(std::move(chunk));
  };

  if (type == "message-start") {
    id_ = std::string(GetString(&o, "id"));
    emit([](v1::ChunkChoice* c) {
      c->mutable_delta()->set_role(v1::ROLE_ASSISTANT);
    });
  } else if (type == "content-start" || type == "content-delta") {
    const json::object* content = GetObject(dmsg, "content");
    if (content == nullptr) return Ok{};
    if (type == "content-start") {
      thinking_blocks_[index] = GetString(content, "type") == "thinking";
    }
    const bool thinking =
        Get(content, "thinking") != nullptr || thinking_blocks_[index];
    std::string text(GetString(
        content, Get(content, "thinking") != nullptr ? "thinking" : "text"));
    if (text.empty()) return Ok{};
    emit([&](v1::ChunkChoice* c) {
      if (thinking) {
        c->mutable_delta()->set_reasoning_content(std::move(text));
      } else {
        c->mutable_delta()->set_content(std::move(text));
      }
    });
  } else if (type == "tool-plan-delta") {
    std::string plan(dmsg != nullptr ? GetString(dmsg, "tool_plan") : "");
    if (plan.empty()) return Ok{};
    emit([&](v1::ChunkChoice* c) {
      c->mutable_delta()->set_reasoning_content(std::move(plan));
    });
  } else if (type == "tool-call-start" || type == "tool-call-delta") {
    const json::object* call = GetObject(dmsg, "tool_calls");
    if (call == nullptr) return Ok{};
    // Events name their call by "index"; without one, a start opens a new
    // call and a delta extends the last one.
    int64_t key = index;
    if (key < 0) {
      key = type == "tool-call-start"
                ? -1 - static_cast<int64_t>(tool_indexes_.size())
                : last_tool_key_;
    }
    last_tool_key_ = key;
    const int32_t our_index = ToolIndex(key);
    const json::object* fn = GetObject(call, "function");
    emit([&](v1::ChunkChoice* c) {
      auto* tc = c->mutable_delta()->add_tool_calls();
      tc->set_index(our_index);
      if (type == "tool-call-start") {
        tc->set_id(std::string(GetString(call, "id")));
        tc->set_type("function");
        if (fn != nullptr) {
          tc->mutable_function()->set_name(std::string(GetString(fn, "name")));
        }
      }
      if (fn != nullptr) {
        tc->mutable_function()->set_arguments(
            ArgumentsText(Get(fn, "arguments")));
      }
    });
  } else if (type == "message-end") {
    const std::string_view finish =
        delta != nullptr ? GetString(delta, "finish_reason") : "";
    if (auto failed =
            FailedFinish(finish, delta != nullptr ? GetString(delta, "error")
                                                  : std::string_view())) {
      failed_ = true;
      return *failed;
    }
    done_ = true;
    emit([&](v1::ChunkChoice* c) {
      c->mutable_delta();
      c->set_finish_reason(KnownOrStop(finish));
    });
    if (const json::object* u = GetObject(delta, "usage")) {
      v1::ChatChunk usage = NewChunk();
      ParseUsage(*u, usage.mutable_usage());
      out->push_back(std::move(usage));
    }
  }
  // content-end, tool-call-end, citation-start/end, debug: nothing to add.
  return Ok{};
}

// ---- Embed ----------------------------------------------------------------

std::string BuildEmbedRequestBody(const v1::EmbedRequest& r,
                                  std::string_view model) {
  json::object body;
  if (r.has_extra_params()) body = ToJson(r.extra_params());
  // The front end encodes vectors itself (base64 or not); Cohere has no
  // such parameter.
  body.erase("encoding_format");
  body["model"] = model;
  json::array texts;
  texts.reserve(static_cast<size_t>(r.input_size()));
  for (const auto& t : r.input()) texts.push_back(json::string(t));
  body["texts"] = std::move(texts);
  // Required by v3+ models; documents are the common case for a generic
  // embeddings API, and extra_params may ask for "search_query" instead.
  if (!body.contains("input_type")) body["input_type"] = "search_document";
  // Our API returns float vectors, so floats are what we ask for.
  body["embedding_types"] = json::array{"float"};
  if (r.has_dimensions()) body["output_dimension"] = r.dimensions();
  return json::serialize(body);
}

Result<v1::EmbedResponse> ParseEmbedResponse(std::string_view body,
                                             std::string_view model) {
  auto parsed = ParseObject(body, "embeddings");
  if (!parsed.ok()) return parsed.error();
  const json::object& o = parsed->get_object();
  // embeddings_by_type: {"float": [[...]]}; embeddings_floats: [[...]].
  const json::array* vectors = nullptr;
  if (const json::value* e = Get(&o, "embeddings")) {
    if (e->is_array()) {
      vectors = &e->get_array();
    } else if (e->is_object()) {
      vectors = GetArray(&e->get_object(), "float");
    }
  }
  if (vectors == nullptr) {
    std::string_view text = GetString(&o, "message");
    if (!text.empty()) return Error::Unavailable(std::string(text));
    return Error::Unavailable(
        "malformed embeddings (no float vectors) from upstream");
  }
  v1::EmbedResponse resp;
  resp.set_model(std::string(model));
  int32_t index = 0;
  for (const auto& vec : *vectors) {
    if (!vec.is_array()) {
      return Error::Unavailable(
          "malformed embeddings (bad vector) from upstream");
    }
    auto* e = resp.add_data();
    e->set_index(index++);
    auto* values = e->mutable_embedding();
    values->Reserve(static_cast<int>(vec.get_array().size()));
    for (const auto& x : vec.get_array()) {
      if (x.is_double()) {
        values->Add(static_cast<float>(x.get_double()));
      } else if (x.is_int64()) {
        values->Add(static_cast<float>(x.get_int64()));
      } else if (x.is_uint64()) {
        values->Add(static_cast<float>(x.get_uint64()));
      } else {
        return Error::Unavailable(
            "malformed embeddings (non-number) from upstream");
      }
    }
  }
  const json::object* meta = GetObject(&o, "meta");
  const json::object* billed = GetObject(meta, "billed_units");
  if (billed == nullptr) billed = GetObject(meta, "tokens");
  const int32_t tokens = GetCount(billed, "input_tokens");
  resp.mutable_usage()->set_prompt_tokens(tokens);
  resp.mutable_usage()->set_total_tokens(tokens);
  return resp;
}

// ---- Errors ---------------------------------------------------------------

Error ParseError(int http_status, std::string_view body,
                 std::string_view provider_id) {
  // Cohere's {"id": ..., "message": ...} is read by the generic reader,
  // which also copes with non-JSON bodies from proxies.
  return openai::ParseUpstreamError(http_status, body, provider_id);
}

}  // namespace across::cohere
