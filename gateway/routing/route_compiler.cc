#include "gateway/routing/route_compiler.h"

#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>

#include "gateway/routing/json_convert.h"
#include "gateway/routing/strategy.h"

namespace across::routing {
namespace {

// Settings a node passes down to its subtree.
struct Inherited {
  RetryPolicy retry;
  Timeouts timeouts;
  BreakerPolicy breaker;
  LimitPolicy limits;
  StatusSet fallback_on = StatusSet::DefaultFallback();
  BalanceMode balance = BalanceMode::kWeighted;
  google::protobuf::Struct params;
};

class Compiler {
 public:
  Compiler(const CompileOptions& options, std::string source, std::string route)
      : options_(options),
        source_(std::move(source)),
        route_(std::move(route)) {}

  Error Fail(const std::string& field, const std::string& reason) const {
    std::string msg = source_ + ": ";
    if (!field.empty()) msg += field + ": ";
    msg += reason;
    return Error::InvalidRequest(std::move(msg), field);
  }

  Result<std::unique_ptr<Node>> Build(const configpb::RouteNode& c,
                                      const std::string& path,
                                      const Inherited& parent, int depth);

 private:
  Status ApplySettings(const configpb::RouteNode& c, const std::string& pre,
                       Inherited& s) const;
  Status ApplyRetry(const configpb::RetryConfig& r, const std::string& pre,
                    RetryPolicy& p) const;
  Status ApplyBreaker(const configpb::BreakerConfig& b, const std::string& pre,
                      BreakerPolicy& p) const;
  Status StatusCodes(const google::protobuf::RepeatedField<int32_t>& codes,
                     const std::string& field, StatusSet& out) const;
  Result<int> ResolveRef(const google::protobuf::Value& ref,
                         const configpb::RouteNode& c,
                         const std::string& field) const;
  Status BuildInner(const configpb::RouteNode& c, const std::string& path,
                    const std::string& pre, const Inherited& s, int depth,
                    Node& node);
  Status BuildLeaf(const configpb::RouteNode& c, const std::string& path,
                   const std::string& pre, const Inherited& s,
                   Node& node) const;

