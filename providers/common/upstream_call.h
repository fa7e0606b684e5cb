// Upstream request plumbing shared by the HTTP adapters: the request skeleton
// (URL, JSON content headers), the auth header, configured headers,
// deadlines, scrubbing credentials out of errors, and the Retry-After hint.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "across/config/v1/config.pb.h"
#include "gateway/common/error.h"
#include "gateway/common/request_context.h"
#include "gateway/upstream/http_client.h"
#include "providers/provider.h"

namespace across {

inline bool Is2xx(int status) { return status >= 200 && status < 300; }

// Whether a streamed chunk carries output for the client (content, tool
// calls, a refusal or reasoning): the first one marks the first token.
bool CarriesOutput(const v1::ChatChunk& chunk);

// The credential this call sends upstream, whatever its source: the
// per-call override, the configured key, or the caller's Authorization
// (without a "Bearer " prefix, trimmed).
std::string_view SecretInUse(const UpstreamCall& call,
                             std::string_view configured_key);

// base_url + path; an Internal error naming `provider_id` when base_url is
// unusable.
Result<Url> UpstreamUrl(std::string_view provider_id,
                        const ::across::config::v1::ProviderConfig& config,
                        std::string_view path);

// A POST of the JSON `body` to `url`: content-type, accept (SSE when
// `stream`) and the config's timeouts (ApplyTimeouts). Auth and configured
// headers are the caller's to add, in the order it wants them.
UpstreamRequest JsonPost(const ::across::config::v1::ProviderConfig& config,
                         const RequestContext& ctx, Url url, std::string body,
                         bool stream);

// The deadline: the request's own, or request_timeout_ms (default 10
// minutes) from now if sooner; connect_timeout_ms (default 5 s) and
// insecure_skip_verify from the config.
void ApplyTimeouts(UpstreamRequest& req,
                   const ::across::config::v1::ProviderConfig& config,
                   const RequestContext& ctx);

// What the auth header carries when the call has neither a key override
// nor a configured key, and the caller sent an Authorization header.
enum class CallerAuth {
  // As sent: the caller's whole Authorization for an "authorization"
  // header; its token (SecretInUse) for any other header.
  kAsSent,
  // Its token (SecretInUse) treated like a key: "Bearer <token>" for an
  // "authorization" header, the bare token otherwise; nothing when empty.
  kAsKey,
};

// Adds the auth header: config.auth_header(), or `default_header` when that
// is unset, unless a configured header has the same name (case-insensitive).
// An "authorization" header carries "Bearer <key>"; any other the bare key.
// The key is the call's override, else `api_key`, else the caller's
// credential as `caller_auth` says.
void ApplyAuth(UpstreamRequest& req, const UpstreamCall& call,
               const ::across::config::v1::ProviderConfig& config,
               const std::string& api_key, std::string_view default_header,
               CallerAuth caller_auth);

// Whether the config's headers name `name` (case-insensitive).
bool HasConfiguredHeader(const ::across::config::v1::ProviderConfig& config,
                         std::string_view name);
// Appends the config's headers as they are.
void AppendConfiguredHeaders(
    UpstreamRequest& req, const ::across::config::v1::ProviderConfig& config);

// Replaces every occurrence of `secret` in `message` with "[REDACTED]".
// Secrets shorter than 8 characters are left alone: short strings would
// redact ordinary words, and real keys are long.
void RedactSecret(std::string& message, std::string_view secret);
// Prefixes "<provider_id>: " to the message unless it already starts so.
Error WithProviderPrefix(Error error, std::string_view provider_id);
// RedactSecret, then WithProviderPrefix.
Error ScrubSecrets(Error error, std::string_view provider_id,
                   std::string_view secret);

// The upstream's retry hint: "retry-after-ms" (milliseconds, OpenAI) wins
// over "retry-after" (delta-seconds or an HTTP-date). nullopt when absent or
// unparsable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view retry_after_ms, std::string_view retry_after,
    std::chrono::system_clock::time_point now =
        std::chrono::system_clock::now());
// ParseRetryAfter on the response's headers.
std::optional<std::chrono::milliseconds> RetryAfter(
    const UpstreamResponse& response);

}  // namespace across
