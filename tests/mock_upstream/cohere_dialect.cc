#include "tests/mock_upstream/cohere_dialect.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "tests/mock_upstream/json_out.h"
#include "tests/mock_upstream/sse.h"
#include "tests/mock_upstream/text.h"

namespace across::mock {
namespace {

namespace json = boost::json;

constexpr std::string_view kJson = "application/json";
// Argument pieces streamed per call, and the whole arguments per city.
constexpr std::string_view kCities[] = {"Paris", "London"};
// Cohere adds its own preamble to the prompt; "tokens" counts it, billed
// units do not.
constexpr int64_t kPromptOverhead = 7;

bool ContainsWord(std::string_view s, std::string_view word) {
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

int64_t PositiveIntField(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  if (v == nullptr) return -1;
  if (v->is_int64() && v->get_int64() > 0) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return -1;
}

// Calls fn(text) for a message content: the string, or each text block.
template <typename Fn>
void ForEachText(const json::value& content, Fn&& fn) {
  if (content.is_string()) {
    fn(Sv(content.get_string()));
    return;
  }
  if (!content.is_array()) return;
  for (const json::value& block : content.get_array()) {
    const json::object* b = block.if_object();
    if (b != nullptr && StringField(*b, "type") == "text") {
      fn(StringField(*b, "text"));
    }
  }
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211u;
  }
  return h;
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15u;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
  return x ^ (x >> 31);
}

// EventList frames "data: …" events; Cohere also names each event, so the
// "data: " that Begin() wrote is replaced by "event: <type>\ndata: ".
std::string& BeginNamed(EventList& events, std::string_view type) {
  constexpr std::string_view kData = "data: ";
  std::string& e = events.Begin();
  e.resize(e.size() - kData.size());
  e.append("event: ");
  e.append(type);
  e.push_back('\n');
  e.append(kData);
  return e;
}

void AppendUsage(std::string& out, int64_t prompt, int64_t completion) {
  out.append("{\"billed_units\":{\"input_tokens\":");
  AppendInt(out, prompt);
  out.append(",\"output_tokens\":");
  AppendInt(out, completion);
  out.append("},\"tokens\":{\"input_tokens\":");
  AppendInt(out, prompt + kPromptOverhead);
  out.append(",\"output_tokens\":");
  AppendInt(out, completion);
  out.append("},\"cached_tokens\":0}");
}

void AppendArguments(std::string& out, std::string_view city) {
  std::string args = "{\"city\":\"";
  args.append(city);
  args.append("\"}");
  AppendJsonString(out, args);
}

// What the mock answers to one chat request.
struct Answer {
  std::string_view finish_reason = "COMPLETE";
  std::string_view tool_name;  // non-empty: tool calls instead of text
  int tool_calls = 0;
  std::string plan;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

class CohereDialect final : public Dialect {
 public:
  std::string_view name() const override { return "cohere"; }

  bool Handles(std::string_view path) const override {
    return EndsWith(path, "/v2/chat") || EndsWith(path, "/v2/embed");
  }

  bool HasKey(const Request& request, std::string_view key) const override {
    std::string_view auth = request.Header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    return auth.size() == kBearer.size() + key.size() &&
           boost::beast::iequals(auth.substr(0, kBearer.size()), kBearer) &&
           auth.substr(kBearer.size()) == key;
  }

  void ErrorBody(const ErrorInfo& e, std::string& out) const override {
    out.append("{\"id\":\"mock-error\",\"message\":");
    AppendJsonString(out, e.message);
    out.push_back('}');
  }

  void AuthErrorBody(std::string& out) const override {
    out.append("{\"id\":\"mock-error\",\"message\":\"invalid api token\"}");
  }

  asio::awaitable<void> Serve(const Request& request, Conn& conn,
                              const Faults& faults) const override {
    if (request.method != http::verb::post) {
      co_await Fail(conn, 404, "mock: no such endpoint");
    } else if (EndsWith(request.path, "/v2/chat")) {
      co_await Chat(request, conn, faults);
    } else {
      co_await Embed(request, conn, faults);
    }
  }

