// The adapter for OpenAI and every OpenAI-compatible service (Groq, Together,
// vLLM, Ollama, ...): Chat Completions and Embeddings over the worker's
// HttpClient, streaming via SSE. The API key is only ever placed in the
// outgoing auth header; it never appears in errors or logs.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "across/config/v1/config.pb.h"
#include "gateway/upstream/http_client.h"
#include "providers/provider.h"

namespace across {

// Where an OpenAI-wire-format service keeps its endpoints. Services that
// take OpenAI's bodies but lay out their URLs differently (Azure OpenAI's
// /openai/deployments/{deployment}/chat/completions?api-version=...) set
// `path`; unset means OpenAI's own layout, base_url + "/" + operation.
struct OpenAiEndpoints {
  // The path, and query if any, appended to base_url for `operation`
  // ("chat/completions" or "embeddings") on the upstream `model`.
  std::function<std::string(std::string_view operation, std::string_view model)>
      path;
};

class OpenAiProvider final : public Provider {
 public:
  OpenAiProvider(::across::config::v1::ProviderConfig config,
                 std::string api_key, OpenAiEndpoints endpoints = {});

  const ProviderInfo& info() const override { return info_; }

  asio::awaitable<Result<v1::ChatResponse>> Chat(
      UpstreamCall& call, const v1::ChatRequest& request) override;
  asio::awaitable<Status> ChatStream(UpstreamCall& call,
                                     const v1::ChatRequest& request,
                                     ChunkSink& sink) override;
  asio::awaitable<Result<v1::EmbedResponse>> Embed(
      UpstreamCall& call, const v1::EmbedRequest& request) override;

 private:
  // The path for `operation` on `model` (see OpenAiEndpoints).
  std::string Path(std::string_view operation, std::string_view model) const;
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
  OpenAiEndpoints endpoints_;
  ProviderInfo info_;
};

}  // namespace across
