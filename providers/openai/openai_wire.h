// The OpenAI wire format (Chat Completions, Embeddings, Models, errors) as
// JSON ⇄ gateway.proto, in both directions. One codec serves both sides of
// the gateway: the HTTP front end parses client requests and writes
// responses with it, and the OpenAI-family provider writes upstream requests
// and parses upstream responses with it.
//
// Reference: https://platform.openai.com/docs/api-reference/chat
#pragma once

#include <string>
#include <string_view>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"

namespace across::openai {

namespace v1 = ::across::gateway::v1;

// ---- Requests ------------------------------------------------------------

// A parsed POST /v1/chat/completions body.
struct ParsedChatRequest {
  v1::ChatRequest request;
  bool stream = false;
};

// Parses a client's Chat Completions request. Unknown top-level keys go to
// request.extra_params untouched. Errors are 400s naming the offending
// parameter (Error::param), e.g. "messages[2].role".
Result<ParsedChatRequest> ParseChatRequest(std::string_view json);

// Writes the upstream request body. `model` replaces request.model; when
// `stream` is true, adds "stream": true and
// "stream_options": {"include_usage": true}. extra_params keys are merged in
// first, typed fields override them.
std::string SerializeChatRequest(const v1::ChatRequest& request,
                                 std::string_view model, bool stream);

// POST /v1/embeddings body ("input" may be a string or an array of strings).
Result<v1::EmbedRequest> ParseEmbedRequest(std::string_view json);
std::string SerializeEmbedRequest(const v1::EmbedRequest& request,
                                  std::string_view model);

// ---- Responses -----------------------------------------------------------

// A chat.completion object.
Result<v1::ChatResponse> ParseChatResponse(std::string_view json);
std::string SerializeChatResponse(const v1::ChatResponse& response);

// One chat.completion.chunk object (the JSON inside an SSE "data:" line).
Result<v1::ChatChunk> ParseChatChunk(std::string_view json);
std::string SerializeChatChunk(const v1::ChatChunk& chunk);

// An embeddings "list" object. `base64` encodes each vector as base64 of
// little-endian float32 (encoding_format "base64").
Result<v1::EmbedResponse> ParseEmbedResponse(std::string_view json);
std::string SerializeEmbedResponse(const v1::EmbedResponse& response,
                                   bool base64);

// GET /v1/models "list" object.
std::string SerializeModelList(const v1::ListModelsResponse& models);

// ---- Errors --------------------------------------------------------------

// {"error":{"message":...,"type":...,"param":...,"code":...}}; param and code
// are null when empty.
std::string SerializeError(const Error& error);

// Reads an upstream error body (OpenAI shape, or anything else: the raw text,
// truncated, becomes the message). The message is prefixed with
// "<provider_id>: ". The status is the upstream's.
Error ParseUpstreamError(int http_status, std::string_view body,
                         std::string_view provider_id);

// ---- Enum names ----------------------------------------------------------

std::string_view RoleName(v1::Role role);          // "user", ...
v1::Role RoleFromName(std::string_view name);      // ROLE_UNSPECIFIED if unknown
std::string_view FinishReasonName(v1::FinishReason reason);  // "" if unset
v1::FinishReason FinishReasonFromName(std::string_view name);

}  // namespace across::openai
