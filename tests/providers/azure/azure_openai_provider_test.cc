// AzureOpenAiProvider through the real HttpClient against a scripted local
// upstream: Azure's URL layouts and auth headers, the body it sends (field
// by field against the fixtures), content-filter outcomes, errors and
// streams. Fixture sources: fixtures/README.md.
#include "providers/azure/azure_openai_provider.h"

#include <gtest/gtest.h>

#include "providers/catalog.h"
#include "providers/openai/openai_wire.h"
#include "tests/providers/cohere/golden.h"
#include "tests/providers/common/test_upstream.h"

namespace across {
namespace {

using testing::Reply;
namespace http = boost::beast::http;
namespace json = boost::json;
namespace v1 = ::across::gateway::v1;
using ::across::config::v1::ProviderConfig;

const std::string kDir = "tests/providers/azure/fixtures/";
constexpr const char* kKey = "az-test-0123456789abcdef";
constexpr const char* kDeployment = "gpt-4o-prod";

ProviderConfig Config(std::string base_url) {
  ProviderConfig cfg;
  cfg.set_id("azure");
  cfg.set_type("azure-openai");
  cfg.set_base_url(std::move(base_url));
  cfg.set_connect_timeout_ms(2000);
  cfg.set_request_timeout_ms(5000);
  return cfg;
}

// ---- URL layouts ----------------------------------------------------------

TEST(AzureOpenAiPath, DeploymentsLayout) {
  ProviderConfig cfg = Config("https://myres.openai.azure.com");
  EXPECT_EQ(AzureOpenAiPath(cfg, "chat/completions", "gpt-4o-prod"),
            "/openai/deployments/gpt-4o-prod/chat/completions"
            "?api-version=2024-10-21");
  EXPECT_EQ(AzureOpenAiPath(cfg, "embeddings", "emb"),
            "/openai/deployments/emb/embeddings?api-version=2024-10-21");
  cfg.set_api_version("2025-04-01-preview");
  EXPECT_EQ(AzureOpenAiPath(cfg, "chat/completions", "d"),
            "/openai/deployments/d/chat/completions"
            "?api-version=2025-04-01-preview");
  // A deployment name can never add path segments or query parameters.
  EXPECT_EQ(AzureOpenAiPath(cfg, "embeddings", "a/b?c=d e"),
            "/openai/deployments/a%2Fb%3Fc%3Dd%20e/embeddings"
            "?api-version=2025-04-01-preview");
  cfg.set_base_url("https://myres.openai.azure.com/openai/");
  EXPECT_EQ(AzureOpenAiPath(cfg, "embeddings", "e"),
            "/deployments/e/embeddings?api-version=2025-04-01-preview");
}

TEST(AzureOpenAiPath, V1Layout) {
  for (const char* base : {"https://myres.openai.azure.com/openai/v1",
                           "https://myres.openai.azure.com/openai/v1/"}) {
    ProviderConfig cfg = Config(base);
    cfg.set_api_version("2024-10-21");  // ignored: v1 has no api-version
    EXPECT_TRUE(IsAzureV1BaseUrl(base)) << base;
    EXPECT_EQ(AzureOpenAiPath(cfg, "chat/completions", "gpt-4o-prod"),
              "/chat/completions");
    EXPECT_EQ(AzureOpenAiPath(cfg, "embeddings", "e"), "/embeddings");
  }
  EXPECT_FALSE(IsAzureV1BaseUrl("https://myres.openai.azure.com"));
  EXPECT_FALSE(IsAzureV1BaseUrl("https://myres.openai.azure.com/openai"));
  EXPECT_FALSE(IsAzureV1BaseUrl("https://x.example/openai/v10"));
}

TEST(AzureCatalog, BuildsAndReports) {
  EXPECT_TRUE(IsKnownProviderType("azure-openai"));
  ProviderOperations ops = SupportedOperations("azure-openai");
  EXPECT_TRUE(ops.chat && ops.chat_stream && ops.embed);
  auto p = MakeProvider(Config("https://myres.openai.azure.com"), "k");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ((*p)->info().type, "azure-openai");
  EXPECT_EQ((*p)->info().id, "azure");
  auto missing = MakeProvider(Config(""), "k");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().param, "base_url");
}

TEST(Catalog, EveryAdapterTypeReportsItsOperations) {
  // Docs and routing read SupportedOperations; a type without a row would
  // look like it supports nothing.
  for (const ProviderPreset& p : AllPresets()) {
    EXPECT_TRUE(SupportedOperations(p.type).chat)
        << p.id << " (" << p.type << ")";
  }
  EXPECT_TRUE(SupportedOperations("azure-openai").chat);  // no preset
}

// ---- Through HTTP ---------------------------------------------------------

class AzureProviderTest : public testing::ProviderTest {
 protected:
  AzureOpenAiProvider Make(ProviderConfig cfg, std::string key = kKey) {
    return AzureOpenAiProvider(std::move(cfg), std::move(key));
  }
  AzureOpenAiProvider Deployments() { return Make(Config(upstream_.Origin())); }

