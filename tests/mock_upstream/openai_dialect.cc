#include "tests/mock_upstream/openai_dialect.h"

#include <boost/beast/core/string.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cmath>
#include <cstring>
#include <ctime>
#include <vector>

#include "tests/mock_upstream/json_out.h"
#include "tests/mock_upstream/sse.h"
#include "tests/mock_upstream/text.h"

namespace across::mock {
namespace {

namespace json = boost::json;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kToolArguments = R"({"city":"Paris"})";
// The tool-call arguments as streamed, in two pieces.
constexpr std::string_view kToolArgumentPieces[] = {R"({"city":)",
                                                    R"("Paris"})"};
constexpr std::string_view kStreamErrorEvent =
    "data: {\"error\":{\"message\":\"mock mid-stream error\","
    "\"type\":\"server_error\"}}\n\n";
constexpr std::string_view kDone = "data: [DONE]\n\n";

struct ModelInfo {
  std::string_view id;
  int64_t created;
  std::string_view owned_by;
};
constexpr ModelInfo kModels[] = {
    {"gpt-4o-mini", 1721172741, "system"},
    {"gpt-4o", 1715367049, "system"},
    {"text-embedding-3-small", 1705948997, "system"},
};

// ---- small helpers ---------------------------------------------------------

bool ContainsWordWeather(std::string_view s) {
  constexpr std::string_view kWord = "weather";
  for (size_t i = 0; i + kWord.size() <= s.size(); ++i) {
    if (boost::beast::iequals(s.substr(i, kWord.size()), kWord)) return true;
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

// A positive integer field, or -1.
int64_t PositiveIntField(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  if (v == nullptr) return -1;
  if (v->is_int64() && v->get_int64() > 0) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return -1;
}

bool TrueField(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

// Calls fn(text) for each text of a message "content": the string itself, or
// each {"type":"text","text":...} part.
template <typename Fn>
void ForEachText(const json::value& content, Fn&& fn) {
  if (content.is_string()) {
    fn(Sv(content.get_string()));
  } else if (content.is_array()) {
    for (const json::value& part : content.get_array()) {
      const json::object* p = part.if_object();
      if (p == nullptr) continue;
      const json::value* text = Find(*p, "text");
      if (text != nullptr && text->is_string() &&
          StringField(*p, "type") != "image_url") {
        fn(Sv(text->get_string()));
      }
    }
  }
}

void AppendUsage(std::string& out, int64_t prompt, int64_t completion) {
  out.append("{\"prompt_tokens\":");
  AppendInt(out, prompt);
  out.append(",\"completion_tokens\":");
  AppendInt(out, completion);
  out.append(",\"total_tokens\":");
  AppendInt(out, prompt + completion);
  out.append(
      ",\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
      "\"completion_tokens_details\":{\"reasoning_tokens\":0,"
      "\"audio_tokens\":0,\"accepted_prediction_tokens\":0,"
      "\"rejected_prediction_tokens\":0}}");
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

void AppendBase64(std::string& out, const unsigned char* p, size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    const char quad[] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63],
                         kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
    out.append(quad, 4);
  }
  if (i + 1 == n) {
    const uint32_t v = p[i] << 16;
    const char quad[] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=',
                         '='};
    out.append(quad, 4);
  } else if (i + 2 == n) {
    const uint32_t v = (p[i] << 16) | (p[i + 1] << 8);
    const char quad[] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63],
                         kAlphabet[(v >> 6) & 63], '='};
    out.append(quad, 4);
  }
}

// ---- the dialect -----------------------------------------------------------

class OpenAiDialect final : public Dialect {
 public:
  std::string_view name() const override { return "openai"; }

  bool Handles(std::string_view path) const override {
    return EndsWith(path, "/chat/completions") ||
           EndsWith(path, "/embeddings") || EndsWith(path, "/models") ||
           !ModelId(path).empty();
  }

  bool HasKey(const Request& request, std::string_view key) const override {
    std::string_view auth = request.Header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    return auth.size() == kBearer.size() + key.size() &&
           boost::beast::iequals(auth.substr(0, kBearer.size()), kBearer) &&
           auth.substr(kBearer.size()) == key;
  }

