// The AWS Bedrock Runtime wire format:
//   POST …/model/{modelId}/converse         Converse (JSON)
//   POST …/model/{modelId}/converse-stream  ConverseStream (binary
//        application/vnd.amazon.eventstream frames with correct CRCs)
//   POST …/model/{modelId}/invoke           InvokeModel for Titan
//        ({"inputText"}) and Cohere ({"texts"}) embeddings
// Errors are {"message": "..."} with the exception name in x-amzn-ErrorType.
// With --require_key=KEY a request must carry a SigV4 Authorization header
// ("AWS4-HMAC-SHA256 Credential=KEY/...") and X-Amz-Date; the signature
// itself is not verified.
//
// Faults: the gateway puts unknown parameters into Converse's
// additionalModelRequestFields, so a "mock" object found there is honoured
// like a top-level one (status, latency, reset and fail-first included).
#pragma once

#include <memory>

#include "tests/mock_upstream/dialect.h"

namespace across::mock {

std::unique_ptr<Dialect> MakeBedrockDialect();

}  // namespace across::mock