  static v1::ChatRequest Client(const std::string& name) {
    auto p = openai::ParseChatRequest(
        golden::LoadJsonText(kDir + name + ".client.json"));
    EXPECT_TRUE(p.ok()) << name;
    return p.ok() ? p->request : v1::ChatRequest();
  }

  // Sends <name>.client.json unary and checks the upstream request against
  // <name>.request.json; returns the result.
  Result<v1::ChatResponse> ChatCase(const std::string& name,
                                    const std::string& response_file) {
    upstream_.Push(
        Reply::Json(200, golden::LoadJsonText(kDir + response_file)));
    AzureOpenAiProvider p = Deployments();
    v1::ChatRequest req = Client(name);
    UpstreamCall call{ctx_, kDeployment, ""};
    auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call, req); });
    const auto& sent = upstream_.requests.back();
    EXPECT_EQ(sent.target(), std::string("/openai/deployments/") + kDeployment +
                                 "/chat/completions?api-version=2024-10-21");
    golden::ExpectJsonEq(golden::Parse(sent.body()),
                         golden::LoadJson(kDir + name + ".request.json"));
    return r;
  }
};

TEST_F(AzureProviderTest, PlainChatWithApiKey) {
  auto r = ChatCase("chat_plain", "chat_plain.response.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  // The raw key in api-key, nothing in Authorization.
  EXPECT_EQ(Header(0, "api-key"), kKey);
  EXPECT_EQ(Header(0, "authorization"), "");
  EXPECT_EQ(r->provider(), "azure");
  EXPECT_EQ(r->model(), "gpt-4o-2024-08-06");
  EXPECT_EQ(r->choices(0).message().content(),
            "Clouds never pay rent: they are always just passing through.");
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_STOP);
  EXPECT_EQ(r->usage().prompt_tokens(), 14);
  EXPECT_EQ(r->usage().completion_tokens(), 13);
  EXPECT_EQ(r->usage().total_tokens(), 27);
  EXPECT_EQ(r->system_fingerprint(), "fp_04751d0b65");
}

