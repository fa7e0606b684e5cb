// Azure OpenAI: the OpenAI wire format behind Azure's URL layout and auth.
// Request and response bodies are OpenAI's, so this adapter is an
// OpenAiProvider with Azure's endpoint paths; it only decides where requests
// go. Two layouts:
//   deployments (default): {base}/openai/deployments/{deployment}/
//       chat/completions?api-version={api_version}, where the deployment is
//       the upstream model name;
//   v1 (base_url ends with "/openai/v1"): {base}/chat/completions with the
//       deployment in the body's "model", no api-version.
// Auth: `api-key: <key>` (auth_header "api-key", the default for this type)
// or a Microsoft Entra ID token (auth_header "authorization" → Bearer).
// Content-filter outcomes arrive in OpenAI's shapes (finish_reason
// "content_filter"; a 400 whose error code is "content_filter") and map
// through unchanged.
//
// Reference: https://learn.microsoft.com/azure/ai-foundry/openai/reference
// and https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle
#pragma once

#include <string>
#include <string_view>

#include "across/config/v1/config.pb.h"
#include "providers/openai/openai_provider.h"
#include "providers/provider.h"

namespace across {

// The latest GA data-plane inference api-version, used when the config
// leaves api_version empty.
inline constexpr std::string_view kAzureDefaultApiVersion = "2024-10-21";

// True when `base_url` selects the v1 layout: it ends with "/openai/v1"
// (a trailing slash is allowed).
bool IsAzureV1BaseUrl(std::string_view base_url);

// The path (and query) appended to cfg.base_url for `operation`
// ("chat/completions" or "embeddings") on `deployment`, in the layout the
// base URL selects. The deployment name is percent-encoded as one path
// segment. A resource URL that already ends in "/openai" is accepted.
std::string AzureOpenAiPath(const ::across::config::v1::ProviderConfig& cfg,
                            std::string_view operation,
                            std::string_view deployment);

class AzureOpenAiProvider final : public Provider {
 public:
  AzureOpenAiProvider(::across::config::v1::ProviderConfig config,
                      std::string api_key);

  const ProviderInfo& info() const override { return info_; }

  asio::awaitable<Result<v1::ChatResponse>> Chat(
      UpstreamCall& call, const v1::ChatRequest& request) override;
  asio::awaitable<Status> ChatStream(UpstreamCall& call,
                                     const v1::ChatRequest& request,
                                     ChunkSink& sink) override;
  asio::awaitable<Result<v1::EmbedResponse>> Embed(
      UpstreamCall& call, const v1::EmbedRequest& request) override;

 private:
  ProviderInfo info_;
  OpenAiProvider openai_;  // does the HTTP work with Azure's paths
};

}  // namespace across
