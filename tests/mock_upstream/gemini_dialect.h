// The Google Gemini API (AI Studio, v1beta) wire format:
//   POST …/models/{model}:generateContent
//   POST …/models/{model}:streamGenerateContent[?alt=sse]
//   POST …/models/{model}:embedContent
//   POST …/models/{model}:batchEmbedContents
// with Google-shaped errors ({"error":{"code","message","status"}}) and the
// key in `x-goog-api-key` (or `?key=`). See README.md for the answers.
#pragma once

#include <memory>

#include "tests/mock_upstream/dialect.h"

namespace across::mock {

std::unique_ptr<Dialect> MakeGeminiDialect();

}  // namespace across::mock
