// The named routes of the server config, looked up by route name or model
// alias, and per-request configs compiled against the same shared state.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/routing/route_compiler.h"
#include "gateway/routing/route_loader.h"

namespace across::routing {

class RouteTable {
 public:
  // Every route needs a unique name; names and `models` aliases must not
  // collide. Errors read "routes[i] (\"name\"): <field>: <reason>".
  static Result<std::unique_ptr<RouteTable>> Build(
      const std::vector<configpb::RouteNode>& routes,
      const CompileOptions& options);
  // The same, for `repeated RouteNode routes` in a config proto.
  static Result<std::unique_ptr<RouteTable>> Build(
      const google::protobuf::RepeatedPtrField<configpb::RouteNode>& routes,
      const CompileOptions& options) {
    return Build(std::vector<configpb::RouteNode>(routes.begin(), routes.end()),
                 options);
  }

  // By route name, then by model alias; null when neither matches.
  std::shared_ptr<const Route> Find(std::string_view name_or_model) const;

  const std::vector<std::shared_ptr<const Route>>& routes() const {
    return routes_;
  }

 private:
  std::vector<std::shared_ptr<const Route>> routes_;
  std::map<std::string, std::shared_ptr<const Route>, std::less<>> by_name_;
  std::map<std::string, std::shared_ptr<const Route>, std::less<>> by_model_;
};

// Compiles a config sent with a request (x-across-config / x-portkey-config,
// JSON). Always untrusted (CompileOptions::trusted is forced off); errors
// are 400s naming the header (`source`) and the field.
Result<std::shared_ptr<const Route>> CompileRequestConfig(
    std::string_view json, ConfigDialect dialect, CompileOptions options,
    std::string_view source);

}  // namespace across::routing