TEST_F(AzureProviderTest, MultiTurnWithSystemPrompt) {
  auto r = ChatCase("chat_system_multiturn", "chat_plain.response.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST_F(AzureProviderTest, ToolCallRoundTrip) {
  auto r = ChatCase("chat_tools", "chat_tools.response.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const v1::Message& m = r->choices(0).message();
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_TOOL_CALLS);
  ASSERT_EQ(m.tool_calls_size(), 2);
  EXPECT_EQ(m.tool_calls(0).id(), "call_sea_7Hq2");
  EXPECT_EQ(m.tool_calls(1).index(), 1);
  EXPECT_EQ(m.tool_calls(1).function().arguments(),
            R"({"location":"Oslo","unit":"celsius"})");
  // The next turn carries the results back under the same call ids.
  auto next = ChatCase("chat_tool_result", "chat_plain.response.json");
  ASSERT_TRUE(next.ok()) << next.error().message;
}

TEST_F(AzureProviderTest, ImageInput) {
  auto r = ChatCase("chat_image", "chat_plain.response.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST_F(AzureProviderTest, MaxTokensStopAndCachedUsage) {
  auto r = ChatCase("chat_plain", "chat_max_tokens.response.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_LENGTH);
  EXPECT_EQ(r->choices(0).message().content(), "Once upon a time, in a");
  EXPECT_EQ(r->usage().cached_tokens(), 16);
  EXPECT_EQ(r->usage().total_tokens(), 28);
}

TEST_F(AzureProviderTest, CompletionFilteredMapsToContentFilter) {
  auto r = ChatCase("chat_plain", "chat_content_filter.response.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(r->choices(0).message().content(), "");
}

TEST_F(AzureProviderTest, PromptFilteredIsA400WithCodeContentFilter) {
  upstream_.Push(Reply::Json(
      400, golden::LoadJsonText(kDir + "error_content_filter.json")));
  AzureOpenAiProvider p = Deployments();
  v1::ChatRequest req = Client("chat_plain");
  UpstreamCall call{ctx_, kDeployment, ""};
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(r.error().code, "content_filter");
  EXPECT_EQ(r.error().param, "prompt");
  EXPECT_EQ(r.error().type, "invalid_request_error");
  EXPECT_EQ(r.error().message,
            "azure: The prompt was filtered by the content management policy; "
            "change the prompt and try again.");
}

TEST_F(AzureProviderTest, RateLimitAndAuthErrors) {
  upstream_.Push(Reply::Json(429, golden::LoadJsonText(kDir + "error_429.json"),
                             "retry-after-ms: 2500\r\nretry-after: 3\r\n"));
  upstream_.Push(
      Reply::Json(401, golden::LoadJsonText(kDir + "error_401.json")));
  AzureOpenAiProvider p = Deployments();
  v1::ChatRequest req = Client("chat_plain");
  UpstreamCall call{ctx_, kDeployment, ""};
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 429);
  EXPECT_EQ(r.error().type, "rate_limit_error");
  EXPECT_EQ(r.error().code, "429");
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(r.error().retry_after->count(), 2500);
  EXPECT_EQ(
      r.error().message.rfind("azure: Requests to the ChatCompletions", 0), 0u)
      << r.error().message;

  testing::RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 401);
  EXPECT_EQ(st.error().type, "authentication_error");
  EXPECT_EQ(st.error().message,
            "azure: Access denied: invalid subscription key or wrong API "
            "endpoint.");
}

TEST_F(AzureProviderTest, StreamsParallelToolCallsPastPromptAnnotations) {
  upstream_.Push(Reply::Sse(golden::Read(kDir + "stream_parallel_tools.sse")));
  AzureOpenAiProvider p = Deployments();
  v1::ChatRequest req = Client("chat_tools");
  UpstreamCall call{ctx_, kDeployment, ""};
  testing::RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call, req, sink); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  json::value body = golden::Parse(upstream_.requests[0].body());
  EXPECT_EQ(body.at("stream"), json::value(true));
  EXPECT_EQ(body.at("stream_options").at("include_usage"), json::value(true));
  EXPECT_EQ(Header(0, "accept"), "text/event-stream");
  // The prompt_filter_results chunk carries nothing for the client.
  ASSERT_EQ(sink.chunks.size(), 7u);
  std::vector<std::string> ids(2), args(2);
  for (const auto& c : sink.chunks) {
    EXPECT_EQ(c.provider(), "azure");
    EXPECT_EQ(c.id(), "chatcmpl-AZq4stream");
    for (const auto& ch : c.choices()) {
      for (const auto& tc : ch.delta().tool_calls()) {
        ASSERT_LT(tc.index(), 2);
        ids[tc.index()] += tc.id();
        args[tc.index()] += tc.function().arguments();
      }
    }
  }
  EXPECT_EQ(ids[0], "call_sea_7Hq2");
  EXPECT_EQ(ids[1], "call_osl_9Kf1");
  EXPECT_EQ(args[0], R"({"location":"Seattle"})");
  EXPECT_EQ(args[1], R"({"location": "Oslo"})");
  EXPECT_EQ(sink.chunks[5].choices(0).finish_reason(),
            v1::FINISH_REASON_TOOL_CALLS);
  EXPECT_EQ(sink.chunks[6].usage().total_tokens(), 136);
  EXPECT_TRUE(ctx_.first_token.has_value());
}

TEST_F(AzureProviderTest, StreamFilteredMidWay) {
  upstream_.Push(Reply::Sse(golden::Read(kDir + "stream_content_filter.sse")));
  AzureOpenAiProvider p = Deployments();
  v1::ChatRequest req = Client("chat_plain");
  UpstreamCall call{ctx_, kDeployment, ""};
  testing::RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call, req, sink); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_EQ(sink.chunks.size(), 3u);
  EXPECT_EQ(sink.chunks[1].choices(0).delta().content(), "The story begins");
  EXPECT_EQ(sink.chunks[2].choices(0).finish_reason(),
            v1::FINISH_REASON_CONTENT_FILTER);
}

