// The Google Gemini API (AI Studio, v1beta) wire format, for the adapter in
// providers/gemini. Paths match on their suffix (any prefix, e.g. /v1beta):
//
//   POST …/models/{m}:generateContent — one candidate whose text is
//     "mock: <text of the last user turn>" (its text parts joined with one
//     space), finishReason STOP; usageMetadata counts whitespace-separated
//     words (prompt = every text part, systemInstruction included);
//     modelVersion = {m}; responseId = "mock-<request number>".
//     generationConfig.maxOutputTokens below the answer's length cuts it to
//     that many words with finishReason MAX_TOKENS. With tools whose first
//     functionDeclarations entry names a function, toolConfig mode not NONE
//     and "weather" (any case) in the user text: one functionCall part
//     {name, args {"city":"Paris"}} instead of text.
//   POST …/models/{m}:streamGenerateContent?alt=sse — the same answer as
//     SSE events, one per word (each word with the whitespace before it);
//     the last carries finishReason and the final usage, the others usage
//     with the prompt count only (as Google sends running totals). A
//     function call is a single event. No [DONE]. Without alt=sse: one JSON
//     array of those payloads, as Google does.
//   POST …/models/{m}:embedContent — {"embedding":{"values":[...]}};
//   POST …/models/{m}:batchEmbedContents — {"embeddings":[...]}, one per
//     request. Dimension = outputDimensionality or 8; values are the OpenAI
//     dialect's deterministic unit vectors for the same text.
//
// Errors are Google-shaped: {"error":{"code":N,"message":...,"status":
// "RESOURCE_EXHAUSTED"}}. With --require_key the key must arrive in
// x-goog-api-key (or ?key=); otherwise 401 with Google's API_KEY_INVALID
// body. The shared faults apply; x-mock-stream-error sends
// {"error":{"code":500,...,"status":"INTERNAL"}} after the first event, and
// x-mock-garbage sends "data: {not json" with nothing after it.
#pragma once

#include <memory>

#include "tests/mock_upstream/dialect.h"

namespace across::mock {

std::unique_ptr<Dialect> MakeGeminiDialect();

}  // namespace across::mock
