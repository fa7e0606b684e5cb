// The "echo" provider: a built-in test/demo adapter that needs no network.
// It answers with the text of the last user message, streams it word by
// word, and returns deterministic 8-dimensional embeddings, so the whole
// gateway can be exercised end to end without API keys.
//
// extra_params "echo_delay_ms" (number) sleeps that long before each streamed
// word, for tests of cancellation and deadlines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "providers/provider.h"

namespace across {

class EchoProvider final : public Provider {
 public:
  explicit EchoProvider(std::string id = "echo");

  const ProviderInfo& info() const override { return info_; }

  asio::awaitable<Result<v1::ChatResponse>> Chat(
      UpstreamCall& call, const v1::ChatRequest& request) override;
  asio::awaitable<Status> ChatStream(UpstreamCall& call,
                                     const v1::ChatRequest& request,
                                     ChunkSink& sink) override;
  asio::awaitable<Result<v1::EmbedResponse>> Embed(
      UpstreamCall& call, const v1::EmbedRequest& request) override;

  // Exposed for tests.
  // The text of the last user message ("" when there is none).
  static std::string AnswerFor(const v1::ChatRequest& request);
  // Whitespace-separated words in `text`.
  static int CountWords(std::string_view text);
  // Splits `text` into stream pieces: each word keeps the whitespace that
  // follows it, so the pieces concatenate back to `text`.
  static std::vector<std::string_view> SplitWords(std::string_view text);
  // The deterministic, L2-normalised 8-float vector for `text`.
  static std::vector<float> EmbeddingFor(std::string_view text);

 private:
  ProviderInfo info_;
};

}  // namespace across
