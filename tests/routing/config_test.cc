// Route configs: native YAML/JSON loading, inheritance, Portkey
// compatibility and precise errors for invalid configs.
#include <gtest/gtest.h>

#include <cstdlib>

#include "gateway/routing/routing.h"

namespace across::routing {
namespace {

using std::chrono::milliseconds;

Result<std::shared_ptr<const Route>> Compile(
    const std::string& yaml, const CompileOptions& options = {}) {
  auto config = ParseRouteConfig(yaml, "routes.yaml");
  if (!config.ok()) return config.error();
  return CompileRoute(*config, options);
}

std::string ErrorOf(const std::string& yaml,
                    const CompileOptions& options = {}) {
  auto r = Compile(yaml, options);
  return r.ok() ? "<ok>" : r.error().message;
}

TEST(RouteConfigTest, LoadsNativeYamlTree) {
  auto route = Compile(R"(
name: smart
models: [smart, gpt-smart]
strategy: fallback
targets:
  - strategy: loadbalance
    loadbalance_mode: latency
    targets:
      - {provider: openai, upstream_model: gpt-4o, weight: 3}
      - {provider: azure, upstream_model: gpt-4o, weight: 0}
  - {provider: groq, upstream_model: llama-3.1-70b}
)");
  ASSERT_TRUE(route.ok()) << route.error().message;
  const Route& r = **route;
  EXPECT_EQ(r.name(), "smart");
  EXPECT_EQ(r.models(), (std::vector<std::string>{"smart", "gpt-smart"}));
  ASSERT_EQ(r.targets().size(), 3u);
  EXPECT_EQ(r.targets()[0]->path, "targets[0].targets[0]");
  EXPECT_EQ(r.targets()[1]->path, "targets[0].targets[1]");
  EXPECT_EQ(r.targets()[2]->path, "targets[1]");
  EXPECT_EQ(r.targets()[2]->label, "targets[1] (groq/llama-3.1-70b)");
  EXPECT_EQ(r.root().strategy, StrategyKind::kFallback);
  EXPECT_EQ(r.root().children[0]->balance, BalanceMode::kLatency);
  EXPECT_EQ(r.root().children[0]->children[0]->weight, 3);
  EXPECT_EQ(r.root().children[0]->children[1]->weight, 0);
  EXPECT_FALSE(r.needs_facts());
}

TEST(RouteConfigTest, AcceptsJsonToo) {
  auto route = Compile(
      R"({"name": "j", "strategy": "fallback", "targets": [{"provider": "a"}, {"provider": "b"}]})");
  ASSERT_TRUE(route.ok()) << route.error().message;
  EXPECT_EQ((*route)->targets().size(), 2u);
}

TEST(RouteConfigTest, SettingsAreInheritedUnlessOverridden) {
  auto route = Compile(R"(
strategy: fallback
retry: {attempts: 3, backoff_base_ms: 50, on_status_codes: [429]}
request_timeout_ms: 1000
max_inflight: 10
on_status_codes: [503]
breaker: {consecutive_failures: 5}
override_params: {temperature: 0.2, top_p: 0.9}
targets:
  - provider: a
  - provider: b
    retry: {attempts: 1}
    request_timeout_ms: 0
    breaker: {cooldown_ms: 100}
    override_params: {temperature: 0.7, model: b-large}
  - strategy: fallback
    on_status_codes: [500]
    max_inflight: 2
    targets: [{provider: c}]
)");
  ASSERT_TRUE(route.ok()) << route.error().message;
  const auto& t = (*route)->targets();
  // a: everything from the root.
  EXPECT_EQ(t[0]->retry.attempts, 3);
  EXPECT_EQ(t[0]->retry.backoff_base, milliseconds(50));
  EXPECT_TRUE(t[0]->retry.on_status.Contains(429));
  EXPECT_FALSE(t[0]->retry.on_status.Contains(503));
  EXPECT_EQ(t[0]->timeouts.request, milliseconds(1000));
  EXPECT_EQ(t[0]->limits.max_inflight, 10);
  EXPECT_EQ(t[0]->breaker.consecutive_failures, 5);
  EXPECT_EQ(t[0]->override_params.fields().at("temperature").number_value(),
            0.2);
  // b: overrides some fields, keeps the rest field by field.
  EXPECT_EQ(t[1]->retry.attempts, 1);
  EXPECT_EQ(t[1]->retry.backoff_base, milliseconds(50));
  EXPECT_TRUE(t[1]->retry.on_status.Contains(429));
  EXPECT_EQ(t[1]->timeouts.request, milliseconds(0));  // explicit 0 disables
  EXPECT_EQ(t[1]->breaker.consecutive_failures, 5);
  EXPECT_EQ(t[1]->breaker.cooldown, milliseconds(100));
  EXPECT_EQ(t[1]->override_params.fields().at("temperature").number_value(),
            0.7);
  EXPECT_EQ(t[1]->override_params.fields().at("top_p").number_value(), 0.9);
  EXPECT_EQ(t[1]->upstream_model, "b-large");  // override_params.model
  EXPECT_EQ(t[1]->override_params.fields().count("model"), 0u);
  // c: the nested node overrides the limit and its fallback codes.
  EXPECT_EQ(t[2]->limits.max_inflight, 2);
  EXPECT_EQ(t[2]->retry.attempts, 3);
  EXPECT_TRUE((*route)->root().fallback_on.Contains(503));
  EXPECT_FALSE((*route)->root().fallback_on.Contains(500));
  EXPECT_TRUE((*route)->root().children[2]->fallback_on.Contains(500));
  EXPECT_FALSE((*route)->root().children[2]->fallback_on.Contains(503));
}

TEST(RouteConfigTest, DefaultsMatchTheDocs) {
  auto route = Compile("provider: a\n");
  ASSERT_TRUE(route.ok()) << route.error().message;
  const Target& t = *(*route)->targets()[0];
  EXPECT_EQ(t.path, "root");
  EXPECT_EQ(t.retry.attempts, 0);
  EXPECT_EQ(t.retry.on_status.ToString(), "429,500,502-504");
  EXPECT_EQ(StatusSet::DefaultFallback().ToString(), "408,429,500-599");
  EXPECT_FALSE(t.breaker.enabled());
  EXPECT_EQ(t.limits.max_inflight, 0);
  EXPECT_EQ(t.retry.budget_ratio, 0.2);
}

TEST(RouteConfigTest, InvalidConfigsNameTheField) {
  EXPECT_EQ(ErrorOf("name: r\ntargets: [{provider: a, weigth: 2}]\n"),
            "routes.yaml: targets[0].weigth: unknown field");
  EXPECT_EQ(ErrorOf("name: r\nstrategy: fallback\ntargets: [{provider: a}, "
                    "{upstream_model: m}]\n"),
            "route \"r\": targets[1].provider: is required (a target names a "
            "provider or has "
            "targets)");
  EXPECT_EQ(ErrorOf("name: r\nstrategy: fallbak\ntargets: [{provider: a}]\n"),
            "route \"r\": strategy: unknown strategy \"fallbak\" (expected "
            "single, fallback, "
            "loadbalance, conditional)");
  EXPECT_EQ(ErrorOf("name: r\ntargets: [{provider: a}, {provider: b}]\n"),
            "route \"r\": strategy: is required for a node with 2 targets "
            "(single, fallback, "
            "loadbalance, conditional)");
  EXPECT_EQ(ErrorOf("name: r\nstrategy: fallback\ntargets: [{provider: a, "
                    "retry: {attempts: 9}}]\n"),
            "route \"r\": targets[0].retry.attempts: must be between 0 and 5 "
            "(got 9)");
  EXPECT_EQ(
      ErrorOf(
          "name: r\nstrategy: fallback\non_status_codes: [429, 700]\ntargets: "
          "[{provider: a}]\n"),
      "route \"r\": on_status_codes[1]: must be an HTTP status between 100 and "
      "599 (got "
      "700)");
  EXPECT_EQ(ErrorOf("name: r\nstrategy: loadbalance\ntargets: [{provider: a, "
                    "weight: 0}]\n"),
            "route \"r\": targets: loadbalance needs a target with weight > 0");
  EXPECT_EQ(ErrorOf("name: r\nstrategy: loadbalance\ntargets: [{provider: a, "
                    "weight: -1}]\n"),
            "route \"r\": targets[0].weight: must be a number >= 0");
  EXPECT_EQ(
      ErrorOf("name: r\nstrategy: single\ntargets: [{provider: a}, {provider: "
              "b}]\n"),
      "route \"r\": targets: strategy single takes exactly one target (got 2)");
  EXPECT_EQ(ErrorOf("name: r\nprovider: a\ntargets: [{provider: b}]\n"),
            "route \"r\": provider: a node with targets cannot also be a "
            "target itself; move it "
            "into one of its targets");
  EXPECT_EQ(
      ErrorOf("name: r\nstrategy: fallback\ntargets: [{provider: a, models: "
              "[x]}]\n"),
      "route \"r\": targets[0].models: is only allowed on the route's root");
  EXPECT_EQ(
      ErrorOf(
          "name: r\nstrategy: fallback\nloadbalance_mode: fastest\ntargets: "
          "[{provider: a}]\n"),
      "route \"r\": loadbalance_mode: unknown mode \"fastest\" (expected "
      "weighted, "
      "least_inflight, latency)");
  EXPECT_EQ(
      ErrorOf("name: r\nstrategy: fallback\ntargets: [{provider: a, breaker: "
              "{error_rate: 1.5}}]\n"),
      "route \"r\": targets[0].breaker.error_rate: must be between 0 and 1");
  EXPECT_EQ(
      ErrorOf("name: r\nstrategy: fallback\nretry: {backoff_base_ms: 500, "
              "backoff_cap_ms: 100}\ntargets: [{provider: a}]\n"),
      "route \"r\": retry.backoff_cap_ms: must not be below backoff_base_ms "
      "(100 < 500)");
  EXPECT_EQ(ErrorOf("name: r\nstrategy: fallback\ntargets: [{provider: a, "
                    "max_queue: -1}]\n"),
            "route \"r\": targets[0].max_queue: must not be negative (got -1)");
  EXPECT_EQ(
      ErrorOf("name: r\nstrategy: fallback\ntargets: [{provider: a, name: x}, "
              "{provider: b, name: x}]\n"),
      "route \"r\": targets[1].name: duplicate target name \"x\"");
  EXPECT_EQ(ErrorOf("name: r\nstrategy: fallback\nconditions: [{query: {a: 1}, "
                    "then: 0}]\n"
                    "targets: [{provider: a}]\n"),
            "route \"r\": conditions: only allowed with strategy conditional");
  EXPECT_EQ(
      ErrorOf("name: r\nstrategy: fallback\ntargets: [{provider: a, base_url: "
              "'http://x'}]\n"),
      "route \"r\": targets[0].base_url: base URL overrides are not supported "
      "yet; "
      "configure a provider with that base_url instead");
  EXPECT_EQ(
      ErrorOf("name: r\ntargets:\n  - strategy: fallback\n    targets: []\n"),
      "route \"r\": targets[0].targets: is required for strategy fallback");
}

TEST(RouteConfigTest, ConditionalErrors) {
  EXPECT_EQ(ErrorOf(R"(
name: r
strategy: conditional
conditions: [{query: {metadata.tier: {$eqq: paid}}, then: paid}]
targets: [{name: paid, provider: a}]
)"),
            "route \"r\": conditions[0].query.metadata.tier.$eqq: unknown "
            "operator \"$eqq\" "
            "(expected $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $regex)");
  EXPECT_EQ(ErrorOf(R"(
name: r
strategy: conditional
conditions: [{query: {metadata.tier: paid}, then: gold}]
targets: [{name: paid, provider: a}]
)"),
            "route \"r\": conditions[0].then: no target named \"gold\" among "
            "this node's targets");
  EXPECT_EQ(ErrorOf(R"(
name: r
strategy: conditional
conditions: [{query: {params.model: {$regex: "("}}, then: 0}]
targets: [{provider: a}]
)"),
            "route \"r\": conditions[0].query.params.model.$regex: invalid "
            "regular expression: "
            "missing ): (");
  EXPECT_EQ(ErrorOf(R"(
name: r
strategy: conditional
default: 3
targets: [{provider: a}]
)"),
            "route \"r\": default: target index 3 is out of range (1 targets)");
  EXPECT_EQ(
      ErrorOf("name: r\nstrategy: conditional\ntargets: [{provider: a}]\n"),
      "route \"r\": conditions: is required for strategy conditional");
}

TEST(RouteConfigTest, ProviderCheckAndDefaultProvider) {
  CompileOptions options;
  options.provider_exists = [](std::string_view id) { return id == "openai"; };
  EXPECT_EQ(ErrorOf("name: r\nstrategy: fallback\ntargets: [{provider: "
                    "openai}, {provider: "
                    "gorq}]\n",
                    options),
            "route \"r\": targets[1].provider: unknown provider \"gorq\"");
  options.default_provider = "openai";
  auto route = Compile("retry: {attempts: 2}\n", options);
  ASSERT_TRUE(route.ok()) << route.error().message;
  EXPECT_EQ((*route)->targets()[0]->provider, "openai");
}

TEST(RouteConfigTest, ApiKeyEnvIsResolvedAndCheckedAtLoad) {
  ::setenv("ROUTING_TEST_KEY", "sk-test", 1);
  auto route = Compile("provider: a\napi_key_env: ROUTING_TEST_KEY\n");
  ASSERT_TRUE(route.ok()) << route.error().message;
  EXPECT_EQ((*route)->targets()[0]->api_key, "sk-test");
  EXPECT_EQ(
      ErrorOf("name: r\nprovider: a\napi_key_env: ROUTING_TEST_MISSING\n"),
      "route \"r\": api_key_env: environment variable ROUTING_TEST_MISSING is "
      "not set");
}

TEST(RouteConfigTest, RouteSetFile) {
  auto set = ParseRouteSet(R"(
routes:
  - {name: a, models: [m1], provider: p1}
  - {name: b, models: [m2, m3], strategy: fallback, targets: [{provider: p1}, {provider: p2}]}
)",
                           "routes.yaml");
  ASSERT_TRUE(set.ok()) << set.error().message;
  std::vector<configpb::RouteNode> routes(set->routes().begin(),
                                          set->routes().end());
  auto table = RouteTable::Build(routes, {});
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ((*table)->Find("a")->name(), "a");
  EXPECT_EQ((*table)->Find("m3")->name(), "b");
  EXPECT_EQ((*table)->Find("nope"), nullptr);

