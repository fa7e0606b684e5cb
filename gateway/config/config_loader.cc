#include "gateway/config/config_loader.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <google/protobuf/util/json_util.h>

#include "gateway/config/yaml_json.h"
#include "providers/catalog.h"

namespace across {
namespace {

constexpr std::string_view kDefaultConfig = R"yaml(# Built-in default config: the echo test/demo provider, no API keys needed.
listeners:
  http: {address: 0.0.0.0, port: 8787}
  grpc: {address: 0.0.0.0, port: 50051}
providers:
  - id: echo
    type: echo
models:
  - name: echo
    provider: echo
)yaml";

Error ConfigError(std::string_view source, std::string_view field,
                  std::string_view reason) {
  std::string msg(source);
  msg += ": ";
  if (!field.empty()) {
    msg += field;
    msg += ": ";
  }
  msg += reason;
  return Error::InvalidRequest(std::move(msg), std::string(field));
}

std::string Field(std::string_view list, int index, std::string_view name) {
  return std::string(list) + "[" + std::to_string(index) + "]." + std::string(name);
}

// Fills defaults (catalogue presets, ports, limits) and checks references.
Result<Ok> Validate(configpb::GatewayConfig& cfg, std::string_view source) {
  auto* http = cfg.mutable_listeners()->mutable_http();
  auto* grpc = cfg.mutable_listeners()->mutable_grpc();
  if (http->address().empty()) http->set_address("0.0.0.0");
  if (grpc->address().empty()) grpc->set_address("0.0.0.0");
  if (!cfg.listeners().has_http() || http->port() == 0) {
    // Port 0 is allowed explicitly (ephemeral) only via flags; the file
    // default is the well-known port.
  }
  for (auto [name, l] : {std::pair{"listeners.http.port", http},
                         std::pair{"listeners.grpc.port", grpc}}) {
    if (l->port() < 0 || l->port() > 65535) {
      return ConfigError(source, name, "must be between 0 and 65535");
    }
  }
  if (cfg.worker_threads() < 0 || cfg.worker_threads() > 256) {
    return ConfigError(source, "worker_threads", "must be between 0 and 256");
  }
  auto* limits = cfg.mutable_limits();
  if (limits->max_body_bytes() < 0) {
    return ConfigError(source, "limits.max_body_bytes", "must not be negative");
  }
  if (limits->max_body_bytes() == 0) limits->set_max_body_bytes(4 << 20);
  if (limits->request_timeout_ms() < 0) {
    return ConfigError(source, "limits.request_timeout_ms", "must not be negative");
  }
  if (limits->request_timeout_ms() == 0) limits->set_request_timeout_ms(600000);
  if (limits->drain_timeout_ms() < 0) {
    return ConfigError(source, "limits.drain_timeout_ms", "must not be negative");
  }
  if (limits->drain_timeout_ms() == 0) limits->set_drain_timeout_ms(25000);
  if (!cfg.logging().has_access_log()) cfg.mutable_logging()->set_access_log(true);
  const std::string& level = cfg.logging().level();
  if (!level.empty() && level != "debug" && level != "info" && level != "warn" &&
      level != "error") {
    return ConfigError(source, "logging.level",
                       "must be one of debug, info, warn, error (got \"" + level + "\")");
  }

  std::set<std::string> provider_ids;
  for (int i = 0; i < cfg.providers_size(); ++i) {
    auto* p = cfg.mutable_providers(i);
    if (p->id().empty()) {
      return ConfigError(source, Field("providers", i, "id"), "is required");
    }
    if (!provider_ids.insert(p->id()).second) {
      return ConfigError(source, Field("providers", i, "id"),
                         "duplicate provider id \"" + p->id() + "\"");
    }
    const ProviderPreset* preset = FindPreset(p->type().empty() ? p->id() : p->type());
    if (p->type().empty()) {
      if (preset == nullptr) {
        return ConfigError(source, Field("providers", i, "type"),
                           "is required: \"" + p->id() +
                               "\" is not a known provider id");
      }
      p->set_type(preset->type);
    }
    if (!IsKnownProviderType(p->type())) {
      return ConfigError(source, Field("providers", i, "type"),
                         "unknown provider type \"" + p->type() + "\"");
    }
    // Presets fill what the entry leaves out, when the entry is a known id.
    const ProviderPreset* by_id = FindPreset(p->id());
    if (by_id != nullptr && by_id->type == p->type()) {
      if (p->base_url().empty()) p->set_base_url(std::string(by_id->base_url));
      if (p->api_key_env().empty()) p->set_api_key_env(std::string(by_id->api_key_env));
      if (p->auth_header().empty()) p->set_auth_header(std::string(by_id->auth_header));
    }
    // Bedrock signs for a region, and its endpoint follows from it.
    if (p->type() == "bedrock") {
      if (p->region().empty()) {
        return ConfigError(source, Field("providers", i, "region"),
                           "is required for bedrock provider \"" + p->id() + "\"");
      }
      if (p->base_url().empty()) {
        p->set_base_url("https://bedrock-runtime." + p->region() + ".amazonaws.com");
      }
    }
    if (p->type() != "echo" && p->base_url().empty()) {
      return ConfigError(source, Field("providers", i, "base_url"),
                         "is required for provider \"" + p->id() + "\"");
    }
    if (!p->base_url().empty() && p->base_url().rfind("http://", 0) != 0 &&
        p->base_url().rfind("https://", 0) != 0) {
      return ConfigError(source, Field("providers", i, "base_url"),
                         "must start with http:// or https://");
    }
    // Azure OpenAI keys travel raw in `api-key` (Entra ID tokens: set
    // auth_header "authorization").
    if (p->auth_header().empty() && p->type() == "azure-openai") {
      p->set_auth_header("api-key");
    }
    // Gemini keys travel raw in `x-goog-api-key` (OAuth access tokens: set
    // auth_header "authorization").
    if (p->auth_header().empty() && p->type() == "gemini") {
      p->set_auth_header("x-goog-api-key");
    }
    // Anthropic keys travel raw in `x-api-key` (compatible proxies that want
    // a bearer token: set auth_header "authorization").
    if (p->auth_header().empty() && p->type() == "anthropic") {
      p->set_auth_header("x-api-key");
    }
    if (p->auth_header().empty()) p->set_auth_header("authorization");
    if (p->connect_timeout_ms() < 0 || p->request_timeout_ms() < 0 ||
        p->max_idle_connections() < 0) {
      return ConfigError(source, Field("providers", i, "timeouts"),
                         "timeouts and connection limits must not be negative");
    }
    if (p->connect_timeout_ms() == 0) p->set_connect_timeout_ms(5000);
    if (p->request_timeout_ms() == 0) p->set_request_timeout_ms(limits->request_timeout_ms());
    if (p->max_idle_connections() == 0) p->set_max_idle_connections(64);
  }

  std::set<std::string> model_names;
  for (int i = 0; i < cfg.models_size(); ++i) {
    auto* m = cfg.mutable_models(i);
    if (m->name().empty()) {
      return ConfigError(source, Field("models", i, "name"), "is required");
    }
    if (!model_names.insert(m->name()).second) {
      return ConfigError(source, Field("models", i, "name"),
                         "duplicate model name \"" + m->name() + "\"");
    }
    if (m->provider().empty()) {
      return ConfigError(source, Field("models", i, "provider"), "is required");
    }
    if (provider_ids.count(m->provider()) == 0) {
      return ConfigError(source, Field("models", i, "provider"),
                         "unknown provider \"" + m->provider() +
                             "\" (not in providers)");
    }
    if (m->upstream_model().empty()) m->set_upstream_model(m->name());
  }
  return Ok{};
}

}  // namespace

std::string_view DefaultConfigYaml() { return kDefaultConfig; }

Result<configpb::GatewayConfig> ParseConfig(std::string_view yaml,
                                            std::string_view source) {
  auto json = YamlToJson(yaml, source, /*empty_is_object=*/true);
  if (!json.ok()) return json.error();

  configpb::GatewayConfig cfg;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(*json, &cfg, options);
  if (!status.ok()) {
    // The protobuf message reads "<field path>: <reason>" already.
    std::string reason(status.message().data(), status.message().size());
    return ConfigError(source, "", reason);
  }
  auto valid = Validate(cfg, source);
  if (!valid.ok()) return valid.error();
  return cfg;
}

Result<configpb::GatewayConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ConfigError(path, "", "cannot open file");
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

std::string ResolveApiKey(const configpb::ProviderConfig& provider) {
  if (provider.api_key_env().empty()) return "";
  const char* value = std::getenv(provider.api_key_env().c_str());
  return value == nullptr ? "" : value;
}

}  // namespace across
