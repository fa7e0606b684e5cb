#include "providers/azure/azure_openai_provider.h"

#include <utility>

namespace across {
namespace {

bool Unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

// RFC 3986 percent-encoding of everything but unreserved characters, so a
// deployment name can never add path segments or a query.
std::string Encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (Unreserved(c)) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace

bool IsAzureV1BaseUrl(std::string_view base_url) {
  if (size_t q = base_url.find('?'); q != std::string_view::npos) {
    base_url = base_url.substr(0, q);
  }
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  return base_url.ends_with("/openai/v1");
}

std::string AzureOpenAiPath(const ::across::config::v1::ProviderConfig& cfg,
                            std::string_view operation,
                            std::string_view deployment) {
  std::string path;
  if (IsAzureV1BaseUrl(cfg.base_url())) {
    path = "/";
    path += operation;
    return path;
  }
  std::string_view version = cfg.api_version();
  if (version.empty()) version = kAzureDefaultApiVersion;
  // Tolerate a base URL that already names the "/openai" prefix.
  std::string_view base = cfg.base_url();
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  path = base.ends_with("/openai") ? "/deployments/" : "/openai/deployments/";
  path += Encode(deployment);
  path += '/';
  path += operation;
  path += "?api-version=";
  path += Encode(version);
  return path;
}

namespace {

// Azure's own key header unless the config says otherwise (the config loader
// sets the same default; this covers configs built in code).
::across::config::v1::ProviderConfig WithAzureDefaults(
    ::across::config::v1::ProviderConfig config) {
  if (config.auth_header().empty()) config.set_auth_header("api-key");
  return config;
}

}  // namespace

AzureOpenAiProvider::AzureOpenAiProvider(
    ::across::config::v1::ProviderConfig config, std::string api_key)
    : openai_(WithAzureDefaults(config), std::move(api_key),
              OpenAiEndpoints{
                  [config](std::string_view operation, std::string_view model) {
                    return AzureOpenAiPath(config, operation, model);
                  }}) {
  info_.id = config.id();
  info_.type = "azure-openai";
}

asio::awaitable<Result<v1::ChatResponse>> AzureOpenAiProvider::Chat(
    UpstreamCall& call, const v1::ChatRequest& request) {
  co_return co_await openai_.Chat(call, request);
}

asio::awaitable<Status> AzureOpenAiProvider::ChatStream(
    UpstreamCall& call, const v1::ChatRequest& request, ChunkSink& sink) {
  co_return co_await openai_.ChatStream(call, request, sink);
}

asio::awaitable<Result<v1::EmbedResponse>> AzureOpenAiProvider::Embed(
    UpstreamCall& call, const v1::EmbedRequest& request) {
  co_return co_await openai_.Embed(call, request);
}

}  // namespace across