  routes[1].add_models("m1");
  auto clash = RouteTable::Build(routes, {});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().message,
            "routes[1] (\"b\"): models[2]: \"m1\" already selects route \"a\"");
  routes[1].set_name("");
  EXPECT_EQ(RouteTable::Build(routes, {}).error().message,
            "routes[1]: name: is required");
}

// --- Portkey compatibility -------------------------------------------------

TEST(PortkeyConfigTest, FallbackWithRetryAndTimeouts) {
  auto config = ParsePortkeyConfig(R"({
    "strategy": {"mode": "fallback", "on_status_codes": [429, 503]},
    "retry": {"attempts": 3, "on_status_codes": [429]},
    "request_timeout": 10000,
    "targets": [
      {"provider": "openai", "api_key": "sk-1", "override_params": {"model": "gpt-4o"}},
      {"virtual_key": "anthropic-xxx", "provider": "groq", "weight": 1,
       "override_params": {"model": "llama", "max_tokens": 100},
       "retry": {"attempts": 9}, "cache": {"mode": "simple"}}
    ]
  })",
                                   "x-portkey-config");
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto route = CompileRoute(*config, {});
  ASSERT_TRUE(route.ok()) << route.error().message;
  const auto& r = **route;
  EXPECT_EQ(r.root().strategy, StrategyKind::kFallback);
  EXPECT_TRUE(r.root().fallback_on.Contains(503));
  EXPECT_FALSE(r.root().fallback_on.Contains(500));
  const auto& t = r.targets();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0]->provider, "openai");
  EXPECT_EQ(t[0]->upstream_model, "gpt-4o");
  EXPECT_EQ(t[0]->api_key, "sk-1");
  EXPECT_EQ(t[0]->retry.attempts, 3);
  EXPECT_TRUE(t[0]->retry.on_status.Contains(429));
  EXPECT_FALSE(t[0]->retry.on_status.Contains(500));
  EXPECT_EQ(t[0]->timeouts.request, std::chrono::milliseconds(10000));
  EXPECT_EQ(t[1]->upstream_model, "llama");
  EXPECT_EQ(t[1]->override_params.fields().at("max_tokens").number_value(),
            100);
  EXPECT_EQ(t[1]->retry.attempts, 5);  // clamped like Portkey does
}

