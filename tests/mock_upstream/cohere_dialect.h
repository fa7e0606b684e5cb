// Cohere's v2 API (https://docs.cohere.com/reference/chat,
// https://docs.cohere.com/reference/embed), answering like the OpenAI
// dialect does so tests can compare the two:
//
//   POST …/v2/chat   the assistant answers "mock: <last user text>" (or the
//                    x-mock-words answer) as one text block; usage counts
//                    words: billed_units = the words, tokens = billed + 7
//                    (Cohere's own prompt additions). finish_reason COMPLETE,
//                    MAX_TOKENS when max_tokens cuts the answer, STOP_SEQUENCE
//                    when a stop_sequences entry occurs (the answer stops
//                    before it). With tools, tool_choice not "NONE" and
//                    "weather" in the last user text: a tool_plan and one
//                    call of the first tool with {"city":"Paris"} (two calls,
//                    Paris and London, when the text also says "parallel"),
//                    finish_reason TOOL_CALL.
//                    "stream": true → SSE, each event "event: <type>" +
//                    "data: {…"type":"<type>"…}": message-start,
//                    content-start, one content-delta per word, content-end
//                    (or tool-plan-delta, then tool-call-start, two
//                    tool-call-delta argument pieces and tool-call-end per
//                    call), message-end with finish_reason and usage, then
//                    "data: [DONE]". x-mock-stream-error sends message-end
//                    with finish_reason ERROR and an "error" text after the
//                    first content event.
//   POST …/v2/embed  embeddings_by_type with "float" vectors (dimension =
//                    output_dimension or 8, deterministic per text,
//                    L2-normalized); meta.billed_units.input_tokens = words.
//                    A missing input_type is a 400, as for v3+ models.
//
// Errors are Cohere's {"id":"…","message":"…"}; with --require_key=KEY a
// request must carry "Authorization: Bearer KEY".
#pragma once

#include <memory>

#include "tests/mock_upstream/dialect.h"

namespace across::mock {

std::unique_ptr<Dialect> MakeCohereDialect();

}  // namespace across::mock
