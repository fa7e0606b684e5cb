#include "gateway/common/error.h"

namespace across {

std::string ErrorTypeForStatus(int s) {
  switch (s) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 408:
    case 504:
      return "timeout_error";
    case 429:
      return "rate_limit_error";
    default:
      return s >= 400 && s < 500 ? "invalid_request_error" : "api_error";
  }
}

grpc::StatusCode GrpcCodeForHttpStatus(int s) {
  switch (s) {
    case 400:
    case 422:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case 401:
      return grpc::StatusCode::UNAUTHENTICATED;
    case 403:
      return grpc::StatusCode::PERMISSION_DENIED;
    case 404:
      return grpc::StatusCode::NOT_FOUND;
    case 408:
    case 504:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case 409:
      return grpc::StatusCode::ABORTED;
    case 412:
    case 446:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case 413:
      return grpc::StatusCode::OUT_OF_RANGE;
    case 429:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 499:
      return grpc::StatusCode::CANCELLED;
    case 501:
      return grpc::StatusCode::UNIMPLEMENTED;
    default:
      if (s >= 500) return grpc::StatusCode::UNAVAILABLE;
      if (s >= 400) return grpc::StatusCode::INVALID_ARGUMENT;
      return grpc::StatusCode::UNKNOWN;
  }
}

bool IsTimeout(const Error& e) {
  return e.http_status == 408 || e.http_status == 504;
}

Error Error::FromHttpStatus(int http_status, std::string message) {
  Error e;
  e.http_status = http_status;
  e.type = ErrorTypeForStatus(http_status);
  e.message = std::move(message);
  return e;
}

Error Error::InvalidRequest(std::string message, std::string param,
                            std::string code) {
  Error e = FromHttpStatus(400, std::move(message));
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}

Error Error::NotFound(std::string message, std::string code) {
  Error e = FromHttpStatus(404, std::move(message));
  // OpenAI reports an unknown model as invalid_request_error/model_not_found.
  e.type = "invalid_request_error";
  e.code = std::move(code);
  return e;
}

Error Error::PayloadTooLarge(std::string message) {
  return FromHttpStatus(413, std::move(message));
}

Error Error::Timeout(std::string message) {
  return FromHttpStatus(504, std::move(message));
}

Error Error::Unavailable(std::string message) {
  return FromHttpStatus(502, std::move(message));
}

Error Error::Internal(std::string message) {
  return FromHttpStatus(500, std::move(message));
}

Error Error::Unimplemented(std::string message) {
  Error e = FromHttpStatus(501, std::move(message));
  e.type = "invalid_request_error";
  return e;
}

}  // namespace across
