// The adapter for Cohere's v2 API: POST {base}/chat (unary and SSE stream)
// and POST {base}/embed, with `Authorization: Bearer <key>`. The wire
// translation lives in cohere_wire.h; this class does the HTTP exchange,
// error mapping (message prefixed with the provider id, key redacted,
// Retry-After kept) and stream bookkeeping.
#pragma once

#include <string>
#include <string_view>

#include "across/config/v1/config.pb.h"
#include "gateway/upstream/http_client.h"
#include "providers/provider.h"

namespace across {

class CohereProvider final : public Provider {
 public:
  CohereProvider(::across::config::v1::ProviderConfig config,
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
  Result<UpstreamRequest> BuildRequest(const UpstreamCall& call,
                                       std::string_view path, std::string body,
                                       bool stream) const;
  // An Error for a non-2xx upstream answer, with the Retry-After hint.
  Error UpstreamFailure(const UpstreamResponse& response,
                        const UpstreamCall& call) const;
  // Prefixes the provider id (once) and scrubs the key in use.
  Error Named(Error error, const UpstreamCall& call) const;

  ::across::config::v1::ProviderConfig config_;
  std::string api_key_;
  ProviderInfo info_;
};

}  // namespace across
