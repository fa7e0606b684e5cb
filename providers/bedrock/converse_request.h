// ChatRequest → the JSON body of Bedrock's Converse / ConverseStream
// (POST /model/{modelId}/converse and /converse-stream; the model id goes
// in the path, not the body). Pure: no I/O, so tests can assert the body
// field by field.
//
// Reference:
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
//
// Mapping:
//   system / developer messages → "system": [{"text"}] (hoisted, in order)
//   user text and image parts   → {"text"}, {"image":{"format","source":
//                                   {"bytes": base64}}} (data URLs only)
//   assistant tool_calls        → {"toolUse":{"toolUseId","name","input"}}
//   tool messages               → user {"toolResult":{"toolUseId",
//                                   "content":[{"json"}|{"text"}]}}
//   consecutive same-role turns → merged (Bedrock requires alternation)
//   tools / tool_choice         → "toolConfig" ({"auto"}, {"any"},
//                                   {"tool":{"name"}}; "none" drops tools)
//   max_tokens, temperature, top_p, stop → "inferenceConfig"
//   metadata                    → "requestMetadata"
//   extra_params                → Converse's own top-level fields when the
//                                   key is one of them, else
//                                   "additionalModelRequestFields"
#pragma once

#include <string>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"

namespace across::bedrock {

namespace v1 = ::across::gateway::v1;

// The request body. `default_max_tokens` (> 0) is sent as maxTokens when the
// client gives neither max_tokens nor max_completion_tokens. Errors are 400s
// without a provider prefix (the caller adds it).
Result<std::string> BuildConverseBody(const v1::ChatRequest& request,
                                      int default_max_tokens);

}  // namespace across::bedrock
