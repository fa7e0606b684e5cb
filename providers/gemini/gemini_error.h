// Gemini (Google API) errors → the gateway's Error. Google APIs answer
//   {"error": {"code": 429, "message": "...", "status": "RESOURCE_EXHAUSTED",
//              "details": [...]}}
// (wrapped in a one-element array by streamGenerateContent without alt=sse).
// The HTTP status is kept, the message is prefixed with the provider id and
// the Google status becomes Error::code. Two refinements:
//   - an invalid API key is a 400 with reason API_KEY_INVALID upstream; it
//     is reported as 401 authentication_error so clients and retry policies
//     see an auth failure;
//   - a google.rpc.RetryInfo detail ("retryDelay": "37s") becomes
//     Error::retry_after.
//
// Reference: https://ai.google.dev/gemini-api/docs/troubleshooting,
// https://cloud.google.com/apis/design/errors
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "gateway/common/error.h"

namespace across::gemini {

// A non-2xx upstream answer. Bodies that are not Google-shaped keep a short
// excerpt of their text.
Error ParseUpstreamError(int http_status, std::string_view body,
                         std::string_view provider_id);

// The "error" member of a payload met inside a 200 stream. Its "code", when
// it is an HTTP error status, is the status; otherwise 502.
Error ErrorFromObject(const boost::json::object& error, int fallback_status,
                      std::string_view provider_id);

// Removes `secret` (when 8+ bytes: shorter strings would redact ordinary
// words) and the value of any "key=" URL parameter from `message`: Google
// error texts can quote the request URL, and keys may travel as ?key=.
void RedactSecrets(std::string& message, std::string_view secret);

}  // namespace across::gemini
