// Bedrock's error shapes → the gateway's Error. HTTP errors carry the
// exception name in the x-amzn-ErrorType header ("ValidationException:http:
// //internal.amazon.com/coral/...") and {"message": "..."} in the body;
// stream exceptions carry it in the ":exception-type" event header
// ("throttlingException") with the same body.
//
// Reference:
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
// and
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
#pragma once

#include <string>
#include <string_view>

#include "gateway/common/error.h"

namespace across::bedrock {

// "ValidationException" from "ValidationException:http://..." (or from a
// "com.amazon.coral.validate#ValidationException" __type).
std::string ExceptionName(std::string_view type);

// The HTTP status to report for an exception name (either capitalisation),
// or `fallback` for names not listed. ModelErrorException (424) and
// modelStreamErrorException become 502: the model failed upstream, which is
// not the client's fault.
int StatusForException(std::string_view name, int fallback);

// An Error for a non-2xx answer: the upstream's status (424 → 502), the
// body's message, and Error::code = the exception name. No provider prefix.
Error ParseBedrockError(int http_status, std::string_view body,
                        std::string_view error_type_header);

// An Error for an in-stream exception message (":message-type" exception).
Error StreamException(std::string_view exception_type,
                      std::string_view payload);

}  // namespace across::bedrock
