// The Anthropic Messages dialect of the mock upstream.
//
//   POST …/messages (any prefix; query ignored)
//   - With --require_key=KEY the key must come raw in `x-api-key` (401
//     authentication_error "invalid x-api-key" otherwise).
//   - 400 invalid_request_error, Anthropic-shaped, for a missing
//     `anthropic-version` header, a body that isn't JSON, a missing `model`,
//     a missing or non-positive `max_tokens`, missing/empty `messages`, or a
//     message whose role is not user/assistant (system prompts belong in the
//     top-level `system`).
//   - The answer is one text block "mock: <text of the last user turn>" (its
//     text blocks joined with a space, tool_result contents included), or
//     "w0 … w{N-1}" with x-mock-words. stop_sequences cut it before the
//     earliest match (stop_reason "stop_sequence", "stop_sequence" set);
//     more words than max_tokens cut it to max_tokens words ("max_tokens").
//   - Tools given, tool_choice not {"type":"none"} and "weather" in the last
//     user turn: one tool_use block (id toolu_mock_<N>_0, the first tool's
//     name, input {"city":"Paris"}), stop_reason "tool_use". With "weather
//     twice": a text block "Checking both cities." then two tool_use blocks
//     (_0 Paris, _1 London; the second uses the second tool if there is one).
//   - Usage: input_tokens = words of system and messages, except system text
//     blocks with cache_control, whose words are cache_read_input_tokens;
//     output_tokens = words of the answer (tool inputs count their words).
//   - "stream": true → text/event-stream, chunked, one event per write, each
//     "event: <type>\ndata: <json>\n\n": message_start, then per block
//     content_block_start / deltas / content_block_stop (a ping after the
//     first block start; text streams one word per text_delta, each with the
//     whitespace before it; tool inputs stream as input_json_delta pieces
//     "", "{\"city\": ", "\"Paris\"}"), message_delta (stop_reason,
//     output_tokens), message_stop.
//
// Faults: the shared ones (README.md). Error statuses render as
// {"type":"error","error":{"type","message"},"request_id":"req_mock"} with
// Anthropic's types (529 overloaded_error, 413 request_too_large, 402
// billing_error, 504 timeout_error, other 5xx api_error). x-mock-stream-error
// sends `event: error` (overloaded_error "mock mid-stream error") after the
// first content delta; x-mock-garbage sends a message_start whose data is
// not JSON, then message_stop.
//
// Wire format from https://platform.claude.com/docs/en/api/messages,
// https://platform.claude.com/docs/en/build-with-claude/streaming and
// https://platform.claude.com/docs/en/api/errors.
#pragma once

#include <memory>

#include "tests/mock_upstream/dialect.h"

namespace across::mock {

std::unique_ptr<Dialect> MakeAnthropicDialect();

}  // namespace across::mock
