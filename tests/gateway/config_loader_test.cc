#include "gateway/config/config_loader.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace across {
namespace {

TEST(ConfigLoader, BuiltInDefaultServesEcho) {
  auto cfg = ParseConfig(DefaultConfigYaml(), "<built-in>");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->listeners().http().port(), 8787);
  EXPECT_EQ(cfg->listeners().grpc().port(), 50051);
  ASSERT_EQ(cfg->models_size(), 1);
  EXPECT_EQ(cfg->models(0).name(), "echo");
  EXPECT_EQ(cfg->models(0).upstream_model(), "echo");
  EXPECT_EQ(cfg->limits().max_body_bytes(), 4 << 20);
  EXPECT_TRUE(cfg->logging().access_log());
}

TEST(ConfigLoader, KnownProviderIdFillsPreset) {
  auto cfg = ParseConfig(R"(
providers:
  - id: groq
models:
  - name: fast
    provider: groq
    upstream_model: llama-3.1-8b-instant
)",
                         "groq.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& p = cfg->providers(0);
  EXPECT_EQ(p.type(), "openai");
  EXPECT_EQ(p.base_url(), "https://api.groq.com/openai/v1");
  EXPECT_EQ(p.api_key_env(), "GROQ_API_KEY");
  EXPECT_EQ(p.auth_header(), "authorization");
}

TEST(ConfigLoader, QuotedNumbersStayStrings) {
  auto cfg = ParseConfig(R"(
providers:
  - {id: local, type: openai, base_url: "http://127.0.0.1:9/v1", headers: {x-version: "2024"}}
)",
                         "q.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->providers(0).headers().at("x-version"), "2024");
}

struct BadConfig {
  const char* name;
  const char* yaml;
  const char* expect;  // substring of the error message
};

class ConfigErrors : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ConfigErrors, NameFileFieldAndReason) {
  auto cfg = ParseConfig(GetParam().yaml, "bad.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message.rfind("bad.yaml: ", 0), 0u) << cfg.error().message;
  EXPECT_NE(cfg.error().message.find(GetParam().expect), std::string::npos)
      << cfg.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    All, ConfigErrors,
    ::testing::Values(
        BadConfig{"yaml", "listeners: [unclosed", "invalid YAML at line 1"},
        BadConfig{"top_level", "- a\n- b", "top level must be a mapping"},
        BadConfig{"unknown_field", "listners: {}", "listners"},
        BadConfig{"port_type", "listeners: {http: {port: abc}}", "port"},
        BadConfig{"port_range", "listeners: {http: {port: 70000}}",
                  "listeners.http.port: must be between 0 and 65535"},
        BadConfig{"unknown_provider",
                  "providers: [{id: echo, type: echo}]\nmodels: [{name: m, provider: nope}]",
                  "models[0].provider: unknown provider \"nope\""},
        BadConfig{"dup_model",
                  "providers: [{id: echo}]\nmodels: [{name: m, provider: echo}, {name: m, "
                  "provider: echo}]",
                  "models[1].name: duplicate model name"},
        BadConfig{"dup_provider", "providers: [{id: echo}, {id: echo}]",
                  "providers[1].id: duplicate provider id"},
        BadConfig{"no_type", "providers: [{id: my-thing}]", "providers[0].type: is required"},
        BadConfig{"bad_type", "providers: [{id: x, type: carrier-pigeon, base_url: http://a}]",
                  "providers[0].type: unknown provider type"},
        BadConfig{"no_base_url", "providers: [{id: x, type: openai}]",
                  "providers[0].base_url: is required"},
        BadConfig{"bad_scheme", "providers: [{id: x, type: openai, base_url: ftp://a}]",
                  "providers[0].base_url: must start with http:// or https://"},
        BadConfig{"level", "logging: {level: loud}", "logging.level"},
        BadConfig{"negative_limit", "limits: {max_body_bytes: -1}",
                  "limits.max_body_bytes: must not be negative"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigLoader, MissingFileNamesPath) {
  auto cfg = LoadConfigFile("/nonexistent/across.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message, "/nonexistent/across.yaml: cannot open file");
}

TEST(ConfigLoader, ApiKeyComesFromEnvironment) {
  configpb::ProviderConfig p;
  p.set_api_key_env("ACROSS_TEST_KEY_VAR");
  ::setenv("ACROSS_TEST_KEY_VAR", "sk-secret", 1);
  EXPECT_EQ(ResolveApiKey(p), "sk-secret");
  ::unsetenv("ACROSS_TEST_KEY_VAR");
  EXPECT_EQ(ResolveApiKey(p), "");
}

}  // namespace
}  // namespace across
