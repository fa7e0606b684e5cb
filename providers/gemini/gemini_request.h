// Gateway requests (gateway.proto, OpenAI-shaped) → Gemini REST request
// bodies: models.generateContent / streamGenerateContent and
// models.embedContent / batchEmbedContents.
//
// Chat mapping:
//   system and developer messages → systemInstruction.parts[].text
//   user → "user", assistant → "model"; consecutive turns of one role merge
//   text → {"text"}; data: URL → {"inlineData": {mimeType, data}};
//   http(s):// and gs:// URLs → {"fileData": {mimeType, fileUri}} (MIME type
//   guessed from the extension, image/jpeg when unknown)
//   assistant tool_calls → {"functionCall": {name, args}} (+ thoughtSignature,
//   see gemini_tool_ids.h); tool messages → {"functionResponse": {name,
//   response}} in a user turn, the name found by tool_call_id. A tool result
//   that is a JSON object is the response itself; anything else is wrapped
//   as {"output": ...}, the key Gemini documents for function output.
//   tools → tools[0].functionDeclarations (schemas via SanitizeSchema)
//   tool_choice none/auto/required/function → toolConfig.
//   functionCallingConfig {mode NONE/AUTO/ANY, allowedFunctionNames}
//   temperature, top_p, max_completion_tokens (else max_tokens), stop, n,
//   seed, presence/frequency_penalty, response_format → generationConfig
// Ignored (no Gemini equivalent): name, user, metadata, logit_bias,
// logprobs, parallel_tool_calls, strict, image detail, reasoning_effort.
// extra_params are merged into the top level (a "generationConfig" object
// in them is merged key by key); typed fields win.
//
// References: https://ai.google.dev/api/generate-content,
// https://ai.google.dev/gemini-api/docs/function-calling,
// https://ai.google.dev/api/embeddings
#pragma once

#include <string>
#include <string_view>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"

namespace across::gemini {

namespace v1 = ::across::gateway::v1;

// "models/gemini-2.0-flash" for "gemini-2.0-flash"; a name that already has
// its collection ("models/...", "tunedModels/...") is kept.
std::string ModelResource(std::string_view model);

// The REST path of a model method relative to the base URL, e.g.
// "/models/gemini-2.0-flash:generateContent". Characters outside the URL
// path alphabet are percent-encoded so a model name cannot add a query.
std::string MethodPath(std::string_view model, std::string_view method);

// The generateContent body. Errors are 400s naming the message at fault.
Result<std::string> BuildChatRequestBody(const v1::ChatRequest& request);

// The embedContent body for one input, batchEmbedContents for several.
bool IsBatchEmbed(const v1::EmbedRequest& request);
Result<std::string> BuildEmbedRequestBody(const v1::EmbedRequest& request,
                                          std::string_view model);

}  // namespace across::gemini
