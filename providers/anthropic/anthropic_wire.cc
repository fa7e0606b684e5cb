#include "providers/anthropic/anthropic_wire.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "providers/common/json.h"

namespace across::anthropic {

namespace json = boost::json;
using providers::GetArray;
using providers::GetCount;
using providers::GetObject;
using providers::GetString;
using providers::Jv;
using providers::ParseJson;
using providers::Serialize;
using providers::ToJson;

namespace {

// One turn of the Messages conversation.
struct Turn {
  std::string_view role;  // "user" or "assistant"
  json::array blocks;
  // Made of a single message whose content was a plain string: sent as
  // "content": "..." like the API's own examples, rather than one block.
  bool plain = false;
};

std::string Param(int i, std::string_view suffix) {
  return "messages[" + std::to_string(i) + "]" + std::string(suffix);
}

json::object TextBlock(std::string_view text) {
  json::object b;
  b["type"] = "text";
  b["text"] = Jv(text);
  return b;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// data:<media type>[;params];base64,<data> → a base64 source; http(s) → a url
// source. Anthropic fetches URL images itself.
Result<json::object> ImageBlock(const v1::ImageUrl& image, std::string param) {
  std::string_view url = image.url();
  json::object source;
  if (StartsWithNoCase(url, "data:")) {
    const size_t comma = url.find(',');
    std::string_view header =
        url.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
    const bool base64 =
        header.size() >= 7 && header.substr(header.size() - 7) == ";base64";
    std::string_view media = header.substr(0, header.find(';'));
    if (comma == std::string_view::npos || !base64 || media.empty()) {
      return Error::InvalidRequest(
          "image data URLs must look like data:<media type>;base64,<data>",
          std::move(param));
    }
    source["type"] = "base64";
    source["media_type"] = Jv(media);
    source["data"] = Jv(url.substr(comma + 1));
  } else if (StartsWithNoCase(url, "https://") ||
             StartsWithNoCase(url, "http://")) {
    source["type"] = "url";
    source["url"] = Jv(url);
  } else {
    return Error::InvalidRequest(
        "image URLs must be http(s) URLs or base64 data URLs",
        std::move(param));
  }
  json::object b;
  b["type"] = "image";
  b["source"] = std::move(source);
  return b;
}

// Text and image blocks of a user/assistant/tool message, in order. Empty
// text is dropped: the API rejects empty text blocks.
std::optional<Error> ContentBlocks(const v1::Message& m, int i,
                                   json::array* out) {
  if (m.parts_size() == 0) {
    if (!m.content().empty()) out->push_back(TextBlock(m.content()));
    return std::nullopt;
  }
  for (int j = 0; j < m.parts_size(); ++j) {
    const v1::ContentPart& p = m.parts(j);
    if (p.has_image_url()) {
      auto block = ImageBlock(
          p.image_url(),
          Param(i, ".content[" + std::to_string(j) + "].image_url.url"));
      if (!block.ok()) return std::move(block.error());
      out->push_back(std::move(block.value()));
    } else if (!p.text().empty()) {
      out->push_back(TextBlock(p.text()));
    }
  }
  return std::nullopt;
}

// Tool-call arguments (JSON text) as the tool_use "input" object.
Result<json::object> ToolInput(std::string_view arguments, std::string param) {
  if (arguments.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return json::object();
  }
  std::optional<json::value> v = ParseJson(arguments);
  if (!v || !v->is_object()) {
    return Error::InvalidRequest("tool call arguments must be a JSON object",
                                 std::move(param));
  }
  return std::move(v->get_object());
}

std::optional<Error> AssistantBlocks(const v1::Message& m, int i,
                                     json::array* out) {
  if (auto e = ContentBlocks(m, i, out)) return e;
  for (int j = 0; j < m.tool_calls_size(); ++j) {
    const v1::ToolCall& tc = m.tool_calls(j);
    auto input = ToolInput(
        tc.function().arguments(),
        Param(i, ".tool_calls[" + std::to_string(j) + "].function.arguments"));
    if (!input.ok()) return std::move(input.error());
    json::object b;
    b["type"] = "tool_use";
    b["id"] = Jv(tc.id());
    b["name"] = Jv(tc.function().name());
    b["input"] = std::move(input.value());
    out->push_back(std::move(b));
  }
  return std::nullopt;
}

std::optional<Error> ToolResultBlock(const v1::Message& m, int i,
                                     json::array* out) {
  json::object b;
  b["type"] = "tool_result";
  b["tool_use_id"] = Jv(m.tool_call_id());
  if (m.parts_size() > 0) {
    json::array content;
    if (auto e = ContentBlocks(m, i, &content)) return e;
    if (!content.empty()) b["content"] = std::move(content);
  } else if (!m.content().empty()) {
    b["content"] = Jv(m.content());
  }
  out->push_back(std::move(b));
  return std::nullopt;
}

json::value TurnContent(Turn& t) {
  if (t.plain) return t.blocks[0].get_object()["text"];
  return json::value(std::move(t.blocks));
}

json::object ToolDefinition(const v1::Tool& tool) {
  const v1::FunctionDefinition& f = tool.function();
  json::object t;
  t["name"] = Jv(f.name());
  if (!f.description().empty()) t["description"] = Jv(f.description());
  if (f.has_parameters()) {
    t["input_schema"] = ToJson(f.parameters());
  } else {
    // input_schema is required; a function without parameters takes an
    // empty object.
    json::object schema;
    schema["type"] = "object";
    schema["properties"] = json::object();
    t["input_schema"] = std::move(schema);
  }
  return t;
}

// nullopt: no tool_choice to send.
Result<std::optional<json::object>> ToolChoice(const v1::ChatRequest& r) {
  std::optional<json::object> choice;
  const v1::ToolChoice& tc = r.tool_choice();
  if (tc.choice_case() == v1::ToolChoice::kFunctionName) {
    choice.emplace();
    (*choice)["type"] = "tool";
    (*choice)["name"] = Jv(tc.function_name());
  } else if (tc.choice_case() == v1::ToolChoice::kMode) {
    const std::string& mode = tc.mode();
    choice.emplace();
    if (mode == "none") {
      (*choice)["type"] = "none";
      return choice;  // disable_parallel_tool_use is not accepted with none
    }
    if (mode == "auto") {
      (*choice)["type"] = "auto";
    } else if (mode == "required") {
      (*choice)["type"] = "any";
    } else {
      return Error::InvalidRequest(
          "Invalid value for 'tool_choice': '" + mode +
              "'. Supported values are: 'none', 'auto' and 'required'.",
          "tool_choice");
    }
  }
  if (r.has_parallel_tool_calls() && !r.parallel_tool_calls()) {
    if (!choice) {
      choice.emplace();
      (*choice)["type"] = "auto";
    }
    (*choice)["disable_parallel_tool_use"] = true;
  }
  return choice;
}

// Stop reasons and error types, as documented.
struct ErrorKind {
  std::string_view anthropic_type;
  int status;
  // The OpenAI-style type clients see.
  std::string_view openai_type;
};
constexpr ErrorKind kErrorKinds[] = {
    {"invalid_request_error", 400, "invalid_request_error"},
    {"authentication_error", 401, "authentication_error"},
    {"billing_error", 402, "invalid_request_error"},
    {"permission_error", 403, "permission_error"},
    {"not_found_error", 404, "not_found_error"},
    {"request_too_large", 413, "invalid_request_error"},
    {"rate_limit_error", 429, "rate_limit_error"},
    {"api_error", 500, "api_error"},
    {"timeout_error", 504, "timeout_error"},
    {"overloaded_error", 503, "api_error"},
};

const ErrorKind* FindErrorKind(std::string_view type) {
  for (const auto& k : kErrorKinds) {
    if (k.anthropic_type == type) return &k;
  }
  return nullptr;
}

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// A raw body as a one-line, bounded message (HTML error pages, proxies).
std::string Excerpt(std::string_view s, size_t max) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (out.size() >= max) break;
    if (static_cast<unsigned char>(c) <= 0x20) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() >= max) {
    // Do not cut a UTF-8 sequence in half.
    while (!out.empty() &&
           (static_cast<unsigned char>(out.back()) & 0xc0) == 0x80) {
      out.pop_back();
    }
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xc0) {
      out.pop_back();
    }
    out += "...";
  }
  return out;
}

