#include "providers/catalog.h"

#include <utility>
#include <vector>

#include "providers/echo/echo_provider.h"
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
  return type == "openai" || type == "echo";
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
  return Error::InvalidRequest(
      "provider \"" + cfg.id() + "\": unknown provider type \"" +
          std::string(type) + "\" (known types: openai, echo)",
      "type");
}

}  // namespace across
