// Built-in provider presets (the catalogue) and the factory that turns a
// ProviderConfig into a Provider. A preset lets a config name a well-known
// OpenAI-compatible service by id alone ("groq") and get its base URL, key
// variable and auth header filled in by the config loader.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "across/config/v1/config.pb.h"
#include "gateway/common/error.h"
#include "providers/provider.h"

namespace across {

// std::string members so they feed protobuf setters and comparisons directly.
struct ProviderPreset {
  std::string id;           // "groq"
  std::string type;         // adapter: "openai" or "echo"
  std::string base_url;     // including the API prefix; "" for echo
  std::string api_key_env;  // "" when the service needs no key
  std::string auth_header;  // "authorization" (Bearer) or a raw-key header
};

// The preset for a provider id, or nullptr.
const ProviderPreset* FindPreset(std::string_view id);

// Every preset, in a stable order (docs, `--list-providers`).
std::span<const ProviderPreset> AllPresets();

// True for an adapter type MakeProvider can build ("openai", "echo").
bool IsKnownProviderType(std::string_view type);

// The operations an adapter type implements. The others answer
// UNIMPLEMENTED (HTTP 501) naming the provider.
struct ProviderOperations {
  bool chat = false;
  bool chat_stream = false;
  bool embed = false;
};

// What adapter `type` supports (docs/configuration.md lists it per type);
// all false for an unknown type.
ProviderOperations SupportedOperations(std::string_view type);

// Builds the adapter for `cfg.type` ("openai" → OpenAiProvider, "echo" →
// EchoProvider). `cfg` is expected to have its defaults filled in by the
// config loader; `api_key` may be empty.
Result<std::unique_ptr<Provider>> MakeProvider(
    const ::across::config::v1::ProviderConfig& cfg, std::string api_key);

}  // namespace across