// Fills type/code/message from {"type":"error","error":{...}}; false when
// the body has no error message.
bool ReadErrorBody(std::string_view body, std::string* type,
                   std::string* message) {
  std::optional<json::value> v = ParseJson(body);
  if (!v || !v->is_object()) return false;
  const json::object* err = GetObject(&v->get_object(), "error");
  if (err == nullptr) return false;
  *type = GetString(err, "type");
  *message = GetString(err, "message");
  return !message->empty();
}

Error MakeError(int status, std::string_view anthropic_type,
                std::string message, std::string_view provider_id) {
  Error e = Error::FromHttpStatus(status, "");
  if (const ErrorKind* k = FindErrorKind(anthropic_type)) {
    e.type = k->openai_type;
  }
  // Types with no OpenAI twin stay visible to clients as the code.
  if (!anthropic_type.empty() && anthropic_type != e.type) {
    e.code = anthropic_type;
  }
  e.message = std::move(message);
  if (!provider_id.empty()) {
    e.message.insert(0, std::string(provider_id) + ": ");
  }
  return e;
}

}  // namespace

Result<std::string> BuildRequestBody(const v1::ChatRequest& r,
                                     const BuildOptions& options) {
  std::vector<std::string_view> system;
  std::vector<Turn> turns;
  for (int i = 0; i < r.messages_size(); ++i) {
    const v1::Message& m = r.messages(i);
    if (m.role() == v1::ROLE_SYSTEM || m.role() == v1::ROLE_DEVELOPER) {
      if (m.parts_size() == 0) {
        if (!m.content().empty()) system.push_back(m.content());
      } else {
        for (const auto& p : m.parts()) {
          if (!p.text().empty()) system.push_back(p.text());
        }
      }
      continue;
    }
    json::array blocks;
    std::optional<Error> err;
    std::string_view role = "user";
    if (m.role() == v1::ROLE_ASSISTANT) {
      role = "assistant";
      err = AssistantBlocks(m, i, &blocks);
    } else if (m.role() == v1::ROLE_TOOL) {
      err = ToolResultBlock(m, i, &blocks);
    } else {  // user, or unspecified (gRPC clients that skip the role)
      err = ContentBlocks(m, i, &blocks);
    }
    if (err) return std::move(*err);
    if (blocks.empty()) continue;  // the API rejects empty content
    if (!turns.empty() && turns.back().role == role) {
      // The API wants alternating turns: consecutive same-role messages
      // (several tool results, a tool result then user text) become one.
      Turn& t = turns.back();
      t.plain = false;
      for (auto& b : blocks) t.blocks.push_back(std::move(b));
    } else {
      Turn t;
      t.role = role;
      t.plain = m.parts_size() == 0 && m.tool_calls_size() == 0 &&
                m.role() != v1::ROLE_TOOL && blocks.size() == 1;
      t.blocks = std::move(blocks);
      turns.push_back(std::move(t));
    }
  }
  if (turns.empty()) {
    return Error::InvalidRequest(
        "at least one user or assistant message is required", "messages");
  }

  json::object body;
  std::set<std::string, std::less<>> written;
  auto put = [&](std::string_view key, json::value v) {
    body[Jv(key)] = std::move(v);
    written.emplace(key);
  };
  put("model", Jv(options.model));
  // Extra params may replace the default max_tokens, never the client's.
  const google::protobuf::Struct& extra = r.extra_params();
  const bool client_max = r.has_max_completion_tokens() || r.has_max_tokens();
  if (client_max || extra.fields().count("max_tokens") == 0) {
    int64_t max_tokens = options.default_max_tokens > 0
                             ? options.default_max_tokens
                             : kDefaultMaxTokens;
    if (r.has_max_completion_tokens()) {
      max_tokens = r.max_completion_tokens();
    } else if (r.has_max_tokens()) {
      max_tokens = r.max_tokens();
    }
    put("max_tokens", max_tokens);
  }
  if (system.size() == 1) {
    put("system", Jv(system[0]));
  } else if (!system.empty()) {
    json::array blocks;
    for (std::string_view s : system) blocks.push_back(TextBlock(s));
    put("system", std::move(blocks));
  }
  json::array messages;
  messages.reserve(turns.size());
  for (Turn& t : turns) {
    json::object m;
    m["role"] = Jv(t.role);
    m["content"] = TurnContent(t);
    messages.push_back(std::move(m));
  }
  put("messages", std::move(messages));
  if (options.stream) put("stream", true);
  written.emplace("stream");  // the gateway decides streaming, not extras
  if (r.has_temperature()) put("temperature", r.temperature());
  if (r.has_top_p()) put("top_p", r.top_p());
  if (r.stop_size() > 0) {
    json::array stops;
    for (const auto& s : r.stop()) stops.push_back(Jv(s));
    put("stop_sequences", std::move(stops));
  }
  if (r.tools_size() > 0) {
    json::array tools;
    for (const auto& t : r.tools()) tools.push_back(ToolDefinition(t));
    put("tools", std::move(tools));
    // tool_choice is only valid beside tools.
    auto choice = ToolChoice(r);
    if (!choice.ok()) return std::move(choice.error());
    if (choice.value()) put("tool_choice", std::move(*choice.value()));
  }
  if (!r.user().empty()) {
    json::object metadata;
    metadata["user_id"] = Jv(r.user());
    put("metadata", std::move(metadata));
  }
  // Extras in a stable order (protobuf maps have none).
  std::vector<const std::string*> keys;
  for (const auto& [k, v] : extra.fields()) {
    if (written.count(k) == 0) keys.push_back(&k);
  }
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  for (const std::string* k : keys) {
    body[Jv(*k)] = ToJson(extra.fields().at(*k));
  }
  return Serialize(body);
}

