// Provider presets and the provider factory.
#include "providers/catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace across {
namespace {

TEST(Catalog, KnownPresets) {
  struct Want {
    const char* id;
    const char* base_url;
    const char* key_env;
  } want[] = {
      {"openai", "https://api.openai.com/v1", "OPENAI_API_KEY"},
      {"groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY"},
      {"together", "https://api.together.xyz/v1", "TOGETHER_API_KEY"},
      {"fireworks", "https://api.fireworks.ai/inference/v1",
       "FIREWORKS_API_KEY"},
      {"deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"},
      {"mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"},
      {"xai", "https://api.x.ai/v1", "XAI_API_KEY"},
      {"openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"},
      {"perplexity", "https://api.perplexity.ai", "PERPLEXITY_API_KEY"},
      {"deepinfra", "https://api.deepinfra.com/v1/openai", "DEEPINFRA_API_KEY"},
      {"ollama", "http://127.0.0.1:11434/v1", ""},
      {"vllm", "http://127.0.0.1:8000/v1", ""},
      {"gemini-openai",
       "https://generativelanguage.googleapis.com/v1beta/openai",
       "GEMINI_API_KEY"},
  };
  for (const auto& w : want) {
    const ProviderPreset* p = FindPreset(w.id);
    ASSERT_NE(p, nullptr) << w.id;
    EXPECT_EQ(p->id, w.id);
    EXPECT_EQ(p->type, "openai") << w.id;
    EXPECT_EQ(p->base_url, w.base_url) << w.id;
    EXPECT_EQ(p->api_key_env, w.key_env) << w.id;
    EXPECT_EQ(p->auth_header, "authorization") << w.id;
    // Url::Join appends "/chat/completions"; a trailing slash would double.
    EXPECT_NE(p->base_url.back(), '/') << w.id;
  }
  const ProviderPreset* echo = FindPreset("echo");
  ASSERT_NE(echo, nullptr);
  EXPECT_EQ(echo->type, "echo");
  EXPECT_TRUE(echo->base_url.empty());
  EXPECT_EQ(FindPreset("nope"), nullptr);
  EXPECT_EQ(FindPreset(""), nullptr);
  EXPECT_EQ(FindPreset("OpenAI"), nullptr);  // ids are case-sensitive
}

TEST(Catalog, AllPresetsUniqueAndTyped) {
  std::set<std::string> ids;
  for (const auto& p : AllPresets()) {
    EXPECT_TRUE(ids.insert(p.id).second) << p.id;
    EXPECT_TRUE(IsKnownProviderType(p.type)) << p.id;
    EXPECT_EQ(FindPreset(p.id), &p);
  }
  // 13 OpenAI-compatible presets and echo; native adapters add their own.
  EXPECT_GE(ids.size(), 14u);
  EXPECT_TRUE(IsKnownProviderType("openai"));
  EXPECT_TRUE(IsKnownProviderType("echo"));
  EXPECT_TRUE(IsKnownProviderType("anthropic"));
  EXPECT_FALSE(IsKnownProviderType("carrier-pigeon"));
}

TEST(MakeProvider, BuildsByType) {
  ::across::config::v1::ProviderConfig cfg;
  cfg.set_id("my-vllm");
  cfg.set_type("openai");
  cfg.set_base_url("http://127.0.0.1:8000/v1");
  auto p = MakeProvider(cfg, "secret-key");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ((*p)->info().id, "my-vllm");
  EXPECT_EQ((*p)->info().type, "openai");

  ::across::config::v1::ProviderConfig echo;
  echo.set_id("demo");
  echo.set_type("echo");
  p = MakeProvider(echo, "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->info().id, "demo");
  EXPECT_EQ((*p)->info().type, "echo");

  // A known id without a type falls back to its preset.
  ::across::config::v1::ProviderConfig bare;
  bare.set_id("echo");
  p = MakeProvider(bare, "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->info().type, "echo");
}

TEST(MakeProvider, Errors) {
  ::across::config::v1::ProviderConfig cfg;
  cfg.set_id("x");
  cfg.set_type("carrier-pigeon");
  auto p = MakeProvider(cfg, "sk-secret-123456");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("carrier-pigeon"), std::string::npos);
  EXPECT_NE(p.error().message.find("\"x\""), std::string::npos);
  EXPECT_EQ(p.error().message.find("sk-secret"), std::string::npos);

  cfg.set_type("openai");  // no base_url
  p = MakeProvider(cfg, "");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("base_url"), std::string::npos);
}

}  // namespace
}  // namespace across
