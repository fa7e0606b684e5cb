// The configured providers and the model names clients may ask for.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "across/config/v1/config.pb.h"
#include "gateway/common/error.h"
#include "providers/provider.h"

namespace across {

// Where one request goes.
struct ModelRoute {
  std::string model;  // configured name (metrics label)
  Provider* provider = nullptr;
  std::string upstream_model;
};

class ModelRegistry {
 public:
  // Builds every configured provider. API keys are read from the
  // environment variables the config names.
  static Result<std::unique_ptr<ModelRegistry>> Build(
      const ::across::config::v1::GatewayConfig& config);

  // Resolves a request's model. With an x-across-provider header naming a
  // configured provider, the model name is sent to that provider as is.
  Result<ModelRoute> Resolve(std::string_view model,
                             const RoutingHeaders& headers) const;

  v1::ListModelsResponse ListModels() const { return models_; }

  Provider* FindProvider(std::string_view id) const;

 private:
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> providers_;
  std::map<std::string, ModelRoute, std::less<>> routes_;
  v1::ListModelsResponse models_;
};

}  // namespace across