TEST(PortkeyConfigTest, LoadbalanceConditionalNestedAndCamelCase) {
  auto config = ParsePortkeyConfig(R"({
    "strategy": {
      "mode": "conditional",
      "conditions": [
        {"query": {"metadata.user_plan": {"$eq": "paid"}}, "then": "premium"},
        {"query": {"$or": [{"params.max_tokens": {"$gt": 1000}}, {"metadata.tier": "x"}]},
         "then": "big"}
      ],
      "default": "cheap"
    },
    "targets": [
      {"name": "premium", "strategy": {"mode": "loadbalance"},
       "targets": [{"provider": "openai", "weight": 0.7}, {"provider": "azure", "weight": 0.3}]},
      {"name": "big", "provider": "anthropic", "overrideParams": {"model": "claude"},
       "requestTimeout": 500, "retry": {"attempts": 1, "onStatusCodes": [500]}},
      {"name": "cheap", "provider": "groq"}
    ]
  })",
                                   "x-portkey-config");
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto route = CompileRoute(*config, {});
  ASSERT_TRUE(route.ok()) << route.error().message;
  const auto& root = (*route)->root();
  EXPECT_EQ(root.strategy, StrategyKind::kConditional);
  EXPECT_TRUE((*route)->needs_facts());
  ASSERT_EQ(root.rules.size(), 2u);
  EXPECT_EQ(root.rules[0].child, 0);
  EXPECT_EQ(root.rules[1].child, 1);
  EXPECT_EQ(root.default_child, 2);
  EXPECT_EQ(root.children[0]->strategy, StrategyKind::kLoadBalance);
  EXPECT_DOUBLE_EQ(root.children[0]->children[0]->weight, 0.7);
  const Target& big = *root.children[1]->target;
  EXPECT_EQ(big.upstream_model, "claude");
  EXPECT_EQ(big.timeouts.request, std::chrono::milliseconds(500));
  EXPECT_TRUE(big.retry.on_status.Contains(500));
}

