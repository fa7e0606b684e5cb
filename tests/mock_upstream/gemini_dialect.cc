#include "tests/mock_upstream/gemini_dialect.h"

#include <boost/beast/core/string.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "tests/mock_upstream/json_out.h"
#include "tests/mock_upstream/sse.h"
#include "tests/mock_upstream/text.h"

namespace across::mock {
namespace {

namespace json = boost::json;

constexpr std::string_view kJson = "application/json; charset=UTF-8";
constexpr std::string_view kToolArgs = R"({"city":"Paris"})";
constexpr std::string_view kStreamErrorEvent =
    "data: {\"error\":{\"code\":500,\"message\":\"mock mid-stream error\","
    "\"status\":\"INTERNAL\"}}\n\n";

// ---- small helpers ---------------------------------------------------------

bool ContainsWeather(std::string_view s) {
  constexpr std::string_view kWord = "weather";
  for (size_t i = 0; i + kWord.size() <= s.size(); ++i) {
    if (boost::beast::iequals(s.substr(i, kWord.size()), kWord)) return true;
  }
  return false;
}

std::string_view Sv(const json::string& s) {  // NOLINT: overload
  return std::string_view(s.data(), s.size());
}

const json::value* Find(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  auto it = o->find(key);
  return it == o->end() ? nullptr : &it->value();
}

const json::object* ObjectField(const json::object* o, std::string_view key) {
  const json::value* v = Find(o, key);
  return v != nullptr ? v->if_object() : nullptr;
}

const json::array* ArrayField(const json::object* o, std::string_view key) {
  const json::value* v = Find(o, key);
  return v != nullptr ? v->if_array() : nullptr;
}

std::string_view StringField(const json::object* o, std::string_view key) {
  const json::value* v = Find(o, key);
  return v != nullptr && v->is_string() ? Sv(v->get_string())
                                        : std::string_view();
}

// A positive integer field, or -1.
int64_t PositiveIntField(const json::object* o, std::string_view key) {
  const json::value* v = Find(o, key);
  if (v == nullptr) return -1;
  if (v->is_int64() && v->get_int64() > 0) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return -1;
}

// Calls fn(text) for each text part of a Content object.
template <typename Fn>
void ForEachText(const json::object* content, Fn&& fn) {
  const json::array* parts = ArrayField(content, "parts");
  if (parts == nullptr) return;
  for (const json::value& p : *parts) {
    const json::value* text = Find(p.if_object(), "text");
    if (text != nullptr && text->is_string()) fn(Sv(text->get_string()));
  }
}

std::string_view StatusName(int status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 408:
    case 504:
      return "DEADLINE_EXCEEDED";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    default:
      return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

uint64_t Fnv1a(const void* data, size_t n, uint64_t h = 1469598103934665603u) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
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

// A deterministic unit vector for `text` (the same one the OpenAI dialect
// gives), as {"values":[...]}.
void AppendEmbedding(std::string& out, std::string_view text, int64_t dims) {
  thread_local std::vector<double> vec;
  vec.resize(static_cast<size_t>(dims));
  const uint64_t seed = Fnv1a(text.data(), text.size());
  double norm = 0;
  for (int64_t i = 0; i < dims; ++i) {
    const uint64_t r = SplitMix64(seed + static_cast<uint64_t>(i));
    vec[i] = static_cast<double>(r >> 11) * 0x1.0p-53 * 2.0 - 1.0;
    norm += vec[i] * vec[i];
  }
  const double scale = norm > 0 ? 1.0 / std::sqrt(norm) : 1.0;
  out.append("{\"values\":[");
  for (int64_t i = 0; i < dims; ++i) {
    if (i > 0) out.push_back(',');
    AppendFloat(out, static_cast<float>(vec[i] * scale));
  }
  out.append("]}");
}

// ---- the dialect -----------------------------------------------------------

class GeminiDialect final : public Dialect {
 public:
  std::string_view name() const override { return "gemini"; }

  bool Handles(std::string_view path) const override {
    return EndsWith(path, ":generateContent") ||
           EndsWith(path, ":streamGenerateContent") ||
           EndsWith(path, ":embedContent") ||
           EndsWith(path, ":batchEmbedContents");
  }

  bool HasKey(const Request& request, std::string_view key) const override {
    if (request.Header("x-goog-api-key") == key) return true;
    return QueryParam(request.target, "key") == key;
  }

  void ErrorBody(const ErrorInfo& e, std::string& out) const override {
    out.append("{\"error\":{\"code\":");
    AppendInt(out, e.status);
    out.append(",\"message\":");
    AppendJsonString(out, e.message);
    out.append(",\"status\":\"");
    out.append(StatusName(e.status));
    out.append("\"}}");
  }

  // Google answers a bad key with 400 INVALID_ARGUMENT and the reason
  // API_KEY_INVALID (the mock's status line says 401).
  void AuthErrorBody(std::string& out) const override {
    out.append(
        "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please "
        "pass a valid API key.\",\"status\":\"INVALID_ARGUMENT\","
        "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\","
        "\"reason\":\"API_KEY_INVALID\",\"domain\":\"googleapis.com\"}]}}");
  }

  asio::awaitable<void> Serve(const Request& request, Conn& conn,
                              const Faults& faults) const override {
    if (request.method != http::verb::post) {
      co_await SendError(conn, 404, "Method not found.");
      co_return;
    }
    const std::string_view path = request.path;
    if (EndsWith(path, ":generateContent")) {
      co_await Generate(request, conn, faults, false);
    } else if (EndsWith(path, ":streamGenerateContent")) {
      co_await Generate(request, conn, faults, true);
    } else {
      co_await Embed(request, conn, faults,
                     EndsWith(path, ":batchEmbedContents"));
    }
  }

 private:
  // The value of `name` in the target's query, or "".
  static std::string_view QueryParam(std::string_view target,
                                     std::string_view name) {
    const size_t q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      const size_t eq = pair.find('=');
      if (pair.substr(0, eq) == name && eq != std::string_view::npos) {
        return pair.substr(eq + 1);
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
    return {};
  }

  // "gemini-2.0-flash" for ".../models/gemini-2.0-flash:generateContent".
  static std::string_view ModelOf(std::string_view path) {
    const size_t colon = path.rfind(':');
    std::string_view head = path.substr(0, colon);
    const size_t slash = head.rfind('/');
    return slash == std::string_view::npos ? head : head.substr(slash + 1);
  }

  asio::awaitable<void> SendError(Conn& conn, int status,
                                  std::string_view message) const {
    std::string& out = conn.scratch().content;
    out.clear();
    ErrorBody({status, "", message}, out);
    co_await conn.Send(status, kJson, out);
  }

  // ---- :generateContent, :streamGenerateContent ----

  asio::awaitable<void> Generate(const Request& request, Conn& conn,
                                 const Faults& faults, bool stream) const {
    const json::object* body = request.JsonObject();
    if (body == nullptr) {
      co_await SendError(conn, 400,
                         "Invalid JSON payload received. Expected an object.");
      co_return;
    }
    const json::array* contents = ArrayField(body, "contents");
    if (contents == nullptr || contents->empty()) {
      co_await SendError(
          conn, 400,
          "* GenerateContentRequest.contents: contents is not specified\n");
      co_return;
    }
    Scratch& s = conn.scratch();
    const std::string_view model = ModelOf(request.path);

    // Prompt size and the last user turn's text.
    int64_t prompt_tokens = 0;
    auto count = [&](std::string_view t) { prompt_tokens += CountWords(t); };
    ForEachText(ObjectField(body, "systemInstruction"), count);
    const json::object* last_user = nullptr;
    for (const json::value& c : *contents) {
      const json::object* content = c.if_object();
      ForEachText(content, count);
      std::string_view role = StringField(content, "role");
      bool has_text = false;
      ForEachText(content, [&](std::string_view) { has_text = true; });
      if ((role.empty() || role == "user") && has_text) last_user = content;
    }
    s.text.clear();
    ForEachText(last_user, [&](std::string_view t) {
      if (!s.text.empty()) s.text.push_back(' ');
      s.text.append(t);
    });

    // Function call?
    std::string_view tool_name;
    const json::object* calling =
        ObjectField(ObjectField(body, "toolConfig"), "functionCallingConfig");
    if (StringField(calling, "mode") != "NONE" && ContainsWeather(s.text)) {
      if (const json::array* tools = ArrayField(body, "tools")) {
        for (const json::value& t : *tools) {
          const json::array* decls =
              ArrayField(t.if_object(), "functionDeclarations");
          if (decls != nullptr && !decls->empty()) {
            tool_name = StringField(decls->front().if_object(), "name");
            break;
          }
        }
      }
    }

    // The answer.
    std::string& content = s.content;
    content.clear();
    std::string_view finish = "STOP";
    int64_t completion_tokens = 0;
    if (!tool_name.empty()) {
      completion_tokens = CountWords(kToolArgs);
    } else {
      if (faults.words >= 0) {
        for (int64_t i = 0; i < faults.words; ++i) {
          if (i > 0) content.push_back(' ');
          content.push_back('w');
          AppendInt(content, i);
        }
      } else {
        content.append("mock: ");
        content.append(s.text);
      }
      completion_tokens = CountWords(content);
      const int64_t max_tokens = PositiveIntField(
          ObjectField(body, "generationConfig"), "maxOutputTokens");
      if (max_tokens > 0 && completion_tokens > max_tokens) {
        content.resize(EndOfWord(content, max_tokens));
        completion_tokens = max_tokens;
        finish = "MAX_TOKENS";
      }
    }

    Reply r{request.seq, model,         tool_name,        content,
            finish,      prompt_tokens, completion_tokens};
    const bool sse = QueryParam(request.target, "alt") == "sse";
    if (!stream) {
      std::string& out = s.body;
      out.clear();
      AppendPayload(out, r, content, true);
      co_await SendUnary(conn, faults, 200, kJson, out);
      co_return;
    }
    BuildEvents(r, s.events);
    if (!sse) {
      // Without alt=sse Google streams one JSON array of the same payloads.
      std::string& out = s.body;
      out.assign("[");
      for (size_t i = 0; i < s.events.size(); ++i) {
        std::string_view e = s.events[i];
        if (i > 0) out.append(",\r\n");
        out.append(e.substr(6, e.size() - 8));  // strip "data: " and "\n\n"
      }
      out.append("]");
      co_await SendUnary(conn, faults, 200, kJson, out);
      co_return;
    }
    StreamPlan plan;
    plan.first_content = 0;
    plan.error_event = kStreamErrorEvent;
    plan.garbage_trailer = {};
    co_await PlayStream(conn, faults, s.events, plan);
  }

  struct Reply {
    uint64_t seq;
    std::string_view model;
    std::string_view tool_name;
    std::string_view content;
    std::string_view finish;
    int64_t prompt_tokens;
    int64_t completion_tokens;
  };

  // One GenerateContentResponse holding `text` (or the function call);
  // `last` adds the finish reason and the final token counts.
  static void AppendPayload(std::string& out, const Reply& r,
                            std::string_view text, bool last) {
    out.append("{\"candidates\":[{\"content\":{\"parts\":[");
    if (!r.tool_name.empty()) {
      out.append("{\"functionCall\":{\"name\":");
      AppendJsonString(out, r.tool_name);
      out.append(",\"args\":");
      out.append(kToolArgs);
      out.append("}}");
    } else {
      out.append("{\"text\":");
      AppendJsonString(out, text);
      out.append("}");
    }
    out.append("],\"role\":\"model\"}");
    if (last) {
      out.append(",\"finishReason\":\"");
      out.append(r.finish);
      out.push_back('"');
    }
    out.append(",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":");
    AppendInt(out, r.prompt_tokens);
    if (last) {
      out.append(",\"candidatesTokenCount\":");
      AppendInt(out, r.completion_tokens);
    }
    out.append(",\"totalTokenCount\":");
    AppendInt(out, r.prompt_tokens + (last ? r.completion_tokens : 0));
    out.append("},\"modelVersion\":");
    AppendJsonString(out, r.model);
    out.append(",\"responseId\":\"mock-");
    AppendInt(out, static_cast<int64_t>(r.seq));
    out.append("\"}");
  }

  // One event per word (each word with the whitespace before it, so the
  // pieces concatenate to the unary text); the last one carries the finish
  // reason and usage. A function call is a single event.
  static void BuildEvents(const Reply& r, EventList& events) {
    events.Clear();
    if (!r.tool_name.empty() || r.content.empty()) {
      AppendPayload(events.Begin(), r, r.content, true);
      events.End();
      return;
    }
    size_t i = 0;
    while (i < r.content.size()) {
      size_t j = i;
      while (j < r.content.size() && IsSpace(r.content[j])) ++j;
      while (j < r.content.size() && !IsSpace(r.content[j])) ++j;
      AppendPayload(events.Begin(), r, r.content.substr(i, j - i),
                    j >= r.content.size());
      events.End();
      i = j;
    }
  }

  // ---- :embedContent, :batchEmbedContents ----

  asio::awaitable<void> Embed(const Request& request, Conn& conn,
                              const Faults& faults, bool batch) const {
    const json::object* body = request.JsonObject();
    if (body == nullptr) {
      co_await SendError(conn, 400,
                         "Invalid JSON payload received. Expected an object.");
      co_return;
    }
    std::vector<const json::object*> items;
    if (batch) {
      if (const json::array* requests = ArrayField(body, "requests")) {
        for (const json::value& r : *requests) items.push_back(r.if_object());
      }
    } else {
      items.push_back(body);
    }
    if (items.empty()) {
      co_await SendError(conn, 400,
                         "* BatchEmbedContentsRequest.requests: requests is "
                         "not specified\n");
      co_return;
    }
    std::string& out = conn.scratch().body;
    out.assign(batch ? "{\"embeddings\":[" : "{\"embedding\":");
    bool first = true;
    for (const json::object* item : items) {
      const json::object* content = ObjectField(item, "content");
      if (content == nullptr) {
        co_await SendError(conn, 400,
                           "* EmbedContentRequest.content: content is not "
                           "specified\n");
        co_return;
      }
      std::string& text = conn.scratch().text;
      text.clear();
      ForEachText(content, [&](std::string_view t) {
        if (!text.empty()) text.push_back(' ');
        text.append(t);
      });
      int64_t dims = PositiveIntField(item, "outputDimensionality");
      if (dims <= 0) dims = 8;
      if (dims > 65536) {
        co_await SendError(conn, 400, "outputDimensionality is too large");
        co_return;
      }
      if (!first) out.push_back(',');
      first = false;
      AppendEmbedding(out, text, dims);
    }
    out.append(batch ? "]}" : "}");
    co_await SendUnary(conn, faults, 200, kJson, out);
  }
};

}  // namespace

std::unique_ptr<Dialect> MakeGeminiDialect() {
  return std::make_unique<GeminiDialect>();
}

}  // namespace across::mock
