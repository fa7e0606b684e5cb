// The AWS Bedrock adapter: Converse and ConverseStream for chat, InvokeModel
// for Titan and Cohere embeddings, every request signed with SigV4
// (service "bedrock", the configured region).
//
// Credentials come from the environment variables the config names
// (aws_access_key_id_env, aws_secret_access_key_env, aws_session_token_env;
// defaults AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN),
// read once at construction. They only ever go into the signature and the
// x-amz-security-token header; they never appear in errors or logs.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "across/config/v1/config.pb.h"
#include "gateway/upstream/http_client.h"
#include "providers/bedrock/sigv4.h"
#include "providers/provider.h"

namespace across {

class BedrockProvider final : public Provider {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  BedrockProvider(::across::config::v1::ProviderConfig config,
                  bedrock::AwsCredentials credentials);

  // The credentials named by `config` (or the default variables).
  static bedrock::AwsCredentials CredentialsFromEnv(
      const ::across::config::v1::ProviderConfig& config);

  const ProviderInfo& info() const override { return info_; }

  asio::awaitable<Result<v1::ChatResponse>> Chat(
      UpstreamCall& call, const v1::ChatRequest& request) override;
  asio::awaitable<Status> ChatStream(UpstreamCall& call,
                                     const v1::ChatRequest& request,
                                     ChunkSink& sink) override;
  asio::awaitable<Result<v1::EmbedResponse>> Embed(
      UpstreamCall& call, const v1::EmbedRequest& request) override;

  // Signing time source (tests pin it).
  void set_clock(WallClock clock) { clock_ = std::move(clock); }

  // A signed POST of `body` to {base_url}/model/{model}/{action}. Exposed so
  // tests can check the path encoding and the headers.
  Result<UpstreamRequest> BuildRequest(const UpstreamCall& call,
                                       std::string_view model,
                                       std::string_view action,
                                       std::string body, bool stream) const;

 private:
  asio::awaitable<Result<v1::EmbedResponse>> EmbedTitan(
      UpstreamCall& call, const v1::EmbedRequest& request,
      const std::string& model);
  asio::awaitable<Result<v1::EmbedResponse>> EmbedCohere(
      UpstreamCall& call, const v1::EmbedRequest& request,
      const std::string& model);

  // An Error for a non-2xx upstream answer.
  Error UpstreamFailure(const UpstreamResponse& response) const;
  // Prefixes the provider id (once) and scrubs credentials from the message.
  Error Named(Error error) const;

  ::across::config::v1::ProviderConfig config_;
  bedrock::AwsCredentials credentials_;
  ProviderInfo info_;
  WallClock clock_;
};

}  // namespace across
