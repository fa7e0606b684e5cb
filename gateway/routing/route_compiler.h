// Route config proto → compiled Route: checks the config's meaning (every
// error names the field path), resolves inheritance, compiles conditions
// and binds each leaf to its shared TargetState and metrics.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "across/config/v1/route.pb.h"
#include "gateway/common/error.h"
#include "gateway/routing/route.h"

namespace across::routing {

namespace configpb = ::across::config::v1;

struct CompileOptions {
  // Shared per-target state. Without it every compiled route gets private
  // state (fine for tests; the server passes one registry).
  TargetStateRegistry* states = nullptr;
  // Per-target counters; may be null.
  RoutingMetrics* metrics = nullptr;
  // Known provider ids; unset accepts any id.
  std::function<bool(std::string_view)> provider_exists;
  // Provider for leaves that name none (a Portkey config that only sets
  // retry/timeouts, used with an x-portkey-provider header).
  std::string default_provider;
  // False for configs sent by clients: api_key_env (would read the server's
  // environment) and base_url (would send keys elsewhere) are refused.
  bool trusted = true;
  // base_url overrides are carried to Target::base_url only when the engine
  // implements them; otherwise they are refused rather than ignored.
  bool allow_base_url = false;
  // Size limits, mostly against hostile per-request configs.
  int max_depth = 8;
  int max_nodes = 256;
};

// Errors read "<source>: <field path>: <reason>", where source defaults to
// `route "<name>"` (or `route` when the root has no name).
Result<std::shared_ptr<const Route>> CompileRoute(
    const configpb::RouteNode& config, const CompileOptions& options,
    std::string_view source = {});

// A one-target route (for models configured without a route, so every
// request goes through the executor and reports the same headers).
Result<std::shared_ptr<const Route>> SingleTargetRoute(
    std::string name, std::string provider, std::string upstream_model,
    const CompileOptions& options);

}  // namespace across::routing
