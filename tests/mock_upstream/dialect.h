// The seam between the mock's HTTP machinery and one provider's wire format.
//
// The server reads a request, applies the dialect-independent faults
// (latency, reset before headers, fail-first, x-mock-status) and the API-key
// check, then hands the request to the first registered Dialect whose
// Handles() accepts the path. To add a provider (Anthropic /v1/messages,
// Gemini :generateContent, Cohere /v2/chat, Bedrock /model/{id}/converse),
// write a Dialect in its own file and register it in mock_upstream.cc ahead
// of the OpenAI one when its paths could overlap.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/mock_upstream/conn.h"
#include "tests/mock_upstream/faults.h"

namespace across::mock {

namespace http = boost::beast::http;

// Beast 1.81 hands out boost::core::string_view; the mock uses std's.
inline std::string_view Sv(boost::core::string_view s) {
  return std::string_view(s.data(), s.size());
}

// One parsed request, valid while it is being served.
struct Request {
  const http::request<http::string_body>* msg = nullptr;
  http::verb method = http::verb::unknown;
  std::string_view method_name;
  std::string_view target;  // as sent, with the query
  std::string_view path;    // target up to '?'
  std::string_view body;
  // The body parsed as JSON, or nullptr when it is empty or not JSON.
  const boost::json::value* json = nullptr;
  // 1-based number of this request in the process (never reset).
  uint64_t seq = 0;

  // First value of the header `name` (case-insensitive), or "".
  std::string_view Header(std::string_view name) const {
    auto it = msg->find(name);
    return it == msg->end() ? std::string_view() : Sv(it->value());
  }
  // The body as a JSON object, or nullptr.
  const boost::json::object* JsonObject() const {
    return json != nullptr ? json->if_object() : nullptr;
  }
};

// An error to render in a dialect's own error shape.
struct ErrorInfo {
  int status = 500;
  std::string_view type;  // e.g. "rate_limit_error"
  std::string_view message;
  std::string_view code;   // "" → null
  std::string_view param;  // "" → null
};

class Dialect {
 public:
  virtual ~Dialect() = default;

  virtual std::string_view name() const = 0;

  // True when this dialect serves `path` (the target without its query).
  // Match on suffixes so that gateway-side prefixes ("/openai/v1/...") work.
  virtual bool Handles(std::string_view path) const = 0;

  // True when the request carries `key` the way this provider's clients
  // send it (e.g. "Authorization: Bearer <key>").
  virtual bool HasKey(const Request& request, std::string_view key) const = 0;

  // Appends the error body, in this provider's shape, to `out`.
  virtual void ErrorBody(const ErrorInfo& error, std::string& out) const = 0;

  // Appends the body of the 401 for a missing or wrong key to `out`.
  virtual void AuthErrorBody(std::string& out) const = 0;

  // Serves a request that passed the server-level checks. Remaining faults
  // (truncate, reset mid_stream, garbage, drip, stream error, words) are the
  // dialect's to apply, normally through SendUnary / PlayStream.
  virtual boost::asio::awaitable<void> Serve(const Request& request, Conn& conn,
                                             const Faults& faults) const = 0;
};

}  // namespace across::mock
