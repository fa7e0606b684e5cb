// The JSON of a Converse response → ChatResponse, plus the stop-reason and
// usage mappings shared with the stream translator. Pure.
//
// Reference:
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
// and
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"

namespace across::bedrock {

namespace json = boost::json;
namespace v1 = ::across::gateway::v1;

// end_turn, stop_sequence → stop; max_tokens, model_context_window_exceeded
// → length; tool_use → tool_calls; guardrail_intervened, content_filtered →
// content_filter; anything else → stop.
v1::FinishReason FinishReasonFromStopReason(std::string_view stop_reason);

// {"inputTokens","outputTokens","totalTokens","cacheReadInputTokens",
// "cacheWriteInputTokens"} → Usage. Bedrock counts cached prompt tokens
// apart from inputTokens; prompt_tokens here includes them (OpenAI's
// meaning), with cached_tokens / cache_creation_tokens saying how many.
v1::Usage ParseUsage(const json::object& usage);

// output.message.content (text, toolUse, reasoningContent), stopReason and
// usage → one choice. id, created, model and provider are left empty for the
// caller. Errors are 502s without a provider prefix.
Result<v1::ChatResponse> ParseConverseResponse(std::string_view body);

}  // namespace across::bedrock
