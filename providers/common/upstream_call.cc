#include "providers/common/upstream_call.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>
#include <utility>

#include "gateway/common/ascii.h"

namespace across {
namespace {

using std::chrono::milliseconds;

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool CarriesOutput(const v1::ChatChunk& chunk) {
  for (const auto& c : chunk.choices()) {
    const auto& d = c.delta();
    if (!d.content().empty() || d.tool_calls_size() > 0 ||
        !d.refusal().empty() || !d.reasoning_content().empty()) {
      return true;
    }
  }
  return false;
}

std::string_view SecretInUse(const UpstreamCall& call,
                             std::string_view configured_key) {
  if (!call.api_key_override.empty()) return call.api_key_override;
  if (!configured_key.empty()) return configured_key;
  std::string_view auth = call.ctx.headers.authorization;
  if (auth.size() > 7 && EqualsIgnoreCase(auth.substr(0, 7), "bearer ")) {
    auth.remove_prefix(7);
  }
  return TrimSpaces(auth);
}

Result<Url> UpstreamUrl(std::string_view provider_id,
                        const ::across::config::v1::ProviderConfig& config,
                        std::string_view path) {
  auto url = Url::Join(config.base_url(), path);
  if (!url.ok()) {
    return Error::Internal(std::string(provider_id) +
                           ": invalid base_url: " + url.error().message);
  }
  return url;
}

UpstreamRequest JsonPost(const ::across::config::v1::ProviderConfig& config,
                         const RequestContext& ctx, Url url, std::string body,
                         bool stream) {
  UpstreamRequest req;
  req.method = "POST";
  req.url = std::move(url);
  req.body = std::move(body);
  req.headers.reserve(4 + static_cast<size_t>(config.headers_size()));
  req.headers.emplace_back("content-type", "application/json");
  req.headers.emplace_back("accept",
                           stream ? "text/event-stream" : "application/json");
  ApplyTimeouts(req, config, ctx);
  return req;
}

void ApplyTimeouts(UpstreamRequest& req,
                   const ::across::config::v1::ProviderConfig& config,
                   const RequestContext& ctx) {
  const milliseconds timeout(
      config.request_timeout_ms() > 0 ? config.request_timeout_ms() : 600000);
  req.deadline = std::min(ctx.deadline, Clock::now() + timeout);
  req.connect_timeout = milliseconds(
      config.connect_timeout_ms() > 0 ? config.connect_timeout_ms() : 5000);
  req.insecure_skip_verify = config.insecure_skip_verify();
}

void ApplyAuth(UpstreamRequest& req, const UpstreamCall& call,
               const ::across::config::v1::ProviderConfig& config,
               const std::string& api_key, std::string_view default_header,
               CallerAuth caller_auth) {
  const std::string header = config.auth_header().empty()
                                 ? std::string(default_header)
                                 : config.auth_header();
  if (HasConfiguredHeader(config, header)) return;
  const bool bearer = EqualsIgnoreCase(header, "authorization");
  const std::string& own =
      call.api_key_override.empty() ? api_key : call.api_key_override;
  if (own.empty() && caller_auth == CallerAuth::kAsSent) {
    // No key of our own: the caller's credential goes through as is.
    if (!call.ctx.headers.authorization.empty()) {
      req.headers.emplace_back(
          header, bearer ? call.ctx.headers.authorization
                         : std::string(SecretInUse(call, api_key)));
    }
    return;
  }
  const std::string_view key = SecretInUse(call, api_key);
  if (key.empty()) return;
  req.headers.emplace_back(
      header, bearer ? "Bearer " + std::string(key) : std::string(key));
}

bool HasConfiguredHeader(const ::across::config::v1::ProviderConfig& config,
                         std::string_view name) {
  for (const auto& [configured, value] : config.headers()) {
    if (EqualsIgnoreCase(configured, name)) return true;
  }
  return false;
}

void AppendConfiguredHeaders(
    UpstreamRequest& req, const ::across::config::v1::ProviderConfig& config) {
  for (const auto& [name, value] : config.headers()) {
    req.headers.emplace_back(name, value);
  }
}

void RedactSecret(std::string& message, std::string_view secret) {
  constexpr std::string_view kRedacted = "[REDACTED]";
  if (secret.size() < 8) return;
  for (size_t pos = message.find(secret); pos != std::string::npos;
       pos = message.find(secret, pos + kRedacted.size())) {
    message.replace(pos, secret.size(), kRedacted);
  }
}

Error WithProviderPrefix(Error error, std::string_view provider_id) {
  std::string prefix(provider_id);
  prefix += ": ";
  if (error.message.compare(0, prefix.size(), prefix) != 0) {
    error.message.insert(0, prefix);
  }
  return error;
}

Error ScrubSecrets(Error error, std::string_view provider_id,
                   std::string_view secret) {
  RedactSecret(error.message, secret);
  return WithProviderPrefix(std::move(error), provider_id);
}

std::optional<milliseconds> ParseRetryAfter(
    std::string_view retry_after_ms, std::string_view retry_after,
    std::chrono::system_clock::time_point now) {
  auto number = [](std::string_view s) -> std::optional<double> {
    s = TrimSpaces(s);
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() ||
        !(v >= 0) || v > 1e9) {
      return std::nullopt;
    }
    return v;
  };
  if (auto ms = number(retry_after_ms)) {
    return milliseconds(static_cast<int64_t>(*ms + 0.5));
  }
  if (auto secs = number(retry_after)) {
    return milliseconds(static_cast<int64_t>(*secs * 1000 + 0.5));
  }
  std::string_view date = TrimSpaces(retry_after);
  if (date.empty()) return std::nullopt;
  // HTTP-date, IMF-fixdate form: "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  std::istringstream in{std::string(date)};
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S");
  if (in.fail()) return std::nullopt;
  const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (when <= now) return milliseconds(0);
  return std::chrono::duration_cast<milliseconds>(when - now);
}

std::optional<milliseconds> RetryAfter(const UpstreamResponse& response) {
  return ParseRetryAfter(response.Header("retry-after-ms"),
                         response.Header("retry-after"));
}

}  // namespace across
