// Wire format: https://platform.claude.com/docs/en/api/messages,
// https://platform.claude.com/docs/en/build-with-claude/streaming and
// https://platform.claude.com/docs/en/api/errors.
#include "tests/mock_upstream/anthropic_dialect.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "tests/mock_upstream/json_out.h"
#include "tests/mock_upstream/sse.h"
#include "tests/mock_upstream/text.h"

namespace across::mock {
namespace {

namespace json = boost::json;

constexpr std::string_view kJson = "application/json";
// Tool inputs of the first and second tool_use block, and how the first one
// streams (input_json_delta pieces; the API's first piece is often empty).
constexpr std::string_view kToolInputs[] = {R"({"city":"Paris"})",
                                            R"({"city":"London"})"};
constexpr std::string_view kToolInputPieces[][3] = {
    {"", R"({"city": )", R"("Paris"})"},
    {"", R"({"city": )", R"("London"})"},
};
constexpr std::string_view kTwiceIntro = "Checking both cities.";
constexpr std::string_view kStreamErrorEvent =
    "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
    "\"overloaded_error\",\"message\":\"mock mid-stream error\"}}\n\n";
constexpr std::string_view kGarbageEvent =
    "event: message_start\ndata: {not json\n\n";
constexpr std::string_view kStopEvent =
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

bool ContainsNoCase(std::string_view s, std::string_view word) {
  for (size_t i = 0; i + word.size() <= s.size(); ++i) {
    if (boost::beast::iequals(s.substr(i, word.size()), word)) return true;
  }
  return false;
}

std::string_view Sv(const json::string& s) {  // NOLINT: overload
  return std::string_view(s.data(), s.size());
}

const json::value* Find(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

std::string_view StringField(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  return v != nullptr && v->is_string() ? Sv(v->get_string())
                                        : std::string_view();
}

// Calls fn(text, cached) for each text of a "content" (or "system") value:
// the string itself, text blocks, and the content of tool_result blocks.
// `cached` is true for blocks carrying cache_control.
template <typename Fn>
void ForEachText(const json::value& content, Fn&& fn) {
  if (content.is_string()) {
    fn(Sv(content.get_string()), false);
    return;
  }
  if (!content.is_array()) return;
  for (const json::value& item : content.get_array()) {
    const json::object* b = item.if_object();
    if (b == nullptr) continue;
    const std::string_view type = StringField(*b, "type");
    if (type == "text") {
      fn(StringField(*b, "text"), Find(*b, "cache_control") != nullptr);
    } else if (type == "tool_result") {
      if (const json::value* inner = Find(*b, "content")) {
        ForEachText(*inner, fn);
      }
    }
  }
}

// Starts an SSE event named `name` and returns the buffer to append its
// JSON data to (then call events.End()). EventList::Begin() has just
// appended "data: "; the event line has to come first, so it is swapped in.
std::string& BeginEvent(EventList& events, std::string_view name) {
  std::string& e = events.Begin();
  e.resize(e.size() - 6);
  e.append("event: ");
  e.append(name);
  e.append("\ndata: ");
  return e;
}

// What the mock answers.
struct Answer {
  std::string_view model;
  std::string_view text;  // the text block ("" for none)
  int tools = 0;          // tool_use blocks after the text
  std::string_view tool_names[2];
  std::string_view stop_reason = "end_turn";
  std::string_view stop_sequence;  // "" → null
  int64_t input_tokens = 0;
  int64_t cache_read_tokens = 0;
  int64_t output_tokens = 0;
};

void AppendUsage(std::string& out, const Answer& a, bool start) {
  out.append("{\"input_tokens\":");
  AppendInt(out, a.input_tokens);
  out.append(",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":");
  AppendInt(out, a.cache_read_tokens);
  out.append(",\"output_tokens\":");
  AppendInt(out, start ? 1 : a.output_tokens);
  out.push_back('}');
}

void AppendStop(std::string& out, const Answer& a) {
  out.append("\"stop_reason\":");
  AppendJsonString(out, a.stop_reason);
  out.append(",\"stop_sequence\":");
  if (a.stop_sequence.empty()) {
    out.append("null");
  } else {
    AppendJsonString(out, a.stop_sequence);
  }
}

void AppendToolUseStart(std::string& out, uint64_t seq, int i,
                        std::string_view name) {
  out.append("{\"type\":\"tool_use\",\"id\":\"toolu_mock_");
  AppendInt(out, static_cast<int64_t>(seq));
  out.push_back('_');
  AppendInt(out, i);
  out.append("\",\"name\":");
  AppendJsonString(out, name);
  out.append(",\"input\":");
}

class AnthropicDialect final : public Dialect {
 public:
  std::string_view name() const override { return "anthropic"; }

  bool Handles(std::string_view path) const override {
    return EndsWith(path, "/messages");
  }

  bool HasKey(const Request& request, std::string_view key) const override {
    return request.Header("x-api-key") == key;
  }

  void ErrorBody(const ErrorInfo& e, std::string& out) const override {
    out.append("{\"type\":\"error\",\"error\":{\"type\":");
    AppendJsonString(out, ErrorType(e));
    out.append(",\"message\":");
    AppendJsonString(out, e.message);
    out.append("},\"request_id\":\"req_mock\"}");
  }

  void AuthErrorBody(std::string& out) const override {
    out.append(
        "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
        "\"message\":\"invalid x-api-key\"},\"request_id\":\"req_mock\"}");
  }

  asio::awaitable<void> Serve(const Request& request, Conn& conn,
                              const Faults& faults) const override {
    if (request.method != http::verb::post) {
      co_await SendError(conn, 405, "invalid_request_error",
                         "Method not allowed");
      co_return;
    }
    if (request.Header("anthropic-version").empty()) {
      co_await SendError(conn, 400, "invalid_request_error",
                         "anthropic-version: header is required");
      co_return;
    }
    const json::object* body = request.JsonObject();
    if (body == nullptr) {
      co_await SendError(conn, 400, "invalid_request_error",
                         "There was an error parsing the body of your "
                         "request as JSON.");
      co_return;
    }
    Answer a;
    a.model = StringField(*body, "model");
    if (a.model.empty()) {
      co_await SendError(conn, 400, "invalid_request_error",
                         "model: Field required");
      co_return;
    }
    const json::value* max_v = Find(*body, "max_tokens");
    if (max_v == nullptr || !(max_v->is_int64() || max_v->is_uint64()) ||
        (max_v->is_int64() && max_v->get_int64() < 1)) {
      co_await SendError(conn, 400, "invalid_request_error",
                         "max_tokens: Field required");
      co_return;
    }
    const int64_t max_tokens = max_v->is_int64()
                                   ? max_v->get_int64()
                                   : static_cast<int64_t>(max_v->get_uint64());
    const json::value* messages_v = Find(*body, "messages");
    if (messages_v == nullptr || !messages_v->is_array() ||
        messages_v->get_array().empty()) {
      co_await SendError(conn, 400, "invalid_request_error",
                         "messages: Field required");
      co_return;
    }

    // Prompt size (cache_control'd system blocks count as cache reads), the
    // last user turn's text, and role checks as the API does them.
    Scratch& s = conn.scratch();
    std::string& user_text = s.text;
    user_text.clear();
    auto count = [&](std::string_view t, bool cached) {
      (cached ? a.cache_read_tokens : a.input_tokens) += CountWords(t);
    };
    if (const json::value* system = Find(*body, "system")) {
      ForEachText(*system, count);
    }
    const json::array& messages = messages_v->get_array();
    for (size_t i = 0; i < messages.size(); ++i) {
      const json::object* m = messages[i].if_object();
      const std::string_view role =
          m != nullptr ? StringField(*m, "role") : std::string_view();
      if (role != "user" && role != "assistant") {
        std::string& msg = s.body;
        msg.assign("messages.");
        AppendInt(msg, static_cast<int64_t>(i));
        msg.append(".role: Input should be 'user' or 'assistant'");
        co_await SendError(conn, 400, "invalid_request_error", msg);
        co_return;
      }
      const json::value* content = Find(*m, "content");
      if (content == nullptr) continue;
      ForEachText(*content, count);
      if (role == "user") {
        user_text.clear();
        ForEachText(*content, [&](std::string_view t, bool) {
          if (!user_text.empty()) user_text.push_back(' ');
          user_text.append(t);
        });
      }
    }

    // Tool use?
    const json::value* tools = Find(*body, "tools");
    const json::value* choice = Find(*body, "tool_choice");
    const bool tools_off = choice != nullptr && choice->is_object() &&
                           StringField(choice->get_object(), "type") == "none";
    if (tools != nullptr && tools->is_array() && !tools->get_array().empty() &&
        !tools_off && ContainsNoCase(user_text, "weather")) {
      const json::array& list = tools->get_array();
      a.tools = ContainsNoCase(user_text, "weather twice") ? 2 : 1;
      for (int i = 0; i < a.tools; ++i) {
        const json::value& t = list[std::min<size_t>(i, list.size() - 1)];
        a.tool_names[i] = t.is_object() ? StringField(t.get_object(), "name")
                                        : std::string_view();
        a.output_tokens += CountWords(kToolInputs[i]);
      }
      if (a.tools == 2) {
        a.text = kTwiceIntro;
        a.output_tokens += CountWords(kTwiceIntro);
      }
      a.stop_reason = "tool_use";
    } else {
      std::string& content = s.content;
      content.clear();
      if (faults.words >= 0) {
        for (int64_t i = 0; i < faults.words; ++i) {
          if (i > 0) content.push_back(' ');
          content.push_back('w');
          AppendInt(content, i);
        }
      } else {
        content.append("mock: ");
        content.append(user_text);
      }
      // Stop sequences: cut before the earliest one found.
      if (const json::value* stops = Find(*body, "stop_sequences")) {
        size_t cut = std::string::npos;
        if (stops->is_array()) {
          for (const json::value& sv : stops->get_array()) {
            if (!sv.is_string() || sv.get_string().empty()) continue;
            const size_t at = content.find(Sv(sv.get_string()));
            if (at != std::string::npos &&
                (cut == std::string::npos || at < cut)) {
              cut = at;
              a.stop_sequence = Sv(sv.get_string());
            }
          }
        }
        if (cut != std::string::npos) {
          content.resize(cut);
          a.stop_reason = "stop_sequence";
        }
      }
      a.output_tokens = CountWords(content);
      if (a.output_tokens > max_tokens) {
        content.resize(EndOfWord(content, max_tokens));
        a.output_tokens = max_tokens;
        a.stop_reason = "max_tokens";
        a.stop_sequence = {};
      }
      a.text = content;
    }

    const json::value* stream_v = Find(*body, "stream");
    if (stream_v != nullptr && stream_v->is_bool() && stream_v->get_bool()) {
      StreamPlan plan;
      plan.first_content = BuildEvents(request.seq, a, s.events);
      plan.error_event = kStreamErrorEvent;
      plan.garbage_event = kGarbageEvent;
      plan.garbage_trailer = kStopEvent;
      static constexpr Header kStreamHeaders[] = {
          {"cache-control", "no-cache"}};
      co_await PlayStream(conn, faults, s.events, plan, kStreamHeaders);
      co_return;
    }

    std::string& out = s.body;
    out.clear();
    out.append("{\"id\":\"msg_mock_");
    AppendInt(out, static_cast<int64_t>(request.seq));
    out.append("\",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
    AppendJsonString(out, a.model);
    out.append(",\"content\":[");
    bool first = true;
    if (!a.text.empty() || a.tools == 0) {
      out.append("{\"type\":\"text\",\"text\":");
      AppendJsonString(out, a.text);
      out.push_back('}');
      first = false;
    }
    for (int i = 0; i < a.tools; ++i) {
      if (!first) out.push_back(',');
      first = false;
      AppendToolUseStart(out, request.seq, i, a.tool_names[i]);
      out.append(kToolInputs[i]);
      out.push_back('}');
    }
    out.append("],");
    AppendStop(out, a);
    out.append(",\"usage\":");
    AppendUsage(out, a, false);
    out.push_back('}');
    co_await SendUnary(conn, faults, 200, kJson, out);
  }

 private:
  // Anthropic's error type for a status (its types match OpenAI's for the
  // common 4xx; 5xx and 413 have their own).
  static std::string_view ErrorType(const ErrorInfo& e) {
    switch (e.status) {
      case 402:
        return "billing_error";
      case 413:
        return "request_too_large";
      case 504:
        return "timeout_error";
      case 529:
        return "overloaded_error";
      default:
        if (e.status >= 500) return "api_error";
        return e.type.empty() ? std::string_view("invalid_request_error")
                              : e.type;
    }
  }

  asio::awaitable<void> SendError(Conn& conn, int status, std::string_view type,
                                  std::string_view message) const {
    std::string& out = conn.scratch().content;
    out.clear();
    ErrorBody({status, type, message}, out);
    co_await conn.Send(status, kJson, out);
  }

  // Renders the event stream; returns the index of the first content delta
  // (where x-mock-stream-error strikes).
  static size_t BuildEvents(uint64_t seq, const Answer& a, EventList& events) {
    events.Clear();
    {
      std::string& e = BeginEvent(events, "message_start");
      e.append("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_mock_");
      AppendInt(e, static_cast<int64_t>(seq));
      e.append("\",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
      AppendJsonString(e, a.model);
      e.append(
          ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
          "\"usage\":");
      AppendUsage(e, a, true);
      e.append("}}");
      events.End();
    }
    size_t first_content = 0;
    int block = 0;
    auto block_event = [&](std::string_view name) -> std::string& {
      std::string& e = BeginEvent(events, name);
      e.append("{\"type\":\"");
      e.append(name);
      e.append("\",\"index\":");
      AppendInt(e, block);
      return e;
    };
    auto delta = [&](std::string_view type, std::string_view field,
                     std::string_view value) {
      if (first_content == 0) first_content = events.size();
      std::string& e = block_event("content_block_delta");
      e.append(",\"delta\":{\"type\":\"");
      e.append(type);
      e.append("\",\"");
      e.append(field);
      e.append("\":");
      AppendJsonString(e, value);
      e.append("}}");
      events.End();
    };
    auto stop_block = [&] {
      block_event("content_block_stop").push_back('}');
      events.End();
      ++block;
    };
    if (!a.text.empty() || a.tools == 0) {
      block_event("content_block_start")
          .append(",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
      events.End();
      BeginEvent(events, "ping").append("{\"type\":\"ping\"}");
      events.End();
      // One delta per word, each with the whitespace before it, so the
      // deltas concatenate to the unary text.
      const std::string_view text = a.text;
      size_t i = 0;
      while (i < text.size()) {
        size_t j = i;
        while (j < text.size() && IsSpace(text[j])) ++j;
        while (j < text.size() && !IsSpace(text[j])) ++j;
        delta("text_delta", "text", text.substr(i, j - i));
        i = j;
      }
      stop_block();
    }
    for (int t = 0; t < a.tools; ++t) {
      std::string& e = block_event("content_block_start");
      e.append(",\"content_block\":");
      AppendToolUseStart(e, seq, t, a.tool_names[t]);
      e.append("{}}}");
      events.End();
      for (std::string_view piece : kToolInputPieces[t]) {
        delta("input_json_delta", "partial_json", piece);
      }
      stop_block();
    }
    {
      std::string& e = BeginEvent(events, "message_delta");
      e.append("{\"type\":\"message_delta\",\"delta\":{");
      AppendStop(e, a);
      e.append("},\"usage\":{\"output_tokens\":");
      AppendInt(e, a.output_tokens);
      e.append("}}");
      events.End();
    }
    BeginEvent(events, "message_stop").append("{\"type\":\"message_stop\"}");
    events.End();
    return first_content == 0 ? 1 : first_content;
  }
};

}  // namespace

std::unique_ptr<Dialect> MakeAnthropicDialect() {
  return std::make_unique<AnthropicDialect>();
}

}  // namespace across::mock