TEST_F(AzureProviderTest, V1LayoutWithEntraToken) {
  upstream_.Push(Reply::Json(
      200, golden::LoadJsonText(kDir + "chat_plain.response.json")));
  ProviderConfig cfg = Config(upstream_.Origin() + "/openai/v1");
  cfg.set_auth_header("authorization");  // Microsoft Entra ID bearer token
  AzureOpenAiProvider p = Make(cfg, "entra-token-0123456789");
  v1::ChatRequest req = Client("chat_plain");
  UpstreamCall call{ctx_, kDeployment, ""};
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(upstream_.requests[0].target(), "/openai/v1/chat/completions");
  EXPECT_EQ(Header(0, "authorization"), "Bearer entra-token-0123456789");
  EXPECT_EQ(Header(0, "api-key"), "");
  // The deployment travels in the body.
  golden::ExpectJsonEq(golden::Parse(upstream_.requests[0].body()),
                       golden::LoadJson(kDir + "chat_plain.request.json"));
}

TEST_F(AzureProviderTest, CallerKeyIsForwardedRawWhenNoneIsConfigured) {
  upstream_.Push(Reply::Json(
      200, golden::LoadJsonText(kDir + "chat_plain.response.json")));
  AzureOpenAiProvider p = Make(Config(upstream_.Origin()), "");
  ctx_.headers.authorization = "Bearer callers-own-azure-key";
  v1::ChatRequest req = Client("chat_plain");
  UpstreamCall call{ctx_, kDeployment, ""};
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(0, "api-key"), "callers-own-azure-key");
}

TEST_F(AzureProviderTest, Embeddings) {
  upstream_.Push(
      Reply::Json(200, golden::LoadJsonText(kDir + "embed.response.json")));
  ProviderConfig cfg = Config(upstream_.Origin());
  cfg.set_api_version("2024-06-01");
  AzureOpenAiProvider p = Make(cfg);
  auto req = openai::ParseEmbedRequest(
      golden::LoadJsonText(kDir + "embed.client.json"));
  ASSERT_TRUE(req.ok());
  UpstreamCall call{ctx_, "embed-prod", ""};
  auto r = Run<Result<v1::EmbedResponse>>([&] { return p.Embed(call, *req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(upstream_.requests[0].target(),
            "/openai/deployments/embed-prod/embeddings?api-version=2024-06-01");
  golden::ExpectJsonEq(golden::Parse(upstream_.requests[0].body()),
                       golden::LoadJson(kDir + "embed.request.json"));
  ASSERT_EQ(r->data_size(), 2);
  EXPECT_FLOAT_EQ(r->data(1).embedding(3), -0.8f);
  EXPECT_EQ(r->usage().prompt_tokens(), 4);
  EXPECT_EQ(r->provider(), "azure");
}

}  // namespace
}  // namespace across