TEST(PortkeyConfigTest, SingleProviderConfigAndIgnoredKeys) {
  auto config = ParsePortkeyConfig(
      R"({"provider": "openai", "api_key": "sk", "virtual_key": "v", "cache": {"mode": "semantic"},
          "metadata": {"a": "b"}, "retry": {"attempts": 2, "use_retry_after_header": false}})",
      "x-portkey-config");
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto route = CompileRoute(*config, {});
  ASSERT_TRUE(route.ok()) << route.error().message;
  const Target& t = *(*route)->targets()[0];
  EXPECT_EQ(t.path, "root");
  EXPECT_EQ(t.retry.attempts, 2);
  EXPECT_FALSE(t.retry.honor_retry_after);
}

TEST(PortkeyConfigTest, ErrorsNameTheField) {
  auto err = [](const char* json) {
    auto c = ParsePortkeyConfig(json, "x-portkey-config");
    return c.ok() ? std::string("<ok>") : c.error().message;
  };
  EXPECT_EQ(err(R"({"strategy": {"mode": "roundrobin"}, "targets": []})"),
            "x-portkey-config: strategy.mode: unknown mode \"roundrobin\" "
            "(expected single, "
            "fallback, loadbalance, conditional)");
  EXPECT_EQ(err(R"({"strategy": {"on_status_codes": [500]}, "targets": []})"),
            "x-portkey-config: strategy.mode: is required");
  EXPECT_EQ(
      err(R"({"strategy": {"mode": "fallback"}, "targets": [{"provider": "a"},
                   {"provider": "b", "retry": {"attempts": "3"}}]})"),
      "x-portkey-config: targets[1].retry.attempts: must be a number");
  EXPECT_EQ(err(R"({"targets": [{"provider": "a", "wieght": 1}]})"),
            "x-portkey-config: targets[0].wieght: unsupported Portkey config "
            "field (see "
            "docs/routing.md for the supported ones)");
  EXPECT_EQ(
      err(R"({"strategy": {"mode": "fallback", "on_status_codes": "429"}})"),
      "x-portkey-config: strategy.on_status_codes: must be an array of status "
      "codes");
  EXPECT_EQ(err("{not json"), "x-portkey-config: invalid JSON: syntax error");
}

