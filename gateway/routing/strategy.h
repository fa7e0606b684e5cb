// How an inner node picks among its targets. One stateless instance per
// kind; live per-target state comes from the leaves (route.h).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "gateway/common/error.h"
#include "gateway/routing/route.h"

namespace across::routing {

class Execution;

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Runs `node` (an inner node of this kind) for the request in `exec`.
  virtual boost::asio::awaitable<Status> Run(const Node& node,
                                             Execution& exec) const = 0;
};

// The shared instance for a kind.
const Strategy& StrategyFor(StrategyKind kind);

// Defined in one file each.
const Strategy& SingleStrategy();
const Strategy& FallbackStrategy();
const Strategy& LoadBalanceStrategy();
const Strategy& ConditionalStrategy();

}  // namespace across::routing
