// The adapter for Google's Gemini API (AI Studio, generativelanguage
// .googleapis.com/v1beta): chat via models.generateContent, streaming via
// models.streamGenerateContent?alt=sse, embeddings via models.embedContent
// (one input) and models.batchEmbedContents (several). The translation
// itself lives in gemini_request / gemini_response / gemini_stream; this
// class does the HTTP exchange.
//
// The key travels in the `x-goog-api-key` header (Google's documented
// alternative to ?key=), never in the URL, so it cannot reach logs through
// a URL; error messages are scrubbed of it anyway (gemini_error.h). With
// auth_header "authorization" the credential is sent as a Bearer token
// instead (OAuth access tokens).
#pragma once

#include <string>
#include <string_view>

#include "across/config/v1/config.pb.h"
#include "gateway/upstream/http_client.h"
#include "providers/provider.h"

namespace across {

class GeminiProvider final : public Provider {
 public:
  GeminiProvider(::across::config::v1::ProviderConfig config,
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
  Error UpstreamFailure(const UpstreamResponse& response,
                        const UpstreamCall& call) const;
  // Prefixes the provider id (once) and scrubs credentials.
  Error Named(Error error, const UpstreamCall& call) const;

  ::across::config::v1::ProviderConfig config_;
  std::string api_key_;
  ProviderInfo info_;
};

}  // namespace across