  void ErrorBody(const ErrorInfo& e, std::string& out) const override {
    out.append("{\"error\":{\"message\":");
    AppendJsonString(out, e.message);
    out.append(",\"type\":");
    AppendJsonString(out, e.type);
    out.append(",\"param\":");
    if (e.param.empty()) {
      out.append("null");
    } else {
      AppendJsonString(out, e.param);
    }
    out.append(",\"code\":");
    if (e.code.empty()) {
      out.append("null");
    } else {
      AppendJsonString(out, e.code);
    }
    out.append("}}");
  }

  void AuthErrorBody(std::string& out) const override {
    out.append(
        "{\"error\":{\"message\":\"Incorrect API key provided\","
        "\"type\":\"invalid_request_error\",\"param\":null,"
        "\"code\":\"invalid_api_key\"}}");
  }

  asio::awaitable<void> Serve(const Request& request, Conn& conn,
                              const Faults& faults) const override {
    const std::string_view path = request.path;
    const bool post = request.method == http::verb::post;
    const bool get = request.method == http::verb::get;
    if (post && EndsWith(path, "/chat/completions")) {
      co_await Chat(request, conn, faults);
    } else if (post && EndsWith(path, "/embeddings")) {
      co_await Embeddings(request, conn, faults);
    } else if (get && EndsWith(path, "/models")) {
      co_await ListModels(conn, faults);
    } else if (get && !ModelId(path).empty()) {
      co_await RetrieveModel(ModelId(path), conn, faults);
    } else {
      std::string& body = conn.scratch().body;
      body.clear();
      body.append("Invalid URL (");
      body.append(request.method_name);
      body.push_back(' ');
      body.append(path);
      body.push_back(')');
      co_await SendError(conn, {404, "invalid_request_error", body});
    }
  }

 private:
  // "gpt-4o" for ".../models/gpt-4o"; "" otherwise. Paths with ':' (Gemini's
  // "models/x:generateContent") are not OpenAI's.
  static std::string_view ModelId(std::string_view path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string_view::npos || slash < 7) return {};
    if (path.substr(0, slash).ends_with("/models") ||
        path.substr(0, slash) == "models") {
      std::string_view id = path.substr(slash + 1);
      if (id.find(':') == std::string_view::npos) return id;
    }
    return {};
  }

  // Sends an error; `e.message` may live in scratch().body.
  asio::awaitable<void> SendError(Conn& conn, const ErrorInfo& e) const {
    std::string& out = conn.scratch().content;
    out.clear();
    ErrorBody(e, out);
    co_await conn.Send(e.status, kJson, out);
  }

  asio::awaitable<void> InvalidRequest(Conn& conn, std::string_view message,
                                       std::string_view param = {},
                                       std::string_view code = {}) const {
    co_await SendError(conn,
                       {400, "invalid_request_error", message, code, param});
  }

  // ---- POST .../chat/completions ----

