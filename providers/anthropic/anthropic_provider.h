// The adapter for Anthropic's Messages API (POST {base_url}/messages):
// requests and answers translated by anthropic_wire, streams by
// StreamTranslator. Auth: the key goes raw in `x-api-key` (or the configured
// auth_header), with `anthropic-version` from api_version (default
// 2023-06-01). The key never appears in errors or logs. Embeddings are not
// part of the API: Embed answers 501.
#pragma once

#include <string>
#include <string_view>

#include "across/config/v1/config.pb.h"
#include "gateway/upstream/http_client.h"
#include "providers/provider.h"

namespace across {

class AnthropicProvider final : public Provider {
 public:
  AnthropicProvider(::across::config::v1::ProviderConfig config,
                    std::string api_key);

  const ProviderInfo& info() const override { return info_; }

  asio::awaitable<Result<v1::ChatResponse>> Chat(
      UpstreamCall& call, const v1::ChatRequest& request) override;
  asio::awaitable<Status> ChatStream(UpstreamCall& call,
                                     const v1::ChatRequest& request,
                                     ChunkSink& sink) override;
  asio::awaitable<Result<v1::EmbedResponse>> Embed(
      UpstreamCall& call, const v1::EmbedRequest& request) override;

  // The upstream request (URL, headers, body) for a chat call; exposed for
  // tests.
  Result<UpstreamRequest> BuildRequest(const UpstreamCall& call,
                                       const v1::ChatRequest& request,
                                       bool stream) const;

 private:
  // An Error for a non-2xx upstream answer, with the Retry-After hint.
  Error UpstreamFailure(const UpstreamResponse& response,
                        const UpstreamCall& call) const;
  // Prefixes the provider id (once) and scrubs any key in use.
  Error Named(Error error, const UpstreamCall& call) const;

  ::across::config::v1::ProviderConfig config_;
  std::string api_key_;
  ProviderInfo info_;
};

}  // namespace across
