#include "tests/mock_upstream/azure_dialect.h"

#include <boost/beast/core/string.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <ctime>

#include "tests/mock_upstream/json_out.h"
#include "tests/mock_upstream/openai_dialect.h"
#include "tests/mock_upstream/sse.h"
#include "tests/mock_upstream/text.h"

namespace across::mock {
namespace {

namespace json = boost::json;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kDeployments = "/openai/deployments/";
constexpr std::string_view kV1 = "/openai/v1/";

// Azure's per-category verdicts: one category flagged, the rest clean.
constexpr std::string_view kFlagged =
    "{\"hate\":{\"filtered\":true,\"severity\":\"high\"},"
    "\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},"
    "\"sexual\":{\"filtered\":false,\"severity\":\"safe\"},"
    "\"violence\":{\"filtered\":false,\"severity\":\"safe\"}}";
constexpr std::string_view kClean =
    "{\"hate\":{\"filtered\":false,\"severity\":\"safe\"},"
    "\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},"
    "\"sexual\":{\"filtered\":false,\"severity\":\"safe\"},"
    "\"violence\":{\"filtered\":false,\"severity\":\"safe\"}}";

bool IsOperation(std::string_view rest) {
  return rest == "chat/completions" || rest == "embeddings";
}

// "{deployment}" of ".../openai/deployments/{deployment}/<operation>", or "".
std::string_view Deployment(std::string_view path) {
  const size_t at = path.find(kDeployments);
  if (at == std::string_view::npos) return {};
  std::string_view rest = path.substr(at + kDeployments.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  if (!IsOperation(rest.substr(slash + 1))) return {};
  return rest.substr(0, slash);
}

bool IsV1(std::string_view path) {
  const size_t at = path.rfind(kV1);
  return at != std::string_view::npos &&
         IsOperation(path.substr(at + kV1.size()));
}

// The value of query parameter `name` in `target`, or "".
std::string_view QueryParam(std::string_view target, std::string_view name) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::string_view StringField(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string_view(it->value().get_string().data(),
                          it->value().get_string().size());
}

// x-mock-content-filter, else the "mock" object's "content_filter".
std::string_view ContentFilter(const Request& request) {
  std::string_view h = request.Header("x-mock-content-filter");
  if (!h.empty()) return h;
  const json::object* body = request.JsonObject();
  if (body == nullptr) return {};
  auto it = body->find("mock");
  if (it == body->end() || !it->value().is_object()) return {};
  return StringField(it->value().get_object(), "content_filter");
}

class AzureDialect final : public Dialect {
 public:
  std::string_view name() const override { return "azure-openai"; }

  bool Handles(std::string_view path) const override {
    return !Deployment(path).empty() || IsV1(path);
  }

  bool HasKey(const Request& request, std::string_view key) const override {
    if (request.Header("api-key") == key) return true;
    // Microsoft Entra ID: a bearer token instead of the key.
    std::string_view auth = request.Header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    return auth.size() == kBearer.size() + key.size() &&
           boost::beast::iequals(auth.substr(0, kBearer.size()), kBearer) &&
           auth.substr(kBearer.size()) == key;
  }

  void ErrorBody(const ErrorInfo& e, std::string& out) const override {
    openai_->ErrorBody(e, out);  // Azure relays OpenAI-shaped errors
  }

  void AuthErrorBody(std::string& out) const override {
    // Azure's gateway, not the model service, rejects a bad key.
    out.append(
        "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to "
        "invalid subscription key or wrong API endpoint (mock).\"}}");
  }

  asio::awaitable<void> Serve(const Request& request, Conn& conn,
                              const Faults& faults) const override {
    const std::string_view deployment = Deployment(request.path);
    if (!deployment.empty() &&
        QueryParam(request.target, "api-version").empty()) {
      co_await conn.Send(
          404, kJson,
          "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}");
      co_return;
    }
    const std::string_view filter = ContentFilter(request);
    const bool chat = EndsWith(request.path, "/chat/completions");
    if (chat && filter == "prompt") {
      co_await PromptFiltered(conn);
      co_return;
    }
    if (chat && filter == "completion" && request.JsonObject() != nullptr) {
      co_await CompletionFiltered(request, deployment, conn, faults);
      co_return;
    }
    const json::object* body = request.JsonObject();
    if (deployment.empty() || body == nullptr || body->contains("model")) {
      co_await openai_->Serve(request, conn, faults);
      co_return;
    }
    // The deployment names the model; the OpenAI dialect wants it in "model".
    json::value with_model(*request.json, json::storage_ptr());
    with_model.get_object()["model"] = deployment;
    Request copy = request;
    copy.json = &with_model;
    co_await openai_->Serve(copy, conn, faults);
  }

 private:
  asio::awaitable<void> PromptFiltered(Conn& conn) const {
    std::string& out = conn.scratch().body;
    out.clear();
    out.append(
        "{\"error\":{\"message\":\"mock: the prompt was filtered by the "
        "content management policy\",\"type\":null,\"param\":\"prompt\","
        "\"code\":\"content_filter\",\"status\":400,\"innererror\":{"
        "\"code\":\"ResponsibleAIPolicyViolation\","
        "\"content_filter_result\":");
    out.append(kFlagged);
    out.append("}}}");
    co_await conn.Send(400, kJson, out);
  }

  asio::awaitable<void> CompletionFiltered(const Request& request,
                                           std::string_view deployment,
                                           Conn& conn,
                                           const Faults& faults) const {
    const json::object& body = *request.JsonObject();
    std::string_view model = StringField(body, "model");
    if (model.empty()) model = deployment;
    const int64_t created = static_cast<int64_t>(std::time(nullptr));
    Scratch& s = conn.scratch();
    std::string& head = s.prefix;
    head.clear();
    head.append("{\"id\":\"chatcmpl-mock-");
    AppendInt(head, static_cast<int64_t>(request.seq));
    head.append("\",\"created\":");
    AppendInt(head, created);
    head.append(",\"model\":");
    AppendJsonString(head, model);

    auto it = body.find("stream");
    const bool stream =
        it != body.end() && it->value().is_bool() && it->value().get_bool();
    if (!stream) {
      std::string& out = s.body;
      out.clear();
      out.append(head);
      out.append(
          ",\"object\":\"chat.completion\",\"prompt_filter_results\":[{"
          "\"prompt_index\":0,\"content_filter_results\":");
      out.append(kClean);
      out.append(
          "}],\"choices\":[{\"index\":0,\"finish_reason\":\"content_filter\","
          "\"message\":{\"role\":\"assistant\",\"content\":null},"
          "\"content_filter_results\":");
      out.append(kFlagged);
      out.append(
          "}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":0,"
          "\"total_tokens\":1}}");
      co_await SendUnary(conn, faults, 200, kJson, out);
      co_return;
    }
    bool include_usage = false;
    if (auto so = body.find("stream_options");
        so != body.end() && so->value().is_object()) {
      auto iu = so->value().get_object().find("include_usage");
      include_usage = iu != so->value().get_object().end() &&
                      iu->value().is_bool() && iu->value().get_bool();
    }
    EventList& events = s.events;
    events.Clear();
    // Azure's first chunk: prompt annotations only, empty id and choices.
    {
      std::string& e = events.Begin();
      e.append(
          "{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\","
          "\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0,"
          "\"content_filter_results\":");
      e.append(kClean);
      e.append("}]}");
      events.End();
    }
    {
      std::string& e = events.Begin();
      e.append(head);
      e.append(
          ",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
          "\"finish_reason\":null}]}");
      events.End();
    }
    {
      std::string& e = events.Begin();
      e.append(head);
      e.append(
          ",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          "\"delta\":{},\"finish_reason\":\"content_filter\","
          "\"content_filter_results\":");
      e.append(kFlagged);
      e.append("}]}");
      events.End();
    }
    if (include_usage) {
      std::string& e = events.Begin();
      e.append(head);
      e.append(
          ",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{"
          "\"prompt_tokens\":1,\"completion_tokens\":0,\"total_tokens\":1}}");
      events.End();
    }
    events.Add("[DONE]");
    StreamPlan plan;
    plan.first_content = 1;
    plan.error_event =
        "data: {\"error\":{\"message\":\"mock mid-stream error\","
        "\"type\":\"server_error\"}}\n\n";
    plan.garbage_trailer = "data: [DONE]\n\n";
    co_await PlayStream(conn, faults, events, plan);
  }

  std::unique_ptr<Dialect> openai_ = MakeOpenAiDialect();
};

}  // namespace

std::unique_ptr<Dialect> MakeAzureDialect() {
  return std::make_unique<AzureDialect>();
}

}  // namespace across::mock
