// The OpenAI-compatible routes: turns one parsed HTTP request into an engine
// call and writes the answer (JSON, SSE stream, or OpenAI error body).
#pragma once

#include <chrono>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "gateway/engine/engine.h"
#include "gateway/server/serving_state.h"
#include "gateway/upstream/http_client.h"

namespace across {

struct ApiOptions {
  // Deadline for a request that brings none.
  std::chrono::milliseconds request_timeout{600000};
};

class OpenAiHttpApi {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  OpenAiHttpApi(Engine& engine, ServingState& state, ApiOptions options)
      : engine_(engine), state_(state), options_(options) {}

  // Handles one request; returns whether the connection may be reused.
  asio::awaitable<bool> Handle(boost::beast::tcp_stream& stream, Request& request,
                               HttpClient& http);

  // 413 for a body over the limit (the connection is closed after it).
  asio::awaitable<void> WriteTooLarge(boost::beast::tcp_stream& stream,
                                      size_t limit);
  // 400 for a request that is not valid HTTP.
  asio::awaitable<void> WriteBadRequest(boost::beast::tcp_stream& stream,
                                        std::string_view reason);

 private:
  asio::awaitable<bool> Chat(boost::beast::tcp_stream& stream, Request& request,
                             RequestContext& ctx);
  asio::awaitable<bool> Embeddings(boost::beast::tcp_stream& stream,
                                   Request& request, RequestContext& ctx);

  Engine& engine_;
  ServingState& state_;
  ApiOptions options_;
};

}  // namespace across