 private:
  asio::awaitable<void> Fail(Conn& conn, int status,
                             std::string_view message) const {
    std::string& out = conn.scratch().body;
    out.clear();
    ErrorBody({status, "", message}, out);
    co_await conn.Send(status, kJson, out);
  }

  // ---- POST …/v2/chat ----

  asio::awaitable<void> Chat(const Request& request, Conn& conn,
                             const Faults& faults) const {
    const json::object* body = request.JsonObject();
    if (body == nullptr) {
      co_await Fail(conn, 400, "invalid request: body must be a JSON object");
      co_return;
    }
    if (StringField(*body, "model").empty()) {
      co_await Fail(conn, 400,
                    "invalid request: a model parameter is required for this "
                    "endpoint.");
      co_return;
    }
    const json::value* messages_v = Find(*body, "messages");
    if (messages_v == nullptr || !messages_v->is_array() ||
        messages_v->get_array().empty()) {
      co_await Fail(conn, 400, "invalid request: messages must not be empty");
      co_return;
    }

    Scratch& s = conn.scratch();
    Answer a;
    std::string& user_text = s.text;
    user_text.clear();
    for (const json::value& m : messages_v->get_array()) {
      const json::object* msg = m.if_object();
      if (msg == nullptr) continue;
      const json::value* content = Find(*msg, "content");
      if (content == nullptr) continue;
      const bool user = StringField(*msg, "role") == "user";
      if (user) user_text.clear();
      ForEachText(*content, [&](std::string_view t) {
        a.prompt_tokens += CountWords(t);
        if (!user) return;
        if (!user_text.empty()) user_text.push_back(' ');
        user_text.append(t);
      });
    }

    const json::value* tools = Find(*body, "tools");
    if (tools != nullptr && tools->is_array() && !tools->get_array().empty() &&
        StringField(*body, "tool_choice") != "NONE" &&
        ContainsWord(user_text, "weather")) {
      if (const json::object* tool = tools->get_array()[0].if_object()) {
        const json::value* fn = Find(*tool, "function");
        if (fn != nullptr && fn->is_object()) {
          a.tool_name = StringField(fn->get_object(), "name");
        }
      }
    }

    std::string& content = s.content;
    content.clear();
    if (!a.tool_name.empty()) {
      a.finish_reason = "TOOL_CALL";
      a.tool_calls = ContainsWord(user_text, "parallel") ? 2 : 1;
      a.plan = "I will call ";
      a.plan.append(a.tool_name);
      a.plan.append(a.tool_calls > 1 ? " twice." : ".");
      a.completion_tokens = CountWords(a.plan) + a.tool_calls;
    } else {
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
      // The earliest stop sequence ends the answer, without itself.
      if (const json::value* stops = Find(*body, "stop_sequences");
          stops != nullptr && stops->is_array()) {
        size_t cut = std::string::npos;
        for (const json::value& stop : stops->get_array()) {
          if (!stop.is_string() || stop.get_string().empty()) continue;
          cut = std::min(cut, content.find(Sv(stop.get_string())));
        }
        if (cut != std::string::npos) {
          content.resize(cut);
          a.finish_reason = "STOP_SEQUENCE";
        }
      }
      a.completion_tokens = CountWords(content);
      const int64_t max_tokens = PositiveIntField(*body, "max_tokens");
      if (max_tokens > 0 && a.completion_tokens > max_tokens) {
        content.resize(EndOfWord(content, max_tokens));
        a.completion_tokens = max_tokens;
        a.finish_reason = "MAX_TOKENS";
      }
    }

    const json::value* stream = Find(*body, "stream");
    if (stream != nullptr && stream->is_bool() && stream->get_bool()) {
      size_t first_content = BuildEvents(request.seq, a, content, s.events);
      StreamPlan plan;
      plan.first_content = first_content;
      plan.error_event =
          "event: message-end\ndata: {\"type\":\"message-end\",\"delta\":{"
          "\"error\":\"mock mid-stream error\",\"finish_reason\":\"ERROR\"}}"
          "\n\n";
      plan.garbage_trailer = "data: [DONE]\n\n";
      static constexpr Header kStreamHeaders[] = {
          {"cache-control", "no-cache"}};
      co_await PlayStream(conn, faults, s.events, plan, kStreamHeaders);
      co_return;
    }

    std::string& out = s.body;
    out.clear();
    out.append("{\"id\":\"mock-");
    AppendInt(out, static_cast<int64_t>(request.seq));
    out.append("\",\"message\":{\"role\":\"assistant\",");
    if (a.tool_calls > 0) {
      out.append("\"tool_plan\":");
      AppendJsonString(out, a.plan);
      out.append(",\"tool_calls\":[");
      for (int i = 0; i < a.tool_calls; ++i) {
        if (i > 0) out.push_back(',');
        out.append("{\"id\":\"call_mock_");
        AppendInt(out, static_cast<int64_t>(request.seq));
        out.push_back('_');
        AppendInt(out, i);
        out.append("\",\"type\":\"function\",\"function\":{\"name\":");
        AppendJsonString(out, a.tool_name);
        out.append(",\"arguments\":");
        AppendArguments(out, kCities[i]);
        out.append("}}");
      }
      out.push_back(']');
    } else {
      out.append("\"content\":[{\"type\":\"text\",\"text\":");
      AppendJsonString(out, content);
      out.append("}]");
    }
    out.append("},\"finish_reason\":\"");
    out.append(a.finish_reason);
    out.append("\",\"usage\":");
    AppendUsage(out, a.prompt_tokens, a.completion_tokens);
    out.push_back('}');
    co_await SendUnary(conn, faults, 200, kJson, out);
  }

