// The gateway's one error model. Every failure, from a malformed request to
// an upstream 503, becomes an Error; each front end renders it in its own
// dialect (OpenAI error JSON or a gRPC status).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <grpcpp/support/status.h>

namespace across {

struct Error {
  // HTTP status the error maps to (the upstream's own status when it came
  // from a provider).
  int http_status = 500;
  // OpenAI error "type": invalid_request_error, authentication_error,
  // permission_error, not_found_error, rate_limit_error, api_error,
  // timeout_error.
  std::string type;
  // OpenAI error "code", e.g. "model_not_found"; may be empty.
  std::string code;
  // Human-readable; names the provider when one failed. Never holds secrets.
  std::string message;
  // The request parameter at fault, if any.
  std::string param;
  // Upstream's Retry-After hint.
  std::optional<std::chrono::milliseconds> retry_after;
  // Structured details as JSON text (guardrail results for a 446); the HTTP
  // front end adds them to the error body, gRPC sends them as a trailer.
  std::string details;

  // Builders for the common cases; `type` follows from the status.
  static Error InvalidRequest(std::string message, std::string param = "",
                              std::string code = "");
  static Error NotFound(std::string message, std::string code = "");
  static Error PayloadTooLarge(std::string message);
  static Error Timeout(std::string message);
  static Error Unavailable(std::string message);  // 502: transport failure
  static Error Internal(std::string message);
  static Error Unimplemented(std::string message);
  // An error with the given HTTP status; type derived from the status.
  static Error FromHttpStatus(int http_status, std::string message);
};

// OpenAI error type for an HTTP status.
std::string ErrorTypeForStatus(int http_status);

// gRPC status code for an HTTP status (the mapping documented in the proto).
grpc::StatusCode GrpcCodeForHttpStatus(int http_status);

// True for a timeout (408/504) error.
bool IsTimeout(const Error& error);

// A value or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Error& error() { return std::get<1>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation with no value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace across
