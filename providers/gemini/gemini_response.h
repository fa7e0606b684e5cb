// Gemini GenerateContentResponse / embeddings → gateway responses.
//
//   candidates[i]                  → choices[i] (index from candidate.index)
//   content.parts[].text           → message.content, concatenated
//   parts with "thought": true     → message.reasoning_content
//   parts[].functionCall           → tool_calls ("call_<n>", arguments = the
//                                    JSON text of args; see gemini_tool_ids.h)
//   finishReason STOP → stop (tool_calls when the candidate called
//   functions), MAX_TOKENS → length, SAFETY / RECITATION / BLOCKLIST /
//   PROHIBITED_CONTENT / SPII / IMAGE_* / MODEL_ARMOR → content_filter,
//   anything else (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, ...) → stop.
//   usageMetadata: prompt_tokens = promptTokenCount (+
//   toolUsePromptTokenCount), completion_tokens = candidatesTokenCount +
//   thoughtsTokenCount (OpenAI counts reasoning inside completion tokens),
//   total_tokens = totalTokenCount, cached_tokens = cachedContentTokenCount,
//   reasoning_tokens = thoughtsTokenCount.
//
// A prompt Gemini refuses to answer comes back as 200 with no candidates and
// promptFeedback.blockReason. That is reported as a normal completion with
// one empty choice, finish_reason content_filter and a refusal naming the
// reason, the way OpenAI reports filtered output, so clients that handle
// content_filter need no Gemini-specific error path.
//
// Reference:
// https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"

namespace across::gemini {

namespace v1 = ::across::gateway::v1;

// What a candidate's parts add up to.
struct PartsText {
  std::string text;
  std::string reasoning;
  std::vector<v1::ToolCall> tool_calls;  // index = position in this list
};

// Reads `content.parts`; tool-call ids continue from `next_call`.
void ReadParts(const boost::json::object* content, int& next_call,
               PartsText& out);

v1::FinishReason MapFinishReason(std::string_view reason, bool tool_calls);

void ReadUsage(const boost::json::object& usage_metadata, v1::Usage* usage);

// The refusal text for a blocked prompt.
std::string BlockedPromptRefusal(std::string_view block_reason);

// Values a response does not carry itself.
struct ResponseDefaults {
  std::string id;  // used when the body has no responseId
  int64_t created = 0;
  std::string model;  // used when the body has no modelVersion
};

// A generateContent body. `provider_id` prefixes error messages.
Result<v1::ChatResponse> ParseChatResponse(std::string_view body,
                                           const ResponseDefaults& defaults,
                                           std::string_view provider_id);

// An embedContent ({"embedding": {...}}) or batchEmbedContents
// ({"embeddings": [...]}) body with `inputs` vectors. Usage is not reported
// by Gemini and stays 0.
Result<v1::EmbedResponse> ParseEmbedResponse(std::string_view body, int inputs,
                                             std::string_view provider_id);

}  // namespace across::gemini
