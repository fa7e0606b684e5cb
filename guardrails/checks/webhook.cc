#include "guardrails/checks/webhook.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cctype>

#include "guardrails/json/extract.h"

namespace across::guardrails {
namespace {

// `roles` picks input messages; the output is always sent.
bool Selected(const std::vector<std::string>& roles,
              const GuardrailInput& input, std::string_view role) {
  return roles.empty() || input.stage == Stage::kOutput ||
         std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string Lower(std::string_view s) {
  std::string out;
  for (char c : s)
    out.push_back(
        static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

}  // namespace

Webhook::Webhook(CommonOptions common, WebhookOptions options)
    : Guardrail(std::move(common)), webhook_(std::move(options)) {}

HttpCall Webhook::MakeCall(const GuardrailInput& input) const {
  boost::json::object body;
  body["guardrail_id"] = id();
  body["stage"] = StageName(input.stage);
  body["model"] = input.model;
  boost::json::object metadata;
  for (const auto& [k, v] : input.metadata) metadata[k] = v;
  body["metadata"] = std::move(metadata);
  if (input.max_tokens) body["max_tokens"] = *input.max_tokens;
  body["partial"] = input.partial;
  boost::json::array texts;
  for (const TextItem& item : input.texts) {
    if (!Selected(options().roles, input, item.role)) continue;
    texts.push_back(
        {{"index", item.index}, {"role", item.role}, {"text", item.text}});
  }
  body["texts"] = std::move(texts);

  HttpCall call;
  call.url = webhook_.url;
  call.headers = webhook_.headers;
  call.headers.emplace_back("Content-Type", "application/json");
  call.body = boost::json::serialize(body);
  call.timeout = webhook_.timeout;
  return call;
}

void Webhook::Fail(GuardrailResult& result, std::string error) const {
  result.error = std::move(error);
  result.verdict = webhook_.fail_open ? Verdict::kPass : Verdict::kFail;
  result.explanation = "webhook error (" + result.error + "); failing " +
                       (webhook_.fail_open ? "open" : "closed");
}

GuardrailResult Webhook::Complete(const HttpOutcome& outcome,
                                  std::chrono::nanoseconds elapsed) const {
  GuardrailResult result = NewResult();
  result.duration = elapsed;
  if (!outcome.error.empty()) {
    Fail(result, outcome.error);
    return result;
  }
  if (outcome.status < 200 || outcome.status > 299) {
    Fail(result, "HTTP " + std::to_string(outcome.status));
    return result;
  }
  auto body = json::ParseJson(outcome.body);
  const boost::json::value* verdict =
      body && body->is_object() ? body->get_object().if_contains("verdict")
                                : nullptr;
  if (verdict == nullptr || !verdict->is_bool()) {
    Fail(result, "response has no boolean \"verdict\"");
    return result;
  }
  const bool ok = verdict->get_bool() != negated();
  result.verdict = ok ? Verdict::kPass : Verdict::kFail;
  const boost::json::value* explanation =
      body->get_object().if_contains("explanation");
  result.explanation =
      explanation != nullptr && explanation->is_string()
          ? std::string(
                std::string_view(explanation->get_string()).substr(0, 500))
          : std::string("webhook verdict: ") +
                (verdict->get_bool() ? "pass" : "fail");
  if (negated()) result.explanation += " [inverted by not]";
  return result;
}

void Webhook::Evaluate(const GuardrailInput&, GuardrailResult& result) const {
  Fail(result, "webhook checks need the engine's async HTTP path");
}

BuildResult BuildWebhook(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  WebhookOptions options;
  options.url = params.RequiredString("url");
  const boost::json::value* headers = params.Value("headers");
  options.timeout = std::chrono::milliseconds(
      params.Int("timeout_ms", 1, 60000).value_or(3000));
  options.fail_open = params.Bool("fail_open", false);
  if (!params.ok()) return params.error();

  auto url = boost::urls::parse_absolute_uri(options.url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") ||
      url->host().empty()) {
    params.Fail("url", "must be an absolute http:// or https:// URL");
    return params.error();
  }
  if (headers != nullptr) {
    if (!headers->is_object()) {
      params.Fail("headers", "must be an object of strings");
      return params.error();
    }
    for (const auto& kv : headers->get_object()) {
      const std::string name = Lower(kv.key());
      if (!kv.value().is_string()) {
        params.Fail("headers." + std::string(kv.key()), "must be a string");
        return params.error();
      }
      // The client owns framing; a config must not be able to break it.
      if (name == "host" || name == "content-length" ||
          name == "transfer-encoding" || name == "content-type" ||
          name.find_first_of("\r\n:") != std::string::npos ||
          std::string_view(kv.value().get_string()).find_first_of("\r\n") !=
              std::string_view::npos) {
        params.Fail("headers." + std::string(kv.key()), "not allowed");
        return params.error();
      }
      options.headers.emplace_back(std::string(kv.key()),
                                   std::string(kv.value().get_string()));
    }
  }
  return Finish<Webhook>(params, std::move(common), std::move(options));
}

}  // namespace across::guardrails