  const CompileOptions& options_;
  std::string source_;
  std::string route_;
  int nodes_ = 0;
};

Status NonNegative(const Compiler& k, int value, const std::string& field) {
  if (value < 0)
    return k.Fail(field,
                  "must not be negative (got " + std::to_string(value) + ")");
  return Ok{};
}

Status Compiler::StatusCodes(
    const google::protobuf::RepeatedField<int32_t>& codes,
    const std::string& field, StatusSet& out) const {
  StatusSet set;
  for (int i = 0; i < codes.size(); ++i) {
    if (codes[i] < 100 || codes[i] > 599) {
      return Fail(field + "[" + std::to_string(i) + "]",
                  "must be an HTTP status between 100 and 599 (got " +
                      std::to_string(codes[i]) + ")");
    }
    set.Add(codes[i]);
  }
  out = set;
  return Ok{};
}

Status Compiler::ApplyRetry(const configpb::RetryConfig& r,
                            const std::string& pre, RetryPolicy& p) const {
  if (r.has_attempts()) {
    if (r.attempts() < 0 || r.attempts() > 5) {
      return Fail(
          pre + "retry.attempts",
          "must be between 0 and 5 (got " + std::to_string(r.attempts()) + ")");
    }
    p.attempts = r.attempts();
  }
  if (r.on_status_codes_size() > 0) {
    if (auto s = StatusCodes(r.on_status_codes(), pre + "retry.on_status_codes",
                             p.on_status);
        !s.ok()) {
      return s;
    }
  }
  if (r.has_backoff_base_ms()) {
    if (auto s = NonNegative(*this, r.backoff_base_ms(),
                             pre + "retry.backoff_base_ms");
        !s.ok()) {
      return s;
    }
    p.backoff_base = milliseconds(r.backoff_base_ms());
  }
  if (r.has_backoff_cap_ms()) {
    if (auto s = NonNegative(*this, r.backoff_cap_ms(),
                             pre + "retry.backoff_cap_ms");
        !s.ok()) {
      return s;
    }
    p.backoff_cap = milliseconds(r.backoff_cap_ms());
  }
  if ((r.has_backoff_base_ms() || r.has_backoff_cap_ms()) &&
      p.backoff_cap < p.backoff_base) {
    return Fail(pre + "retry.backoff_cap_ms",
                "must not be below backoff_base_ms (" +
                    std::to_string(p.backoff_cap.count()) + " < " +
                    std::to_string(p.backoff_base.count()) + ")");
  }
  if (r.has_honor_retry_after()) p.honor_retry_after = r.honor_retry_after();
  if (r.has_max_retry_after_ms()) {
    if (auto s = NonNegative(*this, r.max_retry_after_ms(),
                             pre + "retry.max_retry_after_ms");
        !s.ok()) {
      return s;
    }
    p.max_retry_after = milliseconds(r.max_retry_after_ms());
  }
  if (r.has_budget_ratio()) {
    if (!(r.budget_ratio() >= 0 && r.budget_ratio() <= 1)) {
      return Fail(pre + "retry.budget_ratio", "must be between 0 and 1");
    }
    p.budget_ratio = r.budget_ratio();
  }
  if (r.has_budget_min_retries()) {
    if (auto s = NonNegative(*this, r.budget_min_retries(),
                             pre + "retry.budget_min_retries");
        !s.ok()) {
      return s;
    }
    p.budget_min_retries = r.budget_min_retries();
  }
  if (r.has_budget_window_ms()) {
    if (r.budget_window_ms() < 1) {
      return Fail(pre + "retry.budget_window_ms", "must be at least 1");
    }
    p.budget_window = milliseconds(r.budget_window_ms());
  }
  return Ok{};
}

Status Compiler::ApplyBreaker(const configpb::BreakerConfig& b,
                              const std::string& pre, BreakerPolicy& p) const {
  if (b.has_consecutive_failures()) {
    if (auto s = NonNegative(*this, b.consecutive_failures(),
                             pre + "breaker.consecutive_failures");
        !s.ok()) {
      return s;
    }
    p.consecutive_failures = b.consecutive_failures();
  }
  if (b.has_error_rate()) {
    if (!(b.error_rate() >= 0 && b.error_rate() <= 1)) {
      return Fail(pre + "breaker.error_rate", "must be between 0 and 1");
    }
    p.error_rate = b.error_rate();
  }
  const std::pair<bool, std::pair<int, const char*>> positives[] = {
      {b.has_min_requests(), {b.min_requests(), "breaker.min_requests"}},
      {b.has_window_ms(), {b.window_ms(), "breaker.window_ms"}},
      {b.has_cooldown_ms(), {b.cooldown_ms(), "breaker.cooldown_ms"}},
      {b.has_half_open_probes(),
       {b.half_open_probes(), "breaker.half_open_probes"}},
  };
  for (const auto& [set, v] : positives) {
    if (set && v.first < 1) {
      return Fail(pre + v.second,
                  "must be at least 1 (got " + std::to_string(v.first) + ")");
    }
  }
  if (b.has_min_requests()) p.min_requests = b.min_requests();
  if (b.has_window_ms()) p.window = milliseconds(b.window_ms());
  if (b.has_cooldown_ms()) p.cooldown = milliseconds(b.cooldown_ms());
  if (b.has_half_open_probes()) p.half_open_probes = b.half_open_probes();
  return Ok{};
}

Status Compiler::ApplySettings(const configpb::RouteNode& c,
                               const std::string& pre, Inherited& s) const {
  if (c.has_retry()) {
    if (auto st = ApplyRetry(c.retry(), pre, s.retry); !st.ok()) return st;
  }
  const std::pair<bool, std::pair<int, const char*>> timeouts[] = {
      {c.has_request_timeout_ms(),
       {c.request_timeout_ms(), "request_timeout_ms"}},
      {c.has_connect_timeout_ms(),
       {c.connect_timeout_ms(), "connect_timeout_ms"}},
      {c.has_first_token_timeout_ms(),
       {c.first_token_timeout_ms(), "first_token_timeout_ms"}},
      {c.has_stream_idle_timeout_ms(),
       {c.stream_idle_timeout_ms(), "stream_idle_timeout_ms"}},
      {c.has_max_inflight(), {c.max_inflight(), "max_inflight"}},
      {c.has_max_queue(), {c.max_queue(), "max_queue"}},
      {c.has_queue_timeout_ms(), {c.queue_timeout_ms(), "queue_timeout_ms"}},
  };
  for (const auto& [set, v] : timeouts) {
    if (set) {
      if (auto st = NonNegative(*this, v.first, pre + v.second); !st.ok())
        return st;
    }
  }
  if (c.has_request_timeout_ms())
    s.timeouts.request = milliseconds(c.request_timeout_ms());
  if (c.has_connect_timeout_ms())
    s.timeouts.connect = milliseconds(c.connect_timeout_ms());
  if (c.has_first_token_timeout_ms()) {
    s.timeouts.first_token = milliseconds(c.first_token_timeout_ms());
  }
  if (c.has_stream_idle_timeout_ms()) {
    s.timeouts.stream_idle = milliseconds(c.stream_idle_timeout_ms());
  }
  if (c.has_max_inflight()) s.limits.max_inflight = c.max_inflight();
  if (c.has_max_queue()) s.limits.max_queue = c.max_queue();
  if (c.has_queue_timeout_ms())
    s.limits.queue_timeout = milliseconds(c.queue_timeout_ms());
  if (c.has_breaker()) {
    if (auto st = ApplyBreaker(c.breaker(), pre, s.breaker); !st.ok())
      return st;
  }
  if (c.on_status_codes_size() > 0) {
    if (auto st = StatusCodes(c.on_status_codes(), pre + "on_status_codes",
                              s.fallback_on);
        !st.ok()) {
      return st;
    }
  }
  if (!c.loadbalance_mode().empty()) {
    const std::string& m = c.loadbalance_mode();
    if (m == "weighted") {
      s.balance = BalanceMode::kWeighted;
    } else if (m == "least_inflight") {
      s.balance = BalanceMode::kLeastInflight;
    } else if (m == "latency") {
      s.balance = BalanceMode::kLatency;
    } else {
      return Fail(pre + "loadbalance_mode",
                  "unknown mode \"" + m +
                      "\" (expected weighted, least_inflight, latency)");
    }
  }
  for (const auto& [key, value] : c.override_params().fields()) {
    (*s.params.mutable_fields())[key] = value;
  }
  return Ok{};
}

Result<int> Compiler::ResolveRef(const google::protobuf::Value& ref,
                                 const configpb::RouteNode& c,
                                 const std::string& field) const {
  if (ref.has_string_value()) {
    for (int i = 0; i < c.targets_size(); ++i) {
      if (c.targets(i).name() == ref.string_value()) return i;
    }
    return Fail(field, "no target named \"" + ref.string_value() +
                           "\" among this node's targets");
  }
  if (ref.has_number_value()) {
    const double n = ref.number_value();
    if (n != std::floor(n) || n < 0 || n >= c.targets_size()) {
      return Fail(field, "target index " +
                             std::to_string(static_cast<long>(n)) +
                             " is out of range (" +
                             std::to_string(c.targets_size()) + " targets)");
    }
    return static_cast<int>(n);
  }
  return Fail(field, "must be a target name or index");
}

Result<std::unique_ptr<Node>> Compiler::Build(const configpb::RouteNode& c,
                                              const std::string& path,
                                              const Inherited& parent,
                                              int depth) {
  const std::string pre = path.empty() ? "" : path + ".";
  if (++nodes_ > options_.max_nodes) {
    return Fail(pre + "targets", "too many targets in one route (at most " +
                                     std::to_string(options_.max_nodes) + ")");
  }
  if (depth > options_.max_depth) {
    return Fail(pre + "targets", "targets nested too deep (at most " +
                                     std::to_string(options_.max_depth) +
                                     " levels)");
  }
  if (!path.empty() && c.models_size() > 0) {
    return Fail(pre + "models", "is only allowed on the route's root");
  }
  Inherited s = parent;
  if (auto st = ApplySettings(c, pre, s); !st.ok()) return st.error();

  auto node = std::make_unique<Node>();
  node->path = path;
  node->name = c.name();
  if (c.has_weight()) {
    if (!std::isfinite(c.weight()) || c.weight() < 0) {
      return Fail(pre + "weight", "must be a number >= 0");
    }
    node->weight = c.weight();
  }
  const bool conditional_fields =
      c.conditions_size() > 0 ||
      (c.has_default_() && !c.default_().has_null_value());
  if (c.targets_size() > 0) {
    if (auto st = BuildInner(c, path, pre, s, depth, *node); !st.ok())
      return st.error();
  } else {
    if (!c.strategy().empty() && c.strategy() != "single") {
      return Fail(pre + "targets", "is required for strategy " + c.strategy());
    }
    if (conditional_fields) {
      return Fail(pre + "conditions", "only allowed with strategy conditional");
    }
    if (auto st = BuildLeaf(c, path, pre, s, *node); !st.ok())
      return st.error();
  }
  return node;
}

Status Compiler::BuildInner(const configpb::RouteNode& c,
                            const std::string& path, const std::string& pre,
                            const Inherited& s, int depth, Node& node) {
  for (auto [value, field] : {std::pair{&c.provider(), "provider"},
                              std::pair{&c.upstream_model(), "upstream_model"},
                              std::pair{&c.api_key(), "api_key"},
                              std::pair{&c.api_key_env(), "api_key_env"},
                              std::pair{&c.base_url(), "base_url"}}) {
    if (!value->empty()) {
      return Fail(pre + field,
                  "a node with targets cannot also be a target itself; move "
                  "it into one of its targets");
    }
  }
  const int n = c.targets_size();
  const std::string& k = c.strategy();
  if (k.empty()) {
    if (n != 1) {
      return Fail(pre + "strategy",
                  "is required for a node with " + std::to_string(n) +
                      " targets (single, fallback, loadbalance, conditional)");
    }
    node.strategy = StrategyKind::kSingle;
  } else if (k == "single") {
    node.strategy = StrategyKind::kSingle;
  } else if (k == "fallback") {
    node.strategy = StrategyKind::kFallback;
  } else if (k == "loadbalance") {
    node.strategy = StrategyKind::kLoadBalance;
  } else if (k == "conditional") {
    node.strategy = StrategyKind::kConditional;
  } else {
    return Fail(pre + "strategy",
                "unknown strategy \"" + k +
                    "\" (expected single, fallback, loadbalance, conditional)");
  }
  if (node.strategy == StrategyKind::kSingle && n != 1) {
    return Fail(pre + "targets",
                "strategy single takes exactly one target (got " +
                    std::to_string(n) + ")");
  }
  node.impl = &StrategyFor(node.strategy);
  node.fallback_on = s.fallback_on;
  node.balance = s.balance;

  std::set<std::string> names;
  for (int i = 0; i < n; ++i) {
    const std::string child_path = pre + "targets[" + std::to_string(i) + "]";
    const auto& name = c.targets(i).name();
    if (!name.empty() && !names.insert(name).second) {
      return Fail(child_path + ".name",
                  "duplicate target name \"" + name + "\"");
    }
    auto child = Build(c.targets(i), child_path, s, depth + 1);
    if (!child.ok()) return child.error();
    node.children.push_back(std::move(child.value()));
  }

  if (node.strategy == StrategyKind::kLoadBalance) {
    bool any = false;
    for (const auto& child : node.children) any = any || child->weight > 0;
    if (!any)
      return Fail(pre + "targets",
                  "loadbalance needs a target with weight > 0");
  }
  const bool has_default = c.has_default_() && !c.default_().has_null_value();
  if (node.strategy != StrategyKind::kConditional) {
    if (c.conditions_size() > 0 || has_default) {
      return Fail(pre + (c.conditions_size() > 0 ? "conditions" : "default"),
                  "only allowed with strategy conditional");
    }
    return Ok{};
  }
  if (c.conditions_size() == 0 && !has_default) {
    return Fail(pre + "conditions", "is required for strategy conditional");
  }
  for (int i = 0; i < c.conditions_size(); ++i) {
    const std::string field = pre + "conditions[" + std::to_string(i) + "]";
    const auto& cond = c.conditions(i);
    if (!cond.has_query() || cond.query().fields().empty()) {
      return Fail(field + ".query", "is required");
    }
    auto when = Condition::Compile(ToJson(cond.query()), field + ".query");
    if (!when.ok()) return Fail("", when.error().message);
    if (!cond.has_then()) return Fail(field + ".then", "is required");
    auto child = ResolveRef(cond.then(), c, field + ".then");
    if (!child.ok()) return child.error();
    node.rules.push_back(Rule{std::move(*when), *child});
  }
  if (has_default) {
    auto child = ResolveRef(c.default_(), c, pre + "default");
    if (!child.ok()) return child.error();
    node.default_child = *child;
  }
  return Ok{};
}

Status Compiler::BuildLeaf(const configpb::RouteNode& c,
                           const std::string& path, const std::string& pre,
                           const Inherited& s, Node& node) const {
  auto t = std::make_unique<Target>();
  t->path = path.empty() ? "root" : path;
  t->name = c.name();
  t->provider = c.provider().empty() ? options_.default_provider : c.provider();
  if (t->provider.empty()) {
    return Fail(pre + "provider",
                "is required (a target names a provider or has targets)");
  }
  if (options_.provider_exists && !options_.provider_exists(t->provider)) {
    return Fail(pre + "provider", "unknown provider \"" + t->provider + "\"");
  }
  t->upstream_model = c.upstream_model();
  t->override_params = s.params;
  auto& fields = *t->override_params.mutable_fields();
  if (auto it = fields.find("model"); it != fields.end()) {
    // Portkey picks the upstream model with override_params.model.
    if (!it->second.has_string_value() || it->second.string_value().empty()) {
      return Fail(pre + "override_params.model", "must be a non-empty string");
    }
    if (t->upstream_model.empty())
      t->upstream_model = it->second.string_value();
    fields.erase(it);
  }
  if (!c.api_key().empty() && !c.api_key_env().empty()) {
    return Fail(pre + "api_key", "set either api_key or api_key_env, not both");
  }
  t->api_key = c.api_key();
  if (!c.api_key_env().empty()) {
    if (!options_.trusted) {
      return Fail(pre + "api_key_env",
                  "is not allowed in a per-request config");
    }
    const char* key = std::getenv(c.api_key_env().c_str());
    if (key == nullptr || *key == '\0') {
      return Fail(pre + "api_key_env",
                  "environment variable " + c.api_key_env() + " is not set");
    }
    t->api_key = key;
  }
  if (!c.base_url().empty()) {
    if (!options_.trusted) {
      return Fail(pre + "base_url", "is not allowed in a per-request config");
    }
    if (!options_.allow_base_url) {
      return Fail(pre + "base_url",
                  "base URL overrides are not supported yet; configure "
                  "a provider with that base_url instead");
    }
    if (c.base_url().rfind("http://", 0) != 0 &&
        c.base_url().rfind("https://", 0) != 0) {
      return Fail(pre + "base_url", "must start with http:// or https://");
    }
    t->base_url = c.base_url();
  }
  t->retry = s.retry;
  t->timeouts = s.timeouts;
  t->breaker = s.breaker;
  t->limits = s.limits;

  const std::string model_label =
      t->upstream_model.empty() ? "*" : t->upstream_model;
  const std::string label = t->provider + "/" + model_label;
  t->label = t->path + " (" + label + ")";
  // Same upstream, credentials and settings → same live state.
  std::string key = t->provider + '\x1f' + t->upstream_model + '\x1f' +
                    t->base_url + '\x1f' +
                    std::to_string(std::hash<std::string>{}(t->api_key));
  const auto& b = t->breaker;
  const auto& l = t->limits;
  for (long v :
       {long{b.consecutive_failures}, long(b.error_rate * 1e6),
        long{b.min_requests}, long(b.window.count()), long(b.cooldown.count()),
        long{b.half_open_probes}, long{l.max_inflight}, long{l.max_queue},
        long(t->retry.budget_window.count())}) {
    key += '\x1f' + std::to_string(v);
  }
  t->state =
      options_.states != nullptr
          ? options_.states->Get(key, label, t->breaker, t->limits, t->retry)
          : std::make_shared<TargetState>(label, t->breaker, t->limits,
                                          t->retry);
  if (options_.metrics != nullptr) {
    t->metrics = options_.metrics->ForTarget(route_, t->path, t->provider);
  }
  node.target = std::move(t);
  return Ok{};
}

}  // namespace

Result<std::shared_ptr<const Route>> CompileRoute(
    const configpb::RouteNode& config, const CompileOptions& options,
    std::string_view source) {
  const std::string route_name =
      config.name().empty() ? "(request)" : config.name();
  std::string src(source);
  if (src.empty())
    src = config.name().empty() ? "route" : "route \"" + config.name() + "\"";
  Compiler compiler(options, src, route_name);
  auto root = compiler.Build(config, "", Inherited{}, 0);
  if (!root.ok()) return root.error();
  std::vector<std::string> models(config.models().begin(),
                                  config.models().end());
  return std::shared_ptr<const Route>(std::make_shared<Route>(
      route_name, std::move(models), std::move(root.value()), options.metrics));
}

Result<std::shared_ptr<const Route>> SingleTargetRoute(
    std::string name, std::string provider, std::string upstream_model,
    const CompileOptions& options) {
  configpb::RouteNode config;
  config.set_name(std::move(name));
  config.set_provider(std::move(provider));
  config.set_upstream_model(std::move(upstream_model));
  return CompileRoute(config, options);
}

}  // namespace across::routing