TEST(RequestConfigTest, AutoDetectsTheDialect) {
  auto portkey = ParseRequestConfig(
      R"({"strategy": {"mode": "fallback"}, "targets": [{"provider": "a"}, {"provider": "b"}]})",
      ConfigDialect::kAuto, "x-across-config");
  ASSERT_TRUE(portkey.ok()) << portkey.error().message;
  EXPECT_EQ(portkey->strategy(), "fallback");
  auto native = ParseRequestConfig(
      R"({"strategy": "fallback", "targets": [{"provider": "a", "upstream_model": "m"}]})",
      ConfigDialect::kAuto, "x-across-config");
  ASSERT_TRUE(native.ok()) << native.error().message;
  EXPECT_EQ(native->targets(0).upstream_model(), "m");
  auto id = ParseRequestConfig("pc-abc123", ConfigDialect::kPortkey,
                               "x-portkey-config");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().message,
            "x-portkey-config: saved Portkey config ids are not supported; "
            "send the config "
            "JSON itself");
}

TEST(RequestConfigTest, PerRequestConfigsCannotReadServerSecrets) {
  ::setenv("ROUTING_TEST_KEY", "sk-test", 1);
  auto r = CompileRequestConfig(
      R"({"provider": "a", "api_key_env": "ROUTING_TEST_KEY"})",
      ConfigDialect::kNative, {}, "x-across-config");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message,
      "x-across-config: api_key_env: is not allowed in a per-request config");
  EXPECT_EQ(r.error().http_status, 400);
  CompileOptions allow;
  allow.allow_base_url = true;
  auto host =
      CompileRequestConfig(R"({"provider": "a", "custom_host": "http://evil"})",
                           ConfigDialect::kPortkey, allow, "x-portkey-config");
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(
      host.error().message,
      "x-portkey-config: custom_host: is not allowed in a per-request config "
      "(per-request base URLs are not supported)");
}

