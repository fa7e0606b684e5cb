#include "providers/bedrock/bedrock_errors.h"

#include <cctype>

#include "providers/common/json.h"

namespace across::bedrock {

namespace json = boost::json;
using providers::GetString;
using providers::ParseJson;

namespace {

constexpr size_t kMaxRawMessage = 512;

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The body's "message" (or "Message"); a body that is not JSON as raw text,
// shortened.
std::string MessageOf(std::string_view body) {
  if (auto v = ParseJson(body); v && v->is_object()) {
    for (std::string_view key : {"message", "Message"}) {
      std::string_view m = GetString(&v->get_object(), key);
      if (!m.empty()) return std::string(m);
    }
    return "";  // JSON without a message: the exception name says more
  }
  std::string raw(body.substr(0, kMaxRawMessage));
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) {
    raw.pop_back();
  }
  return raw;
}

std::string TypeFromBody(std::string_view body) {
  if (auto v = ParseJson(body); v && v->is_object()) {
    return ExceptionName(GetString(&v->get_object(), "__type"));
  }
  return "";
}

}  // namespace

std::string ExceptionName(std::string_view type) {
  if (const size_t colon = type.find(':'); colon != std::string_view::npos) {
    type = type.substr(0, colon);
  }
  if (const size_t hash = type.rfind('#'); hash != std::string_view::npos) {
    type = type.substr(hash + 1);
  }
  return std::string(type);
}

int StatusForException(std::string_view name, int fallback) {
  struct Entry {
    std::string_view name;
    int status;
  };
  static constexpr Entry kTable[] = {
      {"ValidationException", 400},
      {"AccessDeniedException", 403},
      {"UnrecognizedClientException", 403},
      {"ResourceNotFoundException", 404},
      {"ModelTimeoutException", 408},
      {"ThrottlingException", 429},
      {"ModelNotReadyException", 429},
      {"ServiceQuotaExceededException", 429},
      {"InternalServerException", 500},
      {"ModelErrorException", 502},
      {"ModelStreamErrorException", 502},
      {"ServiceUnavailableException", 503},
  };
  for (const Entry& e : kTable) {
    if (EqualsNoCase(e.name, name)) return e.status;
  }
  return fallback;
}

Error ParseBedrockError(int http_status, std::string_view body,
                        std::string_view error_type_header) {
  std::string name = ExceptionName(error_type_header);
  if (name.empty()) name = TypeFromBody(body);
  const int status = http_status == 424 ? 502 : http_status;
  std::string message = MessageOf(body);
  if (message.empty()) {
    message = name.empty()
                  ? "upstream returned HTTP " + std::to_string(http_status)
                  : name;
  }
  Error e = Error::FromHttpStatus(status, std::move(message));
  e.code = std::move(name);
  return e;
}

Error StreamException(std::string_view exception_type,
                      std::string_view payload) {
  std::string name(exception_type);
  std::string message = MessageOf(payload);
  if (message.empty()) message = name.empty() ? "stream exception" : name;
  Error e =
      Error::FromHttpStatus(StatusForException(name, 502), std::move(message));
  e.code = std::move(name);
  return e;
}

}  // namespace across::bedrock
