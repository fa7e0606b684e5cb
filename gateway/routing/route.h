// A compiled route: the config tree with every inherited setting resolved,
// conditions compiled and each leaf bound to its shared TargetState.
// Immutable once built; shared by all requests (std::shared_ptr<const Route>).
#pragma once

#include <google/protobuf/struct.pb.h>

#include <memory>
#include <string>
#include <vector>

#include "gateway/routing/condition.h"
#include "gateway/routing/routing_metrics.h"
#include "gateway/routing/settings.h"
#include "gateway/routing/status_set.h"
#include "gateway/routing/target_state.h"

namespace across::routing {

enum class StrategyKind { kSingle, kFallback, kLoadBalance, kConditional };
enum class BalanceMode { kWeighted, kLeastInflight, kLatency };

const char* StrategyName(StrategyKind kind);

// A leaf: one provider call, with everything the attempt function needs.
struct Target {
  // Where the leaf sits: "targets[1].targets[0]"; "root" for a one-leaf route.
  std::string path;
  std::string name;
  std::string provider;
  // Model sent upstream; empty = the model the client asked for.
  std::string upstream_model;
  // Key to use instead of the provider's ("" = provider's). A secret: never
  // log it.
  std::string api_key;
  // Base URL override; only set when CompileOptions::allow_base_url.
  std::string base_url;
  // Merged override_params (parents first, child keys win), without "model".
  google::protobuf::Struct override_params;

  RetryPolicy retry;
  Timeouts timeouts;
  BreakerPolicy breaker;
  LimitPolicy limits;

  std::shared_ptr<TargetState> state;
  std::shared_ptr<TargetMetrics> metrics;  // null without RoutingMetrics
  // "targets[1] (openai/gpt-4o)", for error messages.
  std::string label;
};

class Strategy;

struct Rule {
  Condition when;
  int child = 0;
};

struct Node {
  std::string path;  // "" for the root
  std::string name;
  double weight = 1;

  std::unique_ptr<Target> target;  // set on leaves only

  // Inner nodes.
  StrategyKind strategy = StrategyKind::kSingle;
  const Strategy* impl = nullptr;
  std::vector<std::unique_ptr<Node>> children;
  StatusSet fallback_on;
  BalanceMode balance = BalanceMode::kWeighted;
  std::vector<Rule> rules;
  int default_child = -1;

  bool leaf() const { return target != nullptr; }
};

// Load-balancing views of a subtree, from its leaves' shared state.
// Available: some leaf would not be refused by an open breaker right now.
bool NodeAvailable(const Node& node, Clock::time_point now);
int NodeInflight(const Node& node);
double NodeCost(const Node& node);  // peak-EWMA × (inflight + 1), min of leaves

class Route {
 public:
  Route(std::string name, std::vector<std::string> models,
        std::unique_ptr<Node> root, RoutingMetrics* metrics);

  const std::string& name() const { return name_; }
  // Model aliases that select this route.
  const std::vector<std::string>& models() const { return models_; }
  const Node& root() const { return *root_; }
  // True when a conditional node needs request facts (request_facts.h).
  bool needs_facts() const { return needs_facts_; }
  // Every leaf, in config order.
  const std::vector<const Target*>& targets() const { return targets_; }
  RoutingMetrics* metrics() const { return metrics_; }

 private:
  std::string name_;
  std::vector<std::string> models_;
  std::unique_ptr<Node> root_;
  RoutingMetrics* metrics_;
  bool needs_facts_ = false;
  std::vector<const Target*> targets_;
};

}  // namespace across::routing