v1::FinishReason MapStopReason(std::string_view s) {
  if (s == "end_turn" || s == "stop_sequence" || s == "pause_turn") {
    return v1::FINISH_REASON_STOP;
  }
  if (s == "max_tokens" || s == "model_context_window_exceeded") {
    return v1::FINISH_REASON_LENGTH;
  }
  if (s == "tool_use") return v1::FINISH_REASON_TOOL_CALLS;
  if (s == "refusal") return v1::FINISH_REASON_CONTENT_FILTER;
  return v1::FINISH_REASON_UNSPECIFIED;
}

void FillUsage(const UsageCounts& c, v1::Usage* out) {
  const int64_t prompt =
      static_cast<int64_t>(c.input) + c.cache_read + c.cache_creation;
  const int64_t total = prompt + c.output;
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  out->set_prompt_tokens(static_cast<int32_t>(std::min(prompt, kMax)));
  out->set_completion_tokens(c.output);
  out->set_total_tokens(static_cast<int32_t>(std::min(total, kMax)));
  out->set_cached_tokens(c.cache_read);
  out->set_cache_creation_tokens(c.cache_creation);
}

Result<v1::ChatResponse> ParseResponse(std::string_view body) {
  std::optional<json::value> root = ParseJson(body);
  if (!root || !root->is_object()) {
    return Error::Unavailable("malformed message from upstream");
  }
  const json::object& o = root->get_object();
  if (GetString(&o, "type") == "error") {
    std::string type;
    std::string message;
    ReadErrorBody(body, &type, &message);
    const ErrorKind* k = FindErrorKind(type);
    // The caller prefixes the provider id.
    return MakeError(k != nullptr ? k->status : 502, type,
                     message.empty() ? "upstream error" : message, "");
  }
  v1::ChatResponse resp;
  resp.set_id(std::string(GetString(&o, "id")));
  resp.set_model(std::string(GetString(&o, "model")));
  v1::Choice* choice = resp.add_choices();
  choice->set_index(0);
  v1::Message* m = choice->mutable_message();
  m->set_role(v1::ROLE_ASSISTANT);
  if (const json::array* content = GetArray(&o, "content")) {
    for (const auto& item : *content) {
      const json::object* b = item.if_object();
      if (b == nullptr) continue;
      std::string_view type = GetString(b, "type");
      if (type == "text") {
        m->mutable_content()->append(GetString(b, "text"));
      } else if (type == "thinking") {
        m->mutable_reasoning_content()->append(GetString(b, "thinking"));
      } else if (type == "tool_use") {
        v1::ToolCall* tc = m->add_tool_calls();
        tc->set_index(m->tool_calls_size() - 1);
        tc->set_id(std::string(GetString(b, "id")));
        tc->set_type("function");
        tc->mutable_function()->set_name(std::string(GetString(b, "name")));
        const json::value* input = b->if_contains("input");
        tc->mutable_function()->set_arguments(
            input != nullptr && !input->is_null() ? Serialize(*input) : "{}");
      }
      // Other blocks (redacted_thinking, server tool results) have no
      // Chat Completions form.
    }
  }
  choice->set_finish_reason(MapStopReason(GetString(&o, "stop_reason")));
  if (const json::object* u = GetObject(&o, "usage")) {
    FillUsage({GetCount(u, "input_tokens"), GetCount(u, "output_tokens"),
               GetCount(u, "cache_read_input_tokens"),
               GetCount(u, "cache_creation_input_tokens")},
              resp.mutable_usage());
  }
  return resp;
}