TEST(RequestConfigTest, SizeLimits) {
  std::string deep = R"({"provider": "a"})";
  for (int i = 0; i < 10; ++i)
    deep = R"({"strategy": "single", "targets": [)" + deep + "]}";
  auto r =
      CompileRequestConfig(deep, ConfigDialect::kNative, {}, "x-across-config");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.error().message.find("targets nested too deep (at most 8 levels)"),
      std::string::npos)
      << r.error().message;
}

TEST(RequestConfigTest, SharedStateAcrossCompilations) {
  TargetStateRegistry states;
  CompileOptions options;
  options.states = &states;
  auto a = CompileRequestConfig(
      R"({"provider": "a", "override_params": {"model": "m"}})",
      ConfigDialect::kPortkey, options, "h");
  auto b = CompileRequestConfig(
      R"({"provider": "a", "override_params": {"model": "m"}})",
      ConfigDialect::kPortkey, options, "h");
  auto c = CompileRequestConfig(
      R"({"provider": "a", "override_params": {"model": "n"}})",
      ConfigDialect::kPortkey, options, "h");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ((*a)->targets()[0]->state, (*b)->targets()[0]->state);
  EXPECT_NE((*a)->targets()[0]->state, (*c)->targets()[0]->state);
  EXPECT_EQ(states.size(), 2u);
}

}  // namespace
}  // namespace across::routing
