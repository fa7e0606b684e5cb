#include "gateway/routing/route_table.h"

namespace across::routing {

Result<std::unique_ptr<RouteTable>> RouteTable::Build(
    const std::vector<configpb::RouteNode>& routes,
    const CompileOptions& options) {
  auto table = std::make_unique<RouteTable>();
  for (size_t i = 0; i < routes.size(); ++i) {
    const auto& config = routes[i];
    const std::string where = "routes[" + std::to_string(i) + "]";
    if (config.name().empty()) {
      return Error::InvalidRequest(where + ": name: is required", "name");
    }
    const std::string source = where + " (\"" + config.name() + "\")";
    if (table->by_name_.count(config.name())) {
      return Error::InvalidRequest(source + ": name: duplicate route name",
                                   "name");
    }
    auto route = CompileRoute(config, options, source);
    if (!route.ok()) return route.error();
    for (int m = 0; m < config.models_size(); ++m) {
      const auto& alias = config.models(m);
      auto clash = table->by_model_.find(alias);
      if (clash != table->by_model_.end()) {
        return Error::InvalidRequest(
            source + ": models[" + std::to_string(m) + "]: \"" + alias +
                "\" already selects route \"" + clash->second->name() + "\"",
            "models");
      }
      table->by_model_.emplace(alias, *route);
    }
    table->by_name_.emplace(config.name(), *route);
    table->routes_.push_back(*route);
  }
  return table;
}

std::shared_ptr<const Route> RouteTable::Find(std::string_view key) const {
  if (auto it = by_name_.find(key); it != by_name_.end()) return it->second;
  if (auto it = by_model_.find(key); it != by_model_.end()) return it->second;
  return nullptr;
}

Result<std::shared_ptr<const Route>> CompileRequestConfig(
    std::string_view json, ConfigDialect dialect, CompileOptions options,
    std::string_view source) {
  auto config = ParseRequestConfig(json, dialect, source);
  if (!config.ok()) return config.error();
  options.trusted = false;
  return CompileRoute(*config, options, source);
}

}  // namespace across::routing