  // Renders the v2 stream events; returns the index of the first event
  // that carries content (where x-mock-stream-error strikes).
  static size_t BuildEvents(uint64_t seq, const Answer& a,
                            std::string_view content, EventList& events) {
    events.Clear();
    {
      std::string& e = BeginNamed(events, "message-start");
      e.append("{\"id\":\"mock-");
      AppendInt(e, static_cast<int64_t>(seq));
      e.append(
          "\",\"type\":\"message-start\",\"delta\":{\"message\":{\"role\":"
          "\"assistant\",\"content\":[],\"tool_plan\":\"\",\"tool_calls\":[],"
          "\"citations\":[]}}}");
      events.End();
    }
    size_t first_content = 1;
    if (a.tool_calls > 0) {
      std::string& p = BeginNamed(events, "tool-plan-delta");
      p.append(
          "{\"type\":\"tool-plan-delta\",\"delta\":{\"message\":{"
          "\"tool_plan\":");
      AppendJsonString(p, a.plan);
      p.append("}}}");
      events.End();
      for (int i = 0; i < a.tool_calls; ++i) {
        std::string& start = BeginNamed(events, "tool-call-start");
        start.append("{\"type\":\"tool-call-start\",\"index\":");
        AppendInt(start, i);
        start.append(
            ",\"delta\":{\"message\":{\"tool_calls\":{\"id\":\"call_mock_");
        AppendInt(start, static_cast<int64_t>(seq));
        start.push_back('_');
        AppendInt(start, i);
        start.append("\",\"type\":\"function\",\"function\":{\"name\":");
        AppendJsonString(start, a.tool_name);
        start.append(",\"arguments\":\"\"}}}}}");
        events.End();
        // The arguments in two pieces: {"city": and "<City>"}.
        const std::string pieces[] = {"{\"city\":",
                                      "\"" + std::string(kCities[i]) + "\"}"};
        for (const std::string& piece : pieces) {
          std::string& d = BeginNamed(events, "tool-call-delta");
          d.append("{\"type\":\"tool-call-delta\",\"index\":");
          AppendInt(d, i);
          d.append(
              ",\"delta\":{\"message\":{\"tool_calls\":{\"function\":{"
              "\"arguments\":");
          AppendJsonString(d, piece);
          d.append("}}}}}");
          events.End();
        }
        std::string& end = BeginNamed(events, "tool-call-end");
        end.append("{\"type\":\"tool-call-end\",\"index\":");
        AppendInt(end, i);
        end.push_back('}');
        events.End();
      }
    } else {
      BeginNamed(events, "content-start")
          .append(
              "{\"type\":\"content-start\",\"index\":0,\"delta\":{\"message\":"
              "{\"content\":{\"type\":\"text\",\"text\":\"\"}}}}");
      events.End();
      first_content = 2;
      // One event per word, each with the whitespace before it, so the
      // pieces concatenate to the unary text.
      size_t i = 0;
      while (i < content.size()) {
        size_t j = i;
        while (j < content.size() && IsSpace(content[j])) ++j;
        while (j < content.size() && !IsSpace(content[j])) ++j;
        std::string& e = BeginNamed(events, "content-delta");
        e.append(
            "{\"type\":\"content-delta\",\"index\":0,\"delta\":{\"message\":"
            "{\"content\":{\"text\":");
        AppendJsonString(e, content.substr(i, j - i));
        e.append("}}}}");
        events.End();
        i = j;
      }
      BeginNamed(events, "content-end")
          .append("{\"type\":\"content-end\",\"index\":0}");
      events.End();
    }
    {
      std::string& e = BeginNamed(events, "message-end");
      e.append("{\"type\":\"message-end\",\"delta\":{\"finish_reason\":\"");
      e.append(a.finish_reason);
      e.append("\",\"usage\":");
      AppendUsage(e, a.prompt_tokens, a.completion_tokens);
      e.append("}}");
      events.End();
    }
    events.Add("[DONE]");
    return first_content;
  }

