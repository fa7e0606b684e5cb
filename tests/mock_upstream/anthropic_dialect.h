// The Anthropic Messages dialect: POST …/messages, unary and SSE with named
// events, Anthropic-shaped errors, the key in `x-api-key`, and a required
// `anthropic-version` header. See README.md ("Anthropic dialect").
#pragma once

#include <memory>

#include "tests/mock_upstream/dialect.h"

namespace across::mock {

std::unique_ptr<Dialect> MakeAnthropicDialect();

}  // namespace across::mock