int StatusForErrorType(std::string_view type) {
  const ErrorKind* k = FindErrorKind(type);
  return k != nullptr ? k->status : 0;
}

Error ParseError(int http_status, std::string_view body,
                 std::string_view provider_id) {
  // 529 is Anthropic's "overloaded"; the rest of the stack (retry and
  // fallback defaults, gRPC mapping, OpenAI SDKs) knows 503.
  const int status = http_status == 529 ? 503 : http_status;
  std::string_view trimmed = Trim(body);
  if (trimmed.empty()) {
    return MakeError(status, "",
                     "HTTP " + std::to_string(http_status) + " with empty body",
                     provider_id);
  }
  std::string type;
  std::string message;
  if (ReadErrorBody(trimmed, &type, &message)) {
    return MakeError(status, type, std::move(message), provider_id);
  }
  return MakeError(
      status, "",
      "HTTP " + std::to_string(http_status) + ": " + Excerpt(trimmed, 300),
      provider_id);
}

Error ParseStreamError(std::string_view data, std::string_view provider_id) {
  std::string type;
  std::string message;
  if (!ReadErrorBody(data, &type, &message)) {
    return MakeError(502, "",
                     "upstream stream error: " + Excerpt(Trim(data), 300),
                     provider_id);
  }
  const int status = StatusForErrorType(type);
  return MakeError(status != 0 ? status : 502, type, std::move(message),
                   provider_id);
}

}  // namespace across::anthropic