  // ---- POST …/v2/embed ----

  asio::awaitable<void> Embed(const Request& request, Conn& conn,
                              const Faults& faults) const {
    const json::object* body = request.JsonObject();
    if (body == nullptr) {
      co_await Fail(conn, 400, "invalid request: body must be a JSON object");
      co_return;
    }
    if (StringField(*body, "model").empty()) {
      co_await Fail(conn, 400,
                    "invalid request: a model parameter is required for this "
                    "endpoint.");
      co_return;
    }
    const json::value* texts = Find(*body, "texts");
    if (texts == nullptr || !texts->is_array() || texts->get_array().empty()) {
      co_await Fail(conn, 400, "invalid request: texts must not be empty");
      co_return;
    }
    if (StringField(*body, "input_type").empty()) {
      co_await Fail(conn, 400,
                    "invalid request: valid input_type must be provided with "
                    "the provided model");
      co_return;
    }
    int64_t dims = PositiveIntField(*body, "output_dimension");
    if (dims <= 0) dims = 8;
    if (dims > 65536) {
      co_await Fail(conn, 400, "invalid request: output_dimension too large");
      co_return;
    }

    std::string& out = conn.scratch().body;
    out.clear();
    out.append("{\"id\":\"mock-");
    AppendInt(out, static_cast<int64_t>(request.seq));
    out.append("\",\"embeddings\":{\"float\":[");
    int64_t tokens = 0;
    std::vector<double> vec(static_cast<size_t>(dims));
    bool first = true;
    for (const json::value& t : texts->get_array()) {
      if (!t.is_string()) {
        co_await Fail(conn, 400, "invalid request: texts must be strings");
        co_return;
      }
      const std::string_view text = Sv(t.get_string());
      tokens += CountWords(text);
      const uint64_t seed = Fnv1a(text);
      double norm = 0;
      for (int64_t i = 0; i < dims; ++i) {
        const uint64_t r = SplitMix64(seed + static_cast<uint64_t>(i));
        vec[i] = static_cast<double>(r >> 11) * 0x1.0p-53 * 2.0 - 1.0;
        norm += vec[i] * vec[i];
      }
      const double scale = norm > 0 ? 1.0 / std::sqrt(norm) : 1.0;
      if (!first) out.push_back(',');
      first = false;
      out.push_back('[');
      for (int64_t i = 0; i < dims; ++i) {
        if (i > 0) out.push_back(',');
        AppendFloat(out, static_cast<float>(vec[i] * scale));
      }
      out.push_back(']');
    }
    out.append("]},\"texts\":");
    out.append(json::serialize(*texts));
    out.append(
        ",\"meta\":{\"api_version\":{\"version\":\"2\"},\"billed_units\":{"
        "\"input_tokens\":");
    AppendInt(out, tokens);
    out.append("}},\"response_type\":\"embeddings_by_type\"}");
    co_await SendUnary(conn, faults, 200, kJson, out);
  }
};

}  // namespace

std::unique_ptr<Dialect> MakeCohereDialect() {
  return std::make_unique<CohereDialect>();
}

}  // namespace across::mock
