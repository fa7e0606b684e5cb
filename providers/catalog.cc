#include "providers/catalog.h"

#include <utility>
#include <vector>

#include "providers/anthropic/anthropic_provider.h"
#include "providers/azure/azure_openai_provider.h"
#include "providers/bedrock/bedrock_provider.h"
#include "providers/cohere/cohere_provider.h"
#include "providers/echo/echo_provider.h"
#include "providers/gemini/gemini_provider.h"
#include "providers/openai/openai_provider.h"

namespace across {
namespace {

constexpr const char* kBearer = "authorization";

// Base URLs follow each service's documented OpenAI-compatible endpoint.
// Built once, never destroyed, so returned pointers stay valid at exit.
const std::vector<ProviderPreset>& Presets() {
  static const auto* const kPresets = new std::vector<ProviderPreset>{
      ProviderPreset{"openai", "openai", "https://api.openai.com/v1",
                     "OPENAI_API_KEY", kBearer},
      ProviderPreset{"groq", "openai", "https://api.groq.com/openai/v1",
                     "GROQ_API_KEY", kBearer},
      ProviderPreset{"together", "openai", "https://api.together.xyz/v1",
                     "TOGETHER_API_KEY", kBearer},
      ProviderPreset{"fireworks", "openai",
                     "https://api.fireworks.ai/inference/v1",
                     "FIREWORKS_API_KEY", kBearer},
      ProviderPreset{"deepseek", "openai", "https://api.deepseek.com/v1",
                     "DEEPSEEK_API_KEY", kBearer},
      ProviderPreset{"mistral", "openai", "https://api.mistral.ai/v1",
                     "MISTRAL_API_KEY", kBearer},
      ProviderPreset{"xai", "openai", "https://api.x.ai/v1", "XAI_API_KEY",
                     kBearer},
      ProviderPreset{"openrouter", "openai", "https://openrouter.ai/api/v1",
                     "OPENROUTER_API_KEY", kBearer},
      ProviderPreset{"perplexity", "openai", "https://api.perplexity.ai",
                     "PERPLEXITY_API_KEY", kBearer},
      ProviderPreset{"deepinfra", "openai",
                     "https://api.deepinfra.com/v1/openai", "DEEPINFRA_API_KEY",
                     kBearer},
      // Local servers: no key by default.
      ProviderPreset{"ollama", "openai", "http://127.0.0.1:11434/v1", "",
                     kBearer},
      ProviderPreset{"vllm", "openai", "http://127.0.0.1:8000/v1", "", kBearer},
      ProviderPreset{"gemini-openai", "openai",
                     "https://generativelanguage.googleapis.com/v1beta/openai",
                     "GEMINI_API_KEY", kBearer},
      ProviderPreset{"echo", "echo", "", "", ""},
      // Native (non-OpenAI-format) APIs.
      ProviderPreset{"cohere", "cohere", "https://api.cohere.com/v2",
                     "COHERE_API_KEY", kBearer},
      // Google AI Studio's native API; the key goes in x-goog-api-key.
      ProviderPreset{"gemini", "gemini",
                     "https://generativelanguage.googleapis.com/v1beta",
                     "GEMINI_API_KEY", "x-goog-api-key"},
      // Anthropic's Messages API; the raw key goes in x-api-key.
      ProviderPreset{"anthropic", "anthropic", "https://api.anthropic.com/v1",
                     "ANTHROPIC_API_KEY", "x-api-key"},
      // AWS Bedrock: SigV4 with AWS_* credentials; base_url follows from
      // `region` (https://bedrock-runtime.{region}.amazonaws.com).
      ProviderPreset{"bedrock", "bedrock", "", "", ""},
  };
  return *kPresets;
}

}  // namespace

const ProviderPreset* FindPreset(std::string_view id) {
  for (const auto& p : Presets()) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::span<const ProviderPreset> AllPresets() { return Presets(); }

bool IsKnownProviderType(std::string_view type) {
  return type == "openai" || type == "echo" || type == "azure-openai" ||
         type == "gemini" ||
         type == "anthropic" ||
         type == "cohere" ||
         type == "bedrock";
}

ProviderOperations SupportedOperations(std::string_view type) {
  // One row per adapter type; an operation an adapter answers with
  // Error::Unimplemented is false here.
  struct Row {
    std::string_view type;
    ProviderOperations ops;
  };
  static constexpr Row kRows[] = {
      {"openai", {true, true, true}},
      {"echo", {true, true, true}},
      {"azure-openai", {true, true, true}},
      {"cohere", {true, true, true}},
      {"gemini", {true, true, true}},
      {"bedrock", {true, true, true}},  // embed: Titan and Cohere models
      {"anthropic", {true, true, false}},  // no embeddings API
  };
  for (const Row& r : kRows) {
    if (r.type == type) return r.ops;
  }
  return {};
}

Result<std::unique_ptr<Provider>> MakeProvider(
    const ::across::config::v1::ProviderConfig& cfg, std::string api_key) {
  std::string_view type = cfg.type();
  if (type.empty()) {
    // Tolerate a config that skipped the loader's defaulting.
    if (const ProviderPreset* p = FindPreset(cfg.id())) type = p->type;
  }
  if (type == "openai") {
    if (cfg.base_url().empty()) {
      return Error::InvalidRequest(
          "provider \"" + cfg.id() + "\": base_url is required", "base_url");
    }
    return std::unique_ptr<Provider>(
        std::make_unique<OpenAiProvider>(cfg, std::move(api_key)));
  }
  if (type == "echo") {
    return std::unique_ptr<Provider>(std::make_unique<EchoProvider>(cfg.id()));
  }
  if (type == "azure-openai") {
    // No preset: the URL names the customer's own resource.
    if (cfg.base_url().empty()) {
      return Error::InvalidRequest(
          "provider \"" + cfg.id() +
              "\": base_url is required (https://{resource}.openai.azure.com)",
          "base_url");
    }
    return std::unique_ptr<Provider>(
        std::make_unique<AzureOpenAiProvider>(cfg, std::move(api_key)));
  }
  if (type == "cohere") {
    if (cfg.base_url().empty()) {
      return Error::InvalidRequest(
          "provider \"" + cfg.id() + "\": base_url is required", "base_url");
    }
    return std::unique_ptr<Provider>(
        std::make_unique<CohereProvider>(cfg, std::move(api_key)));
  }
  if (type == "gemini") {
    if (cfg.base_url().empty()) {
      return Error::InvalidRequest(
          "provider \"" + cfg.id() + "\": base_url is required", "base_url");
    }
    return std::unique_ptr<Provider>(
        std::make_unique<GeminiProvider>(cfg, std::move(api_key)));
  }
  if (type == "anthropic") {
    if (cfg.base_url().empty()) {
      return Error::InvalidRequest(
          "provider \"" + cfg.id() + "\": base_url is required", "base_url");
    }
    return std::unique_ptr<Provider>(
        std::make_unique<AnthropicProvider>(cfg, std::move(api_key)));
  }
  if (type == "bedrock") {
    // Credentials come from the AWS_* variables the config names; the
    // api_key argument does not apply to SigV4.
    if (cfg.region().empty()) {
      return Error::InvalidRequest(
          "provider \"" + cfg.id() + "\": region is required for bedrock",
          "region");
    }
    ::across::config::v1::ProviderConfig c = cfg;
    if (c.base_url().empty()) {
      c.set_base_url("https://bedrock-runtime." + c.region() +
                     ".amazonaws.com");
    }
    auto credentials = BedrockProvider::CredentialsFromEnv(c);
    return std::unique_ptr<Provider>(std::make_unique<BedrockProvider>(
        std::move(c), std::move(credentials)));
  }
  return Error::InvalidRequest(
      "provider \"" + cfg.id() + "\": unknown provider type \"" +
          std::string(type) +
          "\" (known types: openai, echo, azure-openai, cohere, gemini, "
          "anthropic, bedrock)",
      "type");
}

}  // namespace across
