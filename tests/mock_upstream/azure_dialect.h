// Azure OpenAI: the OpenAI wire format at Azure's paths, with Azure's auth
// and content filtering.
//
//   POST …/openai/deployments/{deployment}/chat/completions?api-version=V
//   POST …/openai/deployments/{deployment}/embeddings?api-version=V
//   POST …/openai/v1/chat/completions, …/openai/v1/embeddings
//
// Deployment paths without an api-version query get Azure's 404
// {"error":{"code":"404","message":"Resource not found"}}. With
// --require_key=KEY a request must carry `api-key: KEY` (or an Entra-style
// `Authorization: Bearer KEY`), else 401 in Azure's gateway shape. Bodies are
// served by the OpenAI dialect (the deployment becomes "model" when the body
// has none). Content filtering, by `x-mock-content-filter` or the "mock"
// field "content_filter":
//   prompt     → 400, error code "content_filter" (param "prompt", with
//                innererror.content_filter_result), as Azure's prompt filter;
//   completion → 200 with finish_reason "content_filter" and content null
//                (streams: a prompt_filter_results chunk with no choices,
//                the role chunk, the finish chunk, usage if asked, [DONE]).
#pragma once

#include <memory>

#include "tests/mock_upstream/dialect.h"

namespace across::mock {

std::unique_ptr<Dialect> MakeAzureDialect();

}  // namespace across::mock
