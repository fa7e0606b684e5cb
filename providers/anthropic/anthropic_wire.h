// The Anthropic Messages API wire format (POST /v1/messages) ⇄ gateway.proto:
// request bodies, whole responses, stop reasons, usage and error bodies.
// Pure functions, so the translation is tested without a network.
//
// References:
//   https://platform.claude.com/docs/en/api/messages     (request, response)
//   https://platform.claude.com/docs/en/api/errors       (error shapes)
//   https://platform.claude.com/docs/en/build-with-claude/vision  (images)
//   https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"

namespace across::anthropic {

namespace v1 = ::across::gateway::v1;

// The anthropic-version header sent when the config names none.
inline constexpr std::string_view kDefaultApiVersion = "2023-06-01";
// max_tokens when neither the request nor the config gives one.
inline constexpr int32_t kDefaultMaxTokens = 4096;

struct BuildOptions {
  // Model name sent upstream (replaces request.model).
  std::string_view model;
  // Adds "stream": true.
  bool stream = false;
  // max_tokens when the request has neither max_tokens nor
  // max_completion_tokens; <= 0 means kDefaultMaxTokens.
  int32_t default_max_tokens = 0;
};

// Writes the Messages request body:
//   - system and developer messages → top-level "system" (a string, or an
//     array of text blocks when there are several);
//   - tool messages → user turns of tool_result blocks (tool_use_id);
//   - assistant tool_calls → tool_use blocks (input parsed from arguments);
//   - images: data URLs → base64 sources, http(s) URLs → url sources;
//   - consecutive turns of the same role are merged into one;
//   - max_tokens = max_completion_tokens, else max_tokens, else the
//     default; stop → stop_sequences; tools → {name, description,
//     input_schema}; tool_choice none/auto/required/function →
//     none/auto/any/tool; parallel_tool_calls=false →
//     disable_parallel_tool_use; user → metadata.user_id.
// OpenAI-only knobs with no Messages equivalent (n, seed, penalties,
// logprobs, logit_bias, response_format, reasoning_effort, metadata map)
// are not sent. extra_params keys are merged in unless a typed field wrote
// the same key, so "top_k", "thinking", a cache_control'd "system" array or
// a "max_tokens" replacing the default all pass through.
// Errors are 400s naming the offending parameter (e.g. an image URL that is
// neither a base64 data URL nor http(s), or tool-call arguments that are not
// a JSON object).
Result<std::string> BuildRequestBody(const v1::ChatRequest& request,
                                     const BuildOptions& options);

// Parses a 200 Message object. Text blocks are concatenated into content,
// tool_use blocks become tool_calls (arguments = the input as JSON text),
// thinking blocks become reasoning_content. `created` is left 0 (the API
// has no timestamp) and `provider` empty: the caller fills both.
Result<v1::ChatResponse> ParseResponse(std::string_view body);

// end_turn, stop_sequence, pause_turn → stop; max_tokens,
// model_context_window_exceeded → length; tool_use → tool_calls;
// refusal → content_filter; anything else → unspecified.
v1::FinishReason MapStopReason(std::string_view stop_reason);

// Reads a usage object into `out`. prompt_tokens counts every input token,
// OpenAI style: input_tokens + cache_read_input_tokens +
// cache_creation_input_tokens (Anthropic's input_tokens excludes the
// cached ones); cached_tokens = cache_read_input_tokens,
// cache_creation_tokens = cache_creation_input_tokens.
struct UsageCounts {
  int32_t input = 0;
  int32_t output = 0;
  int32_t cache_read = 0;
  int32_t cache_creation = 0;
};
void FillUsage(const UsageCounts& counts, v1::Usage* out);

// The Error for a non-2xx answer: {"type":"error","error":{"type",
// "message"}} (or any other body: an excerpt becomes the message). The
// message is prefixed with "<provider_id>: ". 529 (overloaded) becomes 503
// so that default retry and fallback policies treat it as the transient
// overload it is; the Anthropic type survives in Error::code when it has no
// OpenAI equivalent (overloaded_error, request_too_large, billing_error).
Error ParseError(int http_status, std::string_view body,
                 std::string_view provider_id);

// The Error for an `event: error` that arrives after a 200: the status
// follows the error type (overloaded_error → 503, rate_limit_error → 429,
// api_error → 500, ...; unknown → 502).
Error ParseStreamError(std::string_view data, std::string_view provider_id);

// HTTP status for an Anthropic error type, or 0 when unknown.
int StatusForErrorType(std::string_view type);

}  // namespace across::anthropic
