#include "gateway/routing/strategy.h"

namespace across::routing {

const Strategy& StrategyFor(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kSingle:
      return SingleStrategy();
    case StrategyKind::kFallback:
      return FallbackStrategy();
    case StrategyKind::kLoadBalance:
      return LoadBalanceStrategy();
    case StrategyKind::kConditional:
      return ConditionalStrategy();
  }
  return SingleStrategy();
}

}  // namespace across::routing
