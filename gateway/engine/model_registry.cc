#include "gateway/engine/model_registry.h"

#include <chrono>

#include "gateway/config/config_loader.h"
#include "providers/catalog.h"

namespace across {

Result<std::unique_ptr<ModelRegistry>> ModelRegistry::Build(
    const ::across::config::v1::GatewayConfig& config) {
  auto registry = std::make_unique<ModelRegistry>();
  for (const auto& pc : config.providers()) {
    auto provider = MakeProvider(pc, ResolveApiKey(pc));
    if (!provider.ok()) return provider.error();
    registry->providers_.emplace(pc.id(), std::move(provider.value()));
  }
  const int64_t created = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  for (const auto& mc : config.models()) {
    ModelRoute route{mc.name(), registry->FindProvider(mc.provider()),
                     mc.upstream_model()};
    registry->routes_.emplace(mc.name(), route);
    auto* m = registry->models_.add_models();
    m->set_id(mc.name());
    m->set_owned_by(mc.provider());
    m->set_created(created);
    m->set_upstream_model(mc.upstream_model());
  }
  return registry;
}

Provider* ModelRegistry::FindProvider(std::string_view id) const {
  auto it = providers_.find(id);
  return it == providers_.end() ? nullptr : it->second.get();
}

Result<ModelRoute> ModelRegistry::Resolve(std::string_view model,
                                          const RoutingHeaders& headers) const {
  if (model.empty()) {
    return Error::InvalidRequest("you must provide a model parameter", "model");
  }
  if (!headers.provider.empty()) {
    Provider* p = FindProvider(headers.provider);
    if (p == nullptr) {
      return Error::InvalidRequest("unknown provider \"" + headers.provider +
                                       "\" in x-across-provider",
                                   "x-across-provider");
    }
    // A configured alias on the same provider still maps to its upstream name.
    auto it = routes_.find(model);
    if (it != routes_.end() && it->second.provider == p) return it->second;
    return ModelRoute{std::string(model), p, std::string(model)};
  }
  auto it = routes_.find(model);
  if (it == routes_.end()) {
    return Error::NotFound("The model `" + std::string(model) +
                               "` does not exist or is not configured on this gateway",
                           "model_not_found");
  }
  return it->second;
}

}  // namespace across