  asio::awaitable<void> Chat(const Request& request, Conn& conn,
                             const Faults& faults) const {
    const json::object* body = request.JsonObject();
    if (body == nullptr) {
      co_await InvalidRequest(
          conn, "We could not parse the JSON body of your request.");
      co_return;
    }
    const json::value* model_v = Find(*body, "model");
    if (model_v == nullptr || !model_v->is_string()) {
      co_await InvalidRequest(conn, "you must provide a model parameter");
      co_return;
    }
    const std::string_view model = Sv(model_v->get_string());
    const json::value* messages_v = Find(*body, "messages");
    if (messages_v == nullptr || !messages_v->is_array()) {
      co_await InvalidRequest(conn, "Missing required parameter: 'messages'.",
                              "messages", "missing_required_parameter");
      co_return;
    }
    const json::array& messages = messages_v->get_array();

    // Prompt size and the last user message's text.
    Scratch& s = conn.scratch();
    int64_t prompt_tokens = 0;
    const json::value* last_user = nullptr;
    for (const json::value& m : messages) {
      const json::object* msg = m.if_object();
      if (msg == nullptr) continue;
      const json::value* content = Find(*msg, "content");
      if (content == nullptr) continue;
      ForEachText(*content,
                  [&](std::string_view t) { prompt_tokens += CountWords(t); });
      if (StringField(*msg, "role") == "user") last_user = content;
    }
    std::string_view user_text;
    if (last_user != nullptr && last_user->is_string()) {
      user_text = Sv(last_user->get_string());
    } else if (last_user != nullptr) {
      s.text.clear();
      ForEachText(*last_user, [&](std::string_view t) {
        if (!s.text.empty()) s.text.push_back(' ');
        s.text.append(t);
      });
      user_text = s.text;
    }

    // Tool call?
    std::string_view tool_name;
    const json::value* tools = Find(*body, "tools");
    if (tools != nullptr && tools->is_array() && !tools->get_array().empty() &&
        StringField(*body, "tool_choice") != "none" &&
        ContainsWordWeather(user_text)) {
      if (const json::object* tool = tools->get_array()[0].if_object()) {
        const json::value* fn = Find(*tool, "function");
        tool_name = fn != nullptr && fn->is_object()
                        ? StringField(fn->get_object(), "name")
                        : StringField(*tool, "name");
      }
    }
    const bool tool_call = !tool_name.empty();

    // The answer.
    std::string& content = s.content;
    content.clear();
    std::string_view finish_reason = "stop";
    int64_t completion_tokens = 0;
    if (tool_call) {
      finish_reason = "tool_calls";
      completion_tokens = CountWords(kToolArguments);
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
      completion_tokens = CountWords(content);
      int64_t max_tokens = PositiveIntField(*body, "max_completion_tokens");
      if (max_tokens < 0) max_tokens = PositiveIntField(*body, "max_tokens");
      if (max_tokens > 0 && completion_tokens > max_tokens) {
        content.resize(EndOfWord(content, max_tokens));
        completion_tokens = max_tokens;
        finish_reason = "length";
      }
    }

    const int64_t created = static_cast<int64_t>(std::time(nullptr));
    const json::value* stream_v = Find(*body, "stream");
    if (stream_v != nullptr && stream_v->is_bool() && stream_v->get_bool()) {
      bool include_usage = false;
      if (const json::value* so = Find(*body, "stream_options")) {
        include_usage =
            so->is_object() && TrueField(so->get_object(), "include_usage");
      }
      BuildChunks(request.seq, created, model, tool_name, content,
                  finish_reason, include_usage, prompt_tokens,
                  completion_tokens, s);
      StreamPlan plan;
      plan.first_content = 1;
      plan.error_event = kStreamErrorEvent;
      plan.garbage_trailer = kDone;
      static constexpr Header kStreamHeaders[] = {
          {"cache-control", "no-cache"}};
      co_await PlayStream(conn, faults, s.events, plan, kStreamHeaders);
      co_return;
    }

    std::string& out = s.body;
    out.clear();
    out.append("{\"id\":\"chatcmpl-mock-");
    AppendInt(out, static_cast<int64_t>(request.seq));
    out.append("\",\"object\":\"chat.completion\",\"created\":");
    AppendInt(out, created);
    out.append(",\"model\":");
    AppendJsonString(out, model);
    out.append(
        ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        "\"content\":");
    if (tool_call) {
      out.append("null,\"tool_calls\":[{\"id\":\"call_mock_");
      AppendInt(out, static_cast<int64_t>(request.seq));
      out.append("\",\"type\":\"function\",\"function\":{\"name\":");
      AppendJsonString(out, tool_name);
      out.append(",\"arguments\":");
      AppendJsonString(out, kToolArguments);
      out.append("}}]");
    } else {
      AppendJsonString(out, content);
    }
    out.append(
        ",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,"
        "\"finish_reason\":\"");
    out.append(finish_reason);
    out.append("\"}],\"usage\":");
    AppendUsage(out, prompt_tokens, completion_tokens);
    out.append(
        ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_mock\"}");
    co_await SendUnary(conn, faults, 200, kJson, out);
  }

