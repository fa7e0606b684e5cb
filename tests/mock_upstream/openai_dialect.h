// The OpenAI wire format: Chat Completions (unary and SSE), Embeddings and
// Models, with OpenAI-shaped errors. Paths match on suffix, so any prefix
// works ("/v1/chat/completions", "/openai/v1/chat/completions",
// "/openai/deployments/d/chat/completions").
#pragma once

#include <memory>

#include "tests/mock_upstream/dialect.h"

namespace across::mock {

std::unique_ptr<Dialect> MakeOpenAiDialect();

}  // namespace across::mock
