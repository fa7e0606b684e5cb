#include "gateway/routing/route.h"

#include <algorithm>
#include <limits>

namespace across::routing {
namespace {

void Walk(const Node& n, bool& needs_facts, std::vector<const Target*>& out) {
  if (n.leaf()) {
    out.push_back(n.target.get());
    return;
  }
  if (n.strategy == StrategyKind::kConditional) needs_facts = true;
  for (const auto& c : n.children) Walk(*c, needs_facts, out);
}

}  // namespace

const char* StrategyName(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kSingle:
      return "single";
    case StrategyKind::kFallback:
      return "fallback";
    case StrategyKind::kLoadBalance:
      return "loadbalance";
    case StrategyKind::kConditional:
      return "conditional";
  }
  return "unknown";
}

bool NodeAvailable(const Node& node, Clock::time_point now) {
  if (node.leaf()) {
    return !node.target->breaker.enabled() ||
           !node.target->state->breaker.Rejecting(now);
  }
  for (const auto& c : node.children) {
    if (NodeAvailable(*c, now)) return true;
  }
  return false;
}

int NodeInflight(const Node& node) {
  if (node.leaf()) return node.target->state->limiter.inflight();
  int sum = 0;
  for (const auto& c : node.children) sum += NodeInflight(*c);
  return sum;
}

double NodeCost(const Node& node) {
  if (node.leaf()) {
    const auto& s = *node.target->state;
    return s.latency.Cost(s.limiter.inflight());
  }
  double best = std::numeric_limits<double>::infinity();
  for (const auto& c : node.children) best = std::min(best, NodeCost(*c));
  return best;
}

Route::Route(std::string name, std::vector<std::string> models,
             std::unique_ptr<Node> root, RoutingMetrics* metrics)
    : name_(std::move(name)),
      models_(std::move(models)),
      root_(std::move(root)),
      metrics_(metrics) {
  Walk(*root_, needs_facts_, targets_);
}

}  // namespace across::routing
