// Loads the gateway's YAML config into the typed config proto
// (proto/across/config/v1/config.proto), fills defaults and validates it.
// Every error names the file, the field and the reason.
#pragma once

#include <string>
#include <string_view>

#include "across/config/v1/config.pb.h"
#include "gateway/common/error.h"

namespace across {

namespace configpb = ::across::config::v1;

// The built-in default config (echo provider and model "echo"), used when no
// --config is given.
std::string_view DefaultConfigYaml();

// Parses YAML text; `source` names it in errors ("config.yaml", "<built-in>").
// On failure, Error::message reads "<source>: <field>: <reason>".
Result<configpb::GatewayConfig> ParseConfig(std::string_view yaml,
                                            std::string_view source);

// Reads and parses a file.
Result<configpb::GatewayConfig> LoadConfigFile(const std::string& path);

// Resolves the API key of a provider from its api_key_env variable ("" when
// unset or not configured).
std::string ResolveApiKey(const configpb::ProviderConfig& provider);

}  // namespace across
