// Route configs in the gateway's own format (proto/across/config/v1/
// route.proto as YAML or JSON) → proto, and the per-request config headers
// (x-across-config, x-portkey-config) in either dialect.
#pragma once

#include <string>
#include <string_view>

#include "across/config/v1/route.pb.h"
#include "gateway/common/error.h"

namespace across::routing {

namespace configpb = ::across::config::v1;

// One route tree. Syntax errors only; CompileRoute checks the meaning.
// Errors read "<source>: <field path>: <reason>".
Result<configpb::RouteNode> ParseRouteConfig(std::string_view text,
                                             std::string_view source);
// A file holding {routes: [...]}.
Result<configpb::RouteSet> ParseRouteSet(std::string_view text,
                                         std::string_view source);
Result<configpb::RouteSet> LoadRouteFile(const std::string& path);

enum class ConfigDialect {
  kAuto,     // decide from the content (below)
  kNative,   // route.proto
  kPortkey,  // Portkey config JSON (portkey_config.h)
};

// A config sent with a request (header / gRPC metadata value, JSON).
// kAuto: Portkey when `strategy` is an object or a Portkey-only key is used
// (virtual_key, request_timeout, custom_host, cache, camelCase keys, ...);
// native when `strategy` is a string or a native-only key is used.
Result<configpb::RouteNode> ParseRequestConfig(std::string_view json,
                                               ConfigDialect dialect,
                                               std::string_view source);

}  // namespace across::routing
