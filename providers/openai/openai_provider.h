// The adapter for OpenAI and every OpenAI-compatible service (Groq, Together,
// vLLM, Ollama, ...): Chat Completions and Embeddings over the worker's
// HttpClient, streaming via SSE. The API key is only ever placed in the
// outgoing auth header; it never appears in errors or logs.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "across/config/v1/config.pb.h"
#include "gateway/upstream/http_client.h"
#include "providers/provider.h"

namespace across {

class OpenAiProvider final : public Provider {
 public:
  OpenAiProvider(::across::config::v1::ProviderConfig config,
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
  // Prefixes the provider id (once) and scrubs any key in use from the
  // message.
  Error Named(Error error, const UpstreamCall& call) const;

  ::across::config::v1::ProviderConfig config_;
  std::string api_key_;
  ProviderInfo info_;
};

// The upstream's retry hint: "retry-after-ms" (milliseconds, OpenAI) wins
// over "retry-after" (delta-seconds or an HTTP-date). nullopt when absent or
// unparsable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view retry_after_ms, std::string_view retry_after,
    std::chrono::system_clock::time_point now =
        std::chrono::system_clock::now());

}  // namespace across
