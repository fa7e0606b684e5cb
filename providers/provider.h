// The seam between the engine and every upstream API. A Provider turns the
// gateway's typed request (gateway.proto) into one provider's wire format,
// calls it through the worker's HttpClient, and turns the answer back.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"
#include "gateway/common/request_context.h"

namespace across {

namespace asio = boost::asio;
namespace v1 = ::across::gateway::v1;

// Where a stream's chunks go: an SSE response or a gRPC server stream.
class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  // Forwards one chunk to the client. Completes when the client side has
  // taken it (backpressure); false means the client is gone and the
  // provider should stop reading upstream.
  virtual asio::awaitable<bool> Write(v1::ChatChunk chunk) = 0;
};

// Everything a provider needs for one upstream call.
struct UpstreamCall {
  RequestContext& ctx;
  // Model name to send upstream.
  std::string upstream_model;
  // Key to use instead of the configured one ("" = configured key, or the
  // caller's Authorization header when no key is configured).
  std::string api_key_override;
};

// Static description of a configured provider.
struct ProviderInfo {
  std::string id;    // "openai", "groq", "my-vllm"
  std::string type;  // adapter: "openai", "echo", ...
};

class Provider {
 public:
  virtual ~Provider() = default;

  virtual const ProviderInfo& info() const = 0;

  // One completion. Upstream errors come back as Error with the upstream's
  // HTTP status and a message prefixed with the provider id.
  virtual asio::awaitable<Result<v1::ChatResponse>> Chat(
      UpstreamCall& call, const v1::ChatRequest& request) = 0;

  // A streamed completion: each upstream chunk is translated and written to
  // `sink` as soon as it arrives. The last chunk written carries usage when
  // the upstream reported it. On failure, returns an Error; whether chunks
  // were already written is visible through call.ctx.first_token.
  virtual asio::awaitable<Status> ChatStream(UpstreamCall& call,
                                             const v1::ChatRequest& request,
                                             ChunkSink& sink) = 0;

  // Embeddings.
  virtual asio::awaitable<Result<v1::EmbedResponse>> Embed(
      UpstreamCall& call, const v1::EmbedRequest& request) = 0;
};

}  // namespace across
