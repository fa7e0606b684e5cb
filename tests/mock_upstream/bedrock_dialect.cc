#include "tests/mock_upstream/bedrock_dialect.h"

#include <zlib.h>

#include <boost/beast/core/string.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "tests/mock_upstream/json_out.h"
#include "tests/mock_upstream/text.h"

namespace across::mock {
namespace {

namespace json = boost::json;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kEventStream = "application/vnd.amazon.eventstream";
constexpr std::string_view kToolInput = R"({"city":"Paris"})";
constexpr std::string_view kToolInputPieces[] = {R"({"city":)", R"("Paris"})"};
constexpr std::chrono::milliseconds kPauseBeforeReset{20};

// ---- small helpers ----------------------------------------------------------

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

const json::value* Find(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

const json::object* ObjectField(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  return v != nullptr ? v->if_object() : nullptr;
}

const json::array* ArrayField(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  return v != nullptr ? v->if_array() : nullptr;
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
  if (v->is_double() && v->get_double() >= 1) {
    return static_cast<int64_t>(v->get_double());
  }
  return -1;
}

std::string PercentDecode(std::string_view s) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 &&
        hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The exception name Bedrock reports for a status.
std::string_view ExceptionFor(int status) {
  switch (status) {
    case 400:
      return "ValidationException";
    case 401:
    case 403:
      return "AccessDeniedException";
    case 404:
      return "ResourceNotFoundException";
    case 408:
      return "ModelTimeoutException";
    case 424:
      return "ModelErrorException";
    case 429:
      return "ThrottlingException";
    case 503:
      return "ServiceUnavailableException";
    default:
      return status >= 500 ? "InternalServerException" : "ValidationException";
  }
}

// ---- event stream framing ---------------------------------------------------

void AppendU32(std::string& out, uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>((v >> 16) & 0xff);
  out += static_cast<char>((v >> 8) & 0xff);
  out += static_cast<char>(v & 0xff);
}

uint32_t Crc(std::string_view s) {
  return static_cast<uint32_t>(crc32(0,
                                     reinterpret_cast<const Bytef*>(s.data()),
                                     static_cast<uInt>(s.size())));
}

// One application/vnd.amazon.eventstream message with string headers.
std::string Frame(
    std::initializer_list<std::pair<std::string_view, std::string_view>>
        headers,
    std::string_view payload) {
  std::string block;
  for (const auto& [name, value] : headers) {
    block += static_cast<char>(name.size());
    block += name;
    block += '\x07';  // string
    block += static_cast<char>(value.size() >> 8);
    block += static_cast<char>(value.size() & 0xff);
    block += value;
  }
  std::string out;
  AppendU32(out, static_cast<uint32_t>(16 + block.size() + payload.size()));
  AppendU32(out, static_cast<uint32_t>(block.size()));
  AppendU32(out, Crc(out));
  out += block;
  out += payload;
  AppendU32(out, Crc(out));
  return out;
}

std::string EventFrame(std::string_view type, std::string_view payload) {
  return Frame({{":event-type", type},
                {":content-type", "application/json"},
                {":message-type", "event"}},
               payload);
}

// Real events carry a random-length "p" padding field; the mock sends one
// too so clients prove they ignore it.
std::string Padding(size_t n) {
  constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return std::string(kAlphabet.substr(0, 1 + n % kAlphabet.size()));
}

// ---- the dialect ------------------------------------------------------------

struct Answer {
  std::string text;            // when no tool call
  std::string_view tool_name;  // non-empty: one tool call
  std::string_view stop_reason = "end_turn";
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

class BedrockDialect final : public Dialect {
 public:
  std::string_view name() const override { return "bedrock"; }

  bool Handles(std::string_view path) const override {
    return path.find("/model/") != std::string_view::npos &&
           (EndsWith(path, "/converse") || EndsWith(path, "/converse-stream") ||
            EndsWith(path, "/invoke"));
  }

  bool HasKey(const Request& request, std::string_view key) const override {
    const std::string_view auth = request.Header("authorization");
    constexpr std::string_view kPrefix = "AWS4-HMAC-SHA256 Credential=";
    return auth.size() > kPrefix.size() + key.size() &&
           auth.substr(0, kPrefix.size()) == kPrefix &&
           auth.substr(kPrefix.size(), key.size()) == key &&
           auth[kPrefix.size() + key.size()] == '/' &&
           !request.Header("x-amz-date").empty();
  }

  void ErrorBody(const ErrorInfo& e, std::string& out) const override {
    out.append("{\"message\":");
    AppendJsonString(out, e.message);
    out.push_back('}');
  }

  void AuthErrorBody(std::string& out) const override {
    out.append(
        "{\"message\":\"The security token included in the request is "
        "invalid.\"}");
  }

  asio::awaitable<void> Serve(const Request& request, Conn& conn,
                              const Faults& server_faults) const override {
    Faults faults = server_faults;
    const json::object* body = request.JsonObject();
    // A "mock" object inside additionalModelRequestFields (where the gateway
    // puts unknown parameters) counts like a top-level one.
    const json::object* extra =
        body != nullptr ? ObjectField(*body, "additionalModelRequestFields")
                        : nullptr;
    if (extra != nullptr && ObjectField(*extra, "mock") != nullptr) {
      const json::value extra_value(*extra);
      Request nested = request;
      nested.json = &extra_value;
      faults = ParseFaults(nested);
      ApplyFailFirst(faults);
      if (!co_await ApplyEarlyFaults(conn, faults)) co_return;
    }

    const std::string_view path = request.path;
    if (request.method != http::verb::post) {
      co_await SendError(conn, 404, "Unsupported method", faults);
    } else if (body == nullptr) {
      co_await SendError(conn, 400, "Malformed input request: not JSON",
                         faults);
    } else if (EndsWith(path, "/converse")) {
      co_await Converse(request, *body, conn, faults, false);
    } else if (EndsWith(path, "/converse-stream")) {
      co_await Converse(request, *body, conn, faults, true);
    } else {
      co_await Invoke(request, *body, conn, faults);
    }
  }

 private:
  // Latency, reset before headers and an error status, as the server applies
  // them for top-level faults. False when the request has been answered.
  asio::awaitable<bool> ApplyEarlyFaults(Conn& conn,
                                         const Faults& faults) const {
    if (faults.latency_ms > 0) {
      if (!co_await conn.Sleep(std::chrono::milliseconds(faults.latency_ms))) {
        co_return false;
      }
    }
    if (faults.reset == ResetMode::kBeforeHeaders) {
      conn.Reset();
      co_return false;
    }
    if (faults.status >= 400) {
      std::string message = "mock error " + std::to_string(faults.status);
      co_await SendError(conn, faults.status, message, faults);
      co_return false;
    }
    co_return true;
  }

  asio::awaitable<void> SendError(Conn& conn, int status,
                                  std::string_view message,
                                  const Faults& faults) const {
    std::string& out = conn.scratch().content;
    out.clear();
    ErrorBody({status, "", message}, out);
    Header extra[3];
    size_t n = 0;
    extra[n++] = {"x-amzn-errortype", ExceptionFor(status)};
    if (!faults.retry_after.empty()) {
      extra[n++] = {"retry-after", faults.retry_after};
    }
    if (!faults.retry_after_ms.empty()) {
      extra[n++] = {"retry-after-ms", faults.retry_after_ms};
    }
    co_await conn.Send(status, kJson, out, std::span<const Header>(extra, n));
  }

  // Reads the conversation and decides what the mock model says.
  static Answer Decide(const json::object& body, const Faults& faults,
                       std::string& scratch) {
    Answer a;
    const json::array* messages = ArrayField(body, "messages");
    if (const json::array* system = ArrayField(body, "system")) {
      for (const auto& b : *system) {
        if (const json::object* block = b.if_object()) {
          a.prompt_tokens += CountWords(StringField(*block, "text"));
        }
      }
    }
    std::string_view last_user;
    bool answering_tool = false;
    scratch.clear();
    if (messages != nullptr) {
      for (const auto& m : *messages) {
        const json::object* msg = m.if_object();
        if (msg == nullptr) continue;
        const json::array* content = ArrayField(*msg, "content");
        if (content == nullptr) continue;
        const bool user = StringField(*msg, "role") == "user";
        std::string text;
        bool has_tool_result = false;
        for (const auto& b : *content) {
          const json::object* block = b.if_object();
          if (block == nullptr) continue;
          if (const json::value* t = Find(*block, "text");
              t != nullptr && t->is_string()) {
            if (!text.empty()) text += ' ';
            text += Sv(t->get_string());
          } else if (const json::object* r =
                         ObjectField(*block, "toolResult")) {
            has_tool_result = true;
            if (const json::array* rc = ArrayField(*r, "content")) {
              for (const auto& c : *rc) {
                const json::object* co = c.if_object();
                if (co == nullptr) continue;
                if (const json::value* t = Find(*co, "text");
                    t != nullptr && t->is_string()) {
                  if (!text.empty()) text += ' ';
                  text += Sv(t->get_string());
                } else if (const json::value* j = Find(*co, "json")) {
                  if (!text.empty()) text += ' ';
                  text += json::serialize(*j);
                }
              }
            }
          }
        }
        a.prompt_tokens += CountWords(text);
        if (user) {
          scratch = std::move(text);
          last_user = scratch;
          answering_tool = has_tool_result;
        }
      }
    }

    const json::object* tool_config = ObjectField(body, "toolConfig");
    const json::array* tools =
        tool_config != nullptr ? ArrayField(*tool_config, "tools") : nullptr;
    if (tools != nullptr && !tools->empty() && !answering_tool &&
        ContainsWeather(last_user)) {
      if (const json::object* t = (*tools)[0].if_object()) {
        if (const json::object* spec = ObjectField(*t, "toolSpec")) {
          a.tool_name = StringField(*spec, "name");
        }
      }
    }
    if (!a.tool_name.empty()) {
      a.stop_reason = "tool_use";
      a.completion_tokens = CountWords(kToolInput);
      return a;
    }
    if (faults.words >= 0) {
      for (int64_t i = 0; i < faults.words; ++i) {
        if (i > 0) a.text += ' ';
        a.text += 'w';
        a.text += std::to_string(i);
      }
    } else {
      a.text = "mock: ";
      a.text += last_user;
    }
    a.completion_tokens = CountWords(a.text);
    const json::object* inference = ObjectField(body, "inferenceConfig");
    const int64_t max_tokens =
        inference != nullptr ? PositiveIntField(*inference, "maxTokens") : -1;
    if (max_tokens > 0 && a.completion_tokens > max_tokens) {
      a.text.resize(EndOfWord(a.text, max_tokens));
      a.completion_tokens = max_tokens;
      a.stop_reason = "max_tokens";
    }
    return a;
  }

  static void AppendUsage(std::string& out, const Answer& a) {
    out.append("{\"inputTokens\":");
    AppendInt(out, a.prompt_tokens);
    out.append(",\"outputTokens\":");
    AppendInt(out, a.completion_tokens);
    out.append(",\"totalTokens\":");
    AppendInt(out, a.prompt_tokens + a.completion_tokens);
    out.push_back('}');
  }

  asio::awaitable<void> Converse(const Request& request,
                                 const json::object& body, Conn& conn,
                                 const Faults& faults, bool stream) const {
    if (ArrayField(body, "messages") == nullptr) {
      co_await SendError(
          conn, 400, "Malformed input request: messages is required", faults);
      co_return;
    }
    std::string& scratch = conn.scratch().text;
    const Answer a = Decide(body, faults, scratch);
    const std::string request_id = "mock-req-" + std::to_string(request.seq);
    const Header extra[] = {{"x-amzn-requestid", request_id}};
    if (stream) {
      const std::vector<std::string> frames = Events(request.seq, a);
      co_await PlayEventStream(conn, faults, frames, extra);
      co_return;
    }

    std::string& out = conn.scratch().body;
    out.clear();
    out.append(
        "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[");
    if (!a.tool_name.empty()) {
      out.append("{\"toolUse\":{\"toolUseId\":\"tooluse_mock_");
      AppendInt(out, static_cast<int64_t>(request.seq));
      out.append("\",\"name\":");
      AppendJsonString(out, a.tool_name);
      out.append(",\"input\":");
      out.append(kToolInput);
      out.append("}}");
    } else {
      out.append("{\"text\":");
      AppendJsonString(out, a.text);
      out.push_back('}');
    }
    out.append("]}},\"stopReason\":\"");
    out.append(a.stop_reason);
    out.append("\",\"usage\":");
    AppendUsage(out, a);
    out.append(",\"metrics\":{\"latencyMs\":1}}");
    co_await SendUnary(conn, faults, 200, kJson, out, extra);
  }

  // messageStart, the content (a delta per word, or a toolUse block whose
  // input arrives in two pieces), messageStop, metadata.
  static std::vector<std::string> Events(uint64_t seq, const Answer& a) {
    std::vector<std::string> frames;
    std::string p;
    auto event = [&](std::string_view type, const std::string& payload) {
      frames.push_back(EventFrame(type, payload));
    };
    event("messageStart",
          "{\"p\":\"" + Padding(frames.size()) + "\",\"role\":\"assistant\"}");
    if (!a.tool_name.empty()) {
      p = "{\"contentBlockIndex\":0,\"start\":{\"toolUse\":{\"toolUseId\":"
          "\"tooluse_mock_" +
          std::to_string(seq) + "\",\"name\":";
      AppendJsonString(p, a.tool_name);
      p += "}}}";
      event("contentBlockStart", p);
      for (std::string_view piece : kToolInputPieces) {
        p = "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":{\"input\":";
        AppendJsonString(p, piece);
        p += "}},\"p\":\"" + Padding(frames.size()) + "\"}";
        event("contentBlockDelta", p);
      }
    } else {
      // Each piece is a word with the whitespace before it, so the pieces
      // concatenate to the unary text.
      const std::string_view text = a.text;
      size_t i = 0;
      while (i < text.size()) {
        size_t j = i;
        while (j < text.size() && IsSpace(text[j])) ++j;
        while (j < text.size() && !IsSpace(text[j])) ++j;
        p = "{\"contentBlockIndex\":0,\"delta\":{\"text\":";
        AppendJsonString(p, text.substr(i, j - i));
        p += "},\"p\":\"" + Padding(frames.size()) + "\"}";
        event("contentBlockDelta", p);
        i = j;
      }
    }
    event("contentBlockStop",
          "{\"contentBlockIndex\":0,\"p\":\"" + Padding(frames.size()) + "\"}");
    p = "{\"p\":\"" + Padding(frames.size()) + "\",\"stopReason\":\"";
    p += a.stop_reason;
    p += "\"}";
    event("messageStop", p);
    p = "{\"metrics\":{\"latencyMs\":1},\"usage\":";
    AppendUsage(p, a);
    p += '}';
    event("metadata", p);
    return frames;
  }

  // Streams the frames as a chunked application/vnd.amazon.eventstream body,
  // one HTTP chunk per frame, applying drip, truncate, reset mid_stream,
  // stream error (an exception frame after the first content frame) and
  // garbage (bytes whose prelude CRC is wrong).
  static asio::awaitable<void> PlayEventStream(
      Conn& conn, const Faults& faults, const std::vector<std::string>& frames,
      std::span<const Header> extra) {
    if (!co_await conn.SendHead(200, kEventStream, -1, extra)) co_return;
    if (faults.garbage) {
      if (co_await conn.SendChunk(std::string_view(
              "\x00\x00\x00\x30not an event stream frame", 29))) {
        co_await conn.EndChunks();
      }
      co_return;
    }
    const size_t n = frames.size();
    const size_t half = std::max<size_t>(1, n / 2);
    const bool cut = faults.truncate || faults.reset == ResetMode::kMidStream;
    for (size_t i = 0; i < n; ++i) {
      if (cut && i == half) {
        if (faults.reset == ResetMode::kMidStream) {
          co_await conn.Sleep(kPauseBeforeReset);
          conn.Reset();
        } else {
          conn.Close();  // no terminating chunk
        }
        co_return;
      }
      if (i > 0 && faults.drip_ms > 0) {
        if (!co_await conn.Sleep(std::chrono::milliseconds(faults.drip_ms))) {
          co_return;
        }
      }
      if (!co_await conn.SendChunk(frames[i])) co_return;
      if (faults.stream_error && i == std::min<size_t>(1, n - 1)) {
        const std::string error = Frame(
            {{":exception-type", "modelStreamErrorException"},
             {":content-type", "application/json"},
             {":message-type", "exception"}},
            R"({"message":"mock mid-stream error","originalStatusCode":500})");
        if (co_await conn.SendChunk(error)) co_await conn.EndChunks();
        co_return;
      }
    }
    co_await conn.EndChunks();
  }

  // ---- POST …/model/{id}/invoke (embeddings) ----

  static void AppendVector(std::string& out, std::string_view text,
                           int64_t dims) {
    uint64_t h = 1469598103934665603u;
    for (unsigned char c : text) {
      h ^= c;
      h *= 1099511628211u;
    }
    std::vector<double> v(static_cast<size_t>(dims));
    double norm = 0;
    for (auto& x : v) {
      h = h * 6364136223846793005u + 1442695040888963407u;
      x = static_cast<double>(h >> 11) * 0x1.0p-53 * 2.0 - 1.0;
      norm += x * x;
    }
    norm = norm > 0 ? std::sqrt(norm) : 1;
    out.push_back('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendFloat(out, static_cast<float>(v[i] / norm));
    }
    out.push_back(']');
  }

  asio::awaitable<void> Invoke(const Request& request, const json::object& body,
                               Conn& conn, const Faults& faults) const {
    const std::string model = PercentDecode(ModelId(request.path));
    std::string& out = conn.scratch().body;
    out.clear();
    int64_t tokens = 0;
    if (const json::value* text = Find(body, "inputText");
        text != nullptr && text->is_string()) {
      int64_t dims = PositiveIntField(body, "dimensions");
      if (dims <= 0) dims = 8;
      if (dims > 65536) {
        co_await SendError(conn, 400, "dimensions is too large", faults);
        co_return;
      }
      tokens = CountWords(Sv(text->get_string()));
      out.append("{\"embedding\":");
      AppendVector(out, Sv(text->get_string()), dims);
      out.append(",\"inputTextTokenCount\":");
      AppendInt(out, tokens);
      out.push_back('}');
    } else if (const json::array* texts = ArrayField(body, "texts")) {
      int64_t dims = PositiveIntField(body, "output_dimension");
      if (dims <= 0 || dims > 65536) dims = 8;
      out.append("{\"embeddings\":[");
      bool first = true;
      for (const auto& t : *texts) {
        if (!t.is_string()) continue;
        if (!first) out.push_back(',');
        first = false;
        tokens += CountWords(Sv(t.get_string()));
        AppendVector(out, Sv(t.get_string()), dims);
      }
      out.append("],\"id\":\"mock-");
      AppendInt(out, static_cast<int64_t>(request.seq));
      out.append("\",\"response_type\":\"embeddings_floats\",\"texts\":");
      out.append(json::serialize(*texts));
      out.push_back('}');
    } else {
      std::string message = "Malformed input request for model " + model +
                            ": expected inputText or texts";
      co_await SendError(conn, 400, message, faults);
      co_return;
    }
    const std::string count = std::to_string(tokens);
    const Header extra[] = {{"x-amzn-bedrock-input-token-count", count}};
    co_await SendUnary(conn, faults, 200, kJson, out, extra);
  }

  // "amazon.titan-embed-text-v2%3A0" from ".../model/<id>/invoke".
  static std::string_view ModelId(std::string_view path) {
    const size_t start = path.find("/model/");
    const size_t end = path.rfind('/');
    if (start == std::string_view::npos || end <= start + 7) return {};
    return path.substr(start + 7, end - start - 7);
  }
};

}  // namespace

std::unique_ptr<Dialect> MakeBedrockDialect() {
  return std::make_unique<BedrockDialect>();
}

}  // namespace across::mock
