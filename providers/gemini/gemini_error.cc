#include "providers/gemini/gemini_error.h"

#include <chrono>
#include <cstdlib>
#include <optional>

#include "providers/common/json.h"

namespace across::gemini {

namespace json = boost::json;
using providers::GetArray;
using providers::GetInt64;
using providers::GetObject;
using providers::GetString;
using providers::kBoostJsonMaxDepth;
using providers::ParseJson;

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' ||
                        s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' ||
                        s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Excerpt(std::string_view s, size_t limit) {
  if (s.size() <= limit) return std::string(s);
  return std::string(s.substr(0, limit)) + "...";
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// "37s", "1.5s" (google.protobuf.Duration in JSON).
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view d) {
  if (d.empty() || d.back() != 's') return std::nullopt;
  std::string number(d.substr(0, d.size() - 1));
  char* end = nullptr;
  const double secs = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !(secs >= 0) ||
      secs > 1e9) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(secs * 1000 + 0.5));
}

void ReadDetails(const json::object& error, Error& e) {
  const json::array* details = GetArray(&error, "details");
  if (details == nullptr) return;
  for (const auto& d : *details) {
    const json::object* o = d.if_object();
    std::string_view type = GetString(o, "@type");
    if (EndsWith(type, "google.rpc.ErrorInfo") &&
        GetString(o, "reason") == "API_KEY_INVALID") {
      e.http_status = 401;
      e.type = ErrorTypeForStatus(401);
    } else if (EndsWith(type, "google.rpc.RetryInfo")) {
      e.retry_after = ParseDuration(GetString(o, "retryDelay"));
    }
  }
}

}  // namespace

Error ErrorFromObject(const json::object& error, int fallback_status,
                      std::string_view provider_id) {
  int status = fallback_status;
  const int64_t code = GetInt64(&error, "code").value_or(0);
  if (code >= 400 && code <= 599) status = static_cast<int>(code);
  Error e = Error::FromHttpStatus(status, "");
  e.code = std::string(GetString(&error, "status"));
  std::string_view message = GetString(&error, "message");
  e.message.assign(provider_id).append(": ");
  if (message.empty()) {
    e.message += e.code.empty() ? "HTTP " + std::to_string(status) : e.code;
  } else {
    e.message += message;
  }
  ReadDetails(error, e);
  return e;
}

Error ParseUpstreamError(int http_status, std::string_view body,
                         std::string_view provider_id) {
  std::string_view trimmed = Trim(body);
  if (trimmed.empty()) {
    return Error::FromHttpStatus(
        http_status, std::string(provider_id) + ": HTTP " +
                         std::to_string(http_status) + " with empty body");
  }
  std::optional<json::value> v = ParseJson(trimmed, kBoostJsonMaxDepth);
  if (v && v->is_array() && !v->get_array().empty()) {
    v = json::value(v->get_array().front());
  }
  if (const json::object* error =
          GetObject(v ? v->if_object() : nullptr, "error")) {
    // The transport status is the one the caller saw; the body's code only
    // fills in when it agrees in kind.
    Error e = ErrorFromObject(*error, http_status, provider_id);
    if (e.http_status != 401) {
      e.http_status = http_status;
      e.type = ErrorTypeForStatus(http_status);
    }
    return e;
  }
  return Error::FromHttpStatus(http_status, std::string(provider_id) +
                                                ": HTTP " +
                                                std::to_string(http_status) +
                                                ": " + Excerpt(trimmed, 300));
}

void RedactSecrets(std::string& message, std::string_view secret) {
  constexpr std::string_view kRedacted = "[REDACTED]";
  if (secret.size() >= 8) {
    for (size_t pos = message.find(secret); pos != std::string::npos;
         pos = message.find(secret, pos + kRedacted.size())) {
      message.replace(pos, secret.size(), kRedacted);
    }
  }
  constexpr std::string_view kParam = "key=";
  for (size_t pos = message.find(kParam); pos != std::string::npos;
       pos = message.find(kParam, pos + 1)) {
    // Only a URL parameter: "?key=" or "&key=".
    if (pos == 0 || (message[pos - 1] != '?' && message[pos - 1] != '&')) {
      continue;
    }
    const size_t start = pos + kParam.size();
    size_t end = start;
    while (end < message.size() && message[end] != '&' && message[end] != ' ' &&
           message[end] != '"' && message[end] != '\'' && message[end] != '#') {
      ++end;
    }
    if (end > start) message.replace(start, end - start, kRedacted);
  }
}

}  // namespace across::gemini
