// Cohere's v2 wire format (Chat, Chat streaming events, Embed, errors) ⇄
// gateway.proto. Pure functions and one stream-translation state machine, so
// the translation is testable without a network.
//
// References:
//   https://docs.cohere.com/reference/chat          (POST /v2/chat)
//   https://docs.cohere.com/reference/chat-stream   (stream events)
//   https://docs.cohere.com/docs/streaming
//   https://docs.cohere.com/docs/tool-use-streaming
//   https://docs.cohere.com/reference/embed         (POST /v2/embed)
//   https://docs.cohere.com/reference/errors
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"

namespace across::cohere {

namespace v1 = ::across::gateway::v1;

// ---- Chat -----------------------------------------------------------------

// The POST /v2/chat body for `request`, sending `model` upstream.
// extra_params are merged in first and typed fields override them (so
// Cohere-only parameters such as "k", "safety_mode", "documents" or
// "thinking" pass through). Mapping:
//   system/developer → "system"; user parts → text / image_url blocks;
//   assistant tool_calls → tool_calls (reasoning_content → tool_plan);
//   tool → {"role":"tool","tool_call_id","content"};
//   top_p → p; max_completion_tokens (else max_tokens) → max_tokens;
//   stop → stop_sequences; tool_choice none/required → NONE/REQUIRED (a
//   forced function keeps only that tool and sets REQUIRED); strict tools →
//   strict_tools; response_format json_object/json_schema →
//   {"type":"json_object"[,"json_schema":…]}.
// Fails with a 400 for what Cohere cannot express (n > 1, unknown roles).
Result<std::string> BuildChatRequestBody(const v1::ChatRequest& request,
                                         std::string_view model, bool stream);

// Cohere's finish_reason → ours. COMPLETE/STOP_SEQUENCE → stop,
// MAX_TOKENS/ERROR_LIMIT → length, TOOL_CALL → tool_calls,
// CONTENT_BLOCKED/ERROR_TOXIC → content_filter; anything else (ERROR,
// TIMEOUT, unknown) → unspecified. Case-insensitive.
v1::FinishReason FinishReasonFromCohere(std::string_view reason);

// A non-streamed chat response. `model` fills ChatResponse.model (Cohere
// does not echo it). A finish_reason of ERROR becomes a 502 and TIMEOUT a
// 504; the message names the upstream's reason. Messages are not prefixed.
Result<v1::ChatResponse> ParseChatResponse(std::string_view body,
                                           std::string_view model);

// Translates the v2 chat stream, one SSE event at a time, into chunks:
//   message-start     → role chunk (id taken from the event)
//   content-delta     → content (or reasoning_content for thinking blocks)
//   tool-plan-delta   → reasoning_content
//   tool-call-start   → tool call with index, id, type and name
//   tool-call-delta   → arguments fragment for the same index
//   message-end       → finish chunk, then a usage-only chunk (choices [])
//   [DONE]            → end
// content-start/end, tool-call-end and citation events carry nothing for
// the client. An "error" event, a payload with a top-level message but no
// type, or message-end with finish_reason ERROR/TIMEOUT fail the stream.
class StreamTranslator {
 public:
  StreamTranslator(std::string model, int64_t created);

  // Appends the chunks for one event (its "event:" name and "data:"
  // payload) to `out`. Returns an Error (message not prefixed) when the
  // stream failed or a payload is malformed; further events are then
  // ignored.
  Status OnEvent(std::string_view event, std::string_view data,
                 std::vector<v1::ChatChunk>* out);

  // True once message-end (or [DONE]) arrived: the stream is complete.
  bool done() const { return done_; }

 private:
  v1::ChatChunk NewChunk() const;
  // Our tool-call index for Cohere's event index (assigned on start).
  int32_t ToolIndex(int64_t cohere_index);

  std::string model_;
  int64_t created_;
  std::string id_;
  // Cohere's content-block index → true for thinking blocks.
  std::map<int64_t, bool> thinking_blocks_;
  std::map<int64_t, int32_t> tool_indexes_;
  int64_t last_tool_key_ = -1;
  bool done_ = false;
  bool failed_ = false;
};

// ---- Embed ----------------------------------------------------------------

// The POST /v2/embed body: {"model","texts","input_type","embedding_types":
// ["float"],"output_dimension"?}. input_type defaults to "search_document";
// extra_params (e.g. "input_type": "search_query", "truncate") override the
// defaults.
std::string BuildEmbedRequestBody(const v1::EmbedRequest& request,
                                  std::string_view model);

// embeddings.float[i] → data[i]; meta.billed_units.input_tokens → usage.
Result<v1::EmbedResponse> ParseEmbedResponse(std::string_view body,
                                             std::string_view model);

// ---- Errors ---------------------------------------------------------------

// An upstream error body ({"id":…,"message":…}, or anything else) as an
// Error with the upstream's status and "<provider_id>: " before the message.
Error ParseError(int http_status, std::string_view body,
                 std::string_view provider_id);

}  // namespace across::cohere
