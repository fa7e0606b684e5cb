// Bedrock embeddings through InvokeModel (POST /model/{modelId}/invoke),
// whose body is the model family's own format. Pure builders and parsers.
//
// Titan Text Embeddings (amazon.titan-embed-*): one input per call.
//   {"inputText": "...", "dimensions": 512?} → {"embedding": [...],
//   "inputTextTokenCount": N}
//   https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
// Cohere Embed (cohere.embed-*): a batch per call.
//   {"texts": [...], "input_type": "search_document"} →
//   {"embeddings": [[...], ...]} (or {"embeddings": {"float": [[...]]}})
//   https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"

namespace across::bedrock {

namespace v1 = ::across::gateway::v1;

enum class EmbedFamily { kTitan, kCohere, kUnsupported };

// By model id; inference-profile prefixes ("us.") and ARNs
// (".../amazon.titan-embed-text-v2:0") are recognised too.
EmbedFamily EmbedFamilyOf(std::string_view model);

// Titan: the body for input `index` of the request. extra_params keys
// (e.g. "normalize") are merged in; typed fields win.
std::string BuildTitanEmbedBody(const v1::EmbedRequest& request, int index);

struct TitanEmbedding {
  std::vector<float> embedding;
  int tokens = 0;
};
// Errors are 502s without a provider prefix.
Result<TitanEmbedding> ParseTitanEmbedResponse(std::string_view body);

// Cohere: every input in one body. "input_type" defaults to
// "search_document"; dimensions → "output_dimension" (Embed v4).
std::string BuildCohereEmbedBody(const v1::EmbedRequest& request);
// Vectors in input order (no usage: Cohere on Bedrock reports none in the
// body; the caller may take it from X-Amzn-Bedrock-Input-Token-Count).
Result<v1::EmbedResponse> ParseCohereEmbedResponse(std::string_view body);

}  // namespace across::bedrock