  // Renders the chat.completion.chunk events into s.events: role chunk, one
  // chunk per word (or two tool-argument chunks), finish chunk, optional
  // usage chunk, [DONE].
  static void BuildChunks(uint64_t seq, int64_t created, std::string_view model,
                          std::string_view tool_name, std::string_view content,
                          std::string_view finish_reason, bool include_usage,
                          int64_t prompt_tokens, int64_t completion_tokens,
                          Scratch& s) {
    std::string& prefix = s.prefix;
    prefix.clear();
    prefix.append("{\"id\":\"chatcmpl-mock-");
    AppendInt(prefix, static_cast<int64_t>(seq));
    prefix.append("\",\"object\":\"chat.completion.chunk\",\"created\":");
    AppendInt(prefix, created);
    prefix.append(",\"model\":");
    AppendJsonString(prefix, model);
    prefix.append(
        ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_mock\","
        "\"choices\":[");
    const std::string_view suffix =
        include_usage ? "],\"usage\":null}" : std::string_view("]}");
    constexpr std::string_view kChoiceEnd =
        "},\"logprobs\":null,\"finish_reason\":null}";

    EventList& events = s.events;
    events.Clear();
    // Role chunk.
    {
      std::string& e = events.Begin();
      e.append(prefix);
      e.append("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":");
      if (tool_name.empty()) {
        e.append("\"\"");
      } else {
        e.append("null,\"tool_calls\":[{\"index\":0,\"id\":\"call_mock_");
        AppendInt(e, static_cast<int64_t>(seq));
        e.append("\",\"type\":\"function\",\"function\":{\"name\":");
        AppendJsonString(e, tool_name);
        e.append(",\"arguments\":\"\"}}]");
      }
      e.append(",\"refusal\":null");
      e.append(kChoiceEnd);
      e.append(suffix);
      events.End();
    }
    // Content chunks.
    if (!tool_name.empty()) {
      for (std::string_view piece : kToolArgumentPieces) {
        std::string& e = events.Begin();
        e.append(prefix);
        e.append(
            "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
            "\"function\":{\"arguments\":");
        AppendJsonString(e, piece);
        e.append("}}]");
        e.append(kChoiceEnd);
        e.append(suffix);
        events.End();
      }
    } else {
      // Each piece is a word with the whitespace before it, so the pieces
      // concatenate to exactly the unary content.
      size_t i = 0;
      while (i < content.size()) {
        size_t j = i;
        while (j < content.size() && IsSpace(content[j])) ++j;
        while (j < content.size() && !IsSpace(content[j])) ++j;
        std::string& e = events.Begin();
        e.append(prefix);
        e.append("{\"index\":0,\"delta\":{\"content\":");
        AppendJsonString(e, content.substr(i, j - i));
        e.append(kChoiceEnd);
        e.append(suffix);
        events.End();
        i = j;
      }
    }
    // Finish chunk.
    {
      std::string& e = events.Begin();
      e.append(prefix);
      e.append(
          "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"");
      e.append(finish_reason);
      e.append("\"}");
      e.append(suffix);
      events.End();
    }
    if (include_usage) {
      std::string& e = events.Begin();
      e.append(prefix);
      e.append("],\"usage\":");
      AppendUsage(e, prompt_tokens, completion_tokens);
      e.push_back('}');
      events.End();
    }
    events.Begin().append("[DONE]");
    events.End();
  }

  // ---- POST .../embeddings ----

  asio::awaitable<void> Embeddings(const Request& request, Conn& conn,
                                   const Faults& faults) const {
    const json::object* body = request.JsonObject();
    if (body == nullptr) {
      co_await InvalidRequest(
          conn, "We could not parse the JSON body of your request.");
      co_return;
    }
    const json::value* model_v = Find(*body, "model");
    if (model_v == nullptr || !model_v->is_string()) {
      co_await InvalidRequest(conn, "you must provide a model parameter");
      co_return;
    }
    const json::value* input = Find(*body, "input");
    const bool valid_input =
        input != nullptr &&
        (input->is_string() ||
         (input->is_array() && !input->get_array().empty()));
    if (!valid_input) {
      co_await InvalidRequest(conn, "Missing required parameter: 'input'.",
                              "input", "missing_required_parameter");
      co_return;
    }
    int64_t dims = PositiveIntField(*body, "dimensions");
    if (dims <= 0) dims = 8;
    if (dims > 65536) {
      co_await InvalidRequest(conn, "dimensions is too large", "dimensions");
      co_return;
    }
    const bool base64 = StringField(*body, "encoding_format") == "base64";

    std::string& out = conn.scratch().body;
    out.clear();
    out.append("{\"object\":\"list\",\"data\":[");
    int64_t tokens = 0;
    int64_t index = 0;
    thread_local std::vector<float> vec;
    vec.resize(static_cast<size_t>(dims));

    auto emit = [&](uint64_t seed) {
      double norm = 0;
      for (int64_t i = 0; i < dims; ++i) {
        const uint64_t r = SplitMix64(seed + static_cast<uint64_t>(i));
        const double v = static_cast<double>(r >> 11) * 0x1.0p-53 * 2.0 - 1.0;
        vec[i] = static_cast<float>(v);
        norm += v * v;
      }
      const float scale =
          norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 1.0f;
      for (float& v : vec) v *= scale;
      if (index > 0) out.push_back(',');
      out.append("{\"object\":\"embedding\",\"index\":");
      AppendInt(out, index++);
      out.append(",\"embedding\":");
      if (base64) {
        out.push_back('"');
        AppendBase64(out, reinterpret_cast<const unsigned char*>(vec.data()),
                     vec.size() * sizeof(float));
        out.push_back('"');
      } else {
        out.push_back('[');
        for (size_t i = 0; i < vec.size(); ++i) {
          if (i > 0) out.push_back(',');
          AppendFloat(out, vec[i]);
        }
        out.push_back(']');
      }
      out.push_back('}');
    };
    auto emit_text = [&](std::string_view text) {
      tokens += CountWords(text);
      emit(Fnv1a(text.data(), text.size()));
    };
    auto emit_tokens = [&](const json::array& ids) {
      uint64_t h = Fnv1a(nullptr, 0);
      for (const json::value& id : ids) {
        const int64_t t = id.is_int64() ? id.get_int64() : 0;
        h = Fnv1a(&t, sizeof(t), h);
      }
      tokens += static_cast<int64_t>(ids.size());
      emit(h);
    };

    if (input->is_string()) {
      emit_text(Sv(input->get_string()));
    } else {
      const json::array& items = input->get_array();
      if (items[0].is_int64() || items[0].is_uint64()) {
        emit_tokens(items);  // one pre-tokenized input
      } else {
        for (const json::value& item : items) {
          if (item.is_string()) {
            emit_text(Sv(item.get_string()));
          } else if (item.is_array()) {
            emit_tokens(item.get_array());
          } else {
            co_await InvalidRequest(conn, "Invalid type for 'input'.", "input",
                                    "invalid_type");
            co_return;
          }
        }
      }
    }
    out.append("],\"model\":");
    AppendJsonString(out, Sv(model_v->get_string()));
    out.append(",\"usage\":{\"prompt_tokens\":");
    AppendInt(out, tokens);
    out.append(",\"total_tokens\":");
    AppendInt(out, tokens);
    out.append("}}");
    co_await SendUnary(conn, faults, 200, kJson, out);
  }

  // ---- GET .../models, GET .../models/{id} ----

  static void AppendModel(std::string& out, std::string_view id,
                          int64_t created, std::string_view owned_by) {
    out.append("{\"id\":");
    AppendJsonString(out, id);
    out.append(",\"object\":\"model\",\"created\":");
    AppendInt(out, created);
    out.append(",\"owned_by\":");
    AppendJsonString(out, owned_by);
    out.push_back('}');
  }

  asio::awaitable<void> ListModels(Conn& conn, const Faults& faults) const {
    std::string& out = conn.scratch().body;
    out.clear();
    out.append("{\"object\":\"list\",\"data\":[");
    bool first = true;
    for (const ModelInfo& m : kModels) {
      if (!first) out.push_back(',');
      first = false;
      AppendModel(out, m.id, m.created, m.owned_by);
    }
    out.append("]}");
    co_await SendUnary(conn, faults, 200, kJson, out);
  }

  asio::awaitable<void> RetrieveModel(std::string_view id, Conn& conn,
                                      const Faults& faults) const {
    // Chat accepts any model name, so any model "exists".
    std::string& out = conn.scratch().body;
    out.clear();
    int64_t created = 1686935002;
    std::string_view owned_by = "mock";
    for (const ModelInfo& m : kModels) {
      if (m.id == id) {
        created = m.created;
        owned_by = m.owned_by;
      }
    }
    AppendModel(out, id, created, owned_by);
    co_await SendUnary(conn, faults, 200, kJson, out);
  }
};

}  // namespace

std::unique_ptr<Dialect> MakeOpenAiDialect() {
  return std::make_unique<OpenAiDialect>();
}

}  // namespace across::mock
