// loadbalance: picks one target per request (its failure is the node's; put
// the node under a fallback to try others). Targets with weight 0 are never
// picked; targets whose breaker is open are skipped while others remain.
//   weighted        random, proportional to weight
//   least_inflight  fewest attempts in flight (ties broken at random)
//   latency         power of two choices over peak-EWMA × (in-flight + 1)
#include <limits>
#include <vector>

#include "gateway/routing/execution.h"
#include "gateway/routing/random.h"
#include "gateway/routing/strategy.h"

namespace across::routing {
namespace {

const Node* Weighted(const std::vector<const Node*>& c) {
  double total = 0;
  for (const Node* n : c) total += n->weight;
  double r = RandomUnit() * total;
  for (const Node* n : c) {
    r -= n->weight;
    if (r < 0) return n;
  }
  return c.back();  // rounding
}

const Node* LeastInflight(const std::vector<const Node*>& c) {
  const Node* best = nullptr;
  int best_load = std::numeric_limits<int>::max();
  uint64_t ties = 0;
  for (const Node* n : c) {
    const int load = NodeInflight(*n);
    if (load < best_load) {
      best = n;
      best_load = load;
      ties = 1;
    } else if (load == best_load && RandomBelow(++ties) == 0) {
      best = n;  // reservoir sampling keeps ties uniform
    }
  }
  return best;
}

const Node* PowerOfTwo(const std::vector<const Node*>& c) {
  if (c.size() == 1) return c.front();
  const uint64_t a = RandomBelow(c.size());
  uint64_t b = RandomBelow(c.size() - 1);
  if (b >= a) ++b;
  const double ca = NodeCost(*c[a]), cb = NodeCost(*c[b]);
  if (ca == cb) return RandomBelow(2) == 0 ? c[a] : c[b];
  return ca < cb ? c[a] : c[b];
}

class LoadBalance final : public Strategy {
 public:
  asio::awaitable<Status> Run(const Node& node,
                              Execution& exec) const override {
    const auto now = Clock::now();
    std::vector<const Node*> positive, available;
    positive.reserve(node.children.size());
    available.reserve(node.children.size());
    for (const auto& child : node.children) {
      if (child->weight <= 0) continue;
      positive.push_back(child.get());
      if (NodeAvailable(*child, now)) available.push_back(child.get());
    }
    // All open: pick among all so the leaf reports its breaker.
    const auto& candidates = available.empty() ? positive : available;
    const Node* pick = nullptr;
    switch (node.balance) {
      case BalanceMode::kWeighted:
        pick = Weighted(candidates);
        break;
      case BalanceMode::kLeastInflight:
        pick = LeastInflight(candidates);
        break;
      case BalanceMode::kLatency:
        pick = PowerOfTwo(candidates);
        break;
    }
    co_return co_await exec.RunNode(*pick);
  }
};

}  // namespace

const Strategy& LoadBalanceStrategy() {
  static const LoadBalance instance;
  return instance;
}

}  // namespace across::routing
