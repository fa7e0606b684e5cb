// Engine behaviour with the built-in echo provider: routing, validation,
// streaming through a sink, metrics and access-log records.
#include "gateway/engine/engine.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/detached.hpp>
#include <gtest/gtest.h>

#include "gateway/config/config_loader.h"

namespace across {
namespace {

class CollectingSink : public ChunkSink {
 public:
  asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
    chunks.push_back(std::move(chunk));
    co_return true;
  }
  std::vector<v1::ChatChunk> chunks;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = ParseConfig(R"(
providers: [{id: echo}]
models: [{name: echo, provider: echo}, {name: alias, provider: echo, upstream_model: echo-1}]
)",
                           "test.yaml");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto registry = ModelRegistry::Build(*cfg);
    ASSERT_TRUE(registry.ok()) << registry.error().message;
    engine_ = std::make_unique<Engine>(std::move(registry.value()), metrics_, AccessLog(false));
  }

  // Result<T> has no default constructor, so co_spawn's future cannot hold
  // it; collect it into an optional instead.
  template <typename T>
  T Run(asio::awaitable<T> op) {
    std::optional<T> out;
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(op)); },
        asio::detached);
    io_.run();
    io_.restart();
    return std::move(*out);
  }

  static v1::ChatRequest Request(std::string model, std::string text) {
    v1::ChatRequest r;
    r.set_model(std::move(model));
    auto* m = r.add_messages();
    m->set_role(v1::ROLE_USER);
    m->set_content(std::move(text));
    return r;
  }

  asio::io_context io_;
  Metrics metrics_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, ChatResolvesAliasAndRecordsMetrics) {
  RequestContext ctx;
  ctx.front_end = "grpc";
  ctx.operation = "chat";
  engine_->Begin(ctx);
  auto result = Run(engine_->Chat(ctx, Request("alias", "hello there")));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->choices(0).message().content(), "hello there");
  EXPECT_EQ(ctx.provider, "echo");
  EXPECT_EQ(ctx.upstream_model, "echo-1");
  EXPECT_EQ(ctx.trace_id.size(), 32u);
  engine_->End(ctx, nullptr, &result->usage());
  std::string text = metrics_.Serialize();
  EXPECT_NE(text.find("across_requests_total{front_end=\"grpc\",model=\"alias\",operation=\"chat\","
                      "provider=\"echo\",status=\"200\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("across_tokens_total{kind=\"completion\",model=\"alias\",provider=\"echo\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("across_inflight_requests{front_end=\"grpc\"} 0"), std::string::npos);
  EXPECT_NE(text.find("across_gateway_overhead_seconds_count{front_end=\"grpc\"} 1"),
            std::string::npos);
}

TEST_F(EngineTest, UnknownModelIsNotFound) {
  RequestContext ctx;
  auto result = Run(engine_->Chat(ctx, Request("gpt-9", "hi")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().http_status, 404);
  EXPECT_EQ(result.error().code, "model_not_found");
  EXPECT_NE(result.error().message.find("gpt-9"), std::string::npos);
}

TEST_F(EngineTest, ProviderHeaderRoutesUnlistedModel) {
  RequestContext ctx;
  ctx.headers.provider = "echo";
  auto result = Run(engine_->Chat(ctx, Request("anything", "x")));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(ctx.upstream_model, "anything");
  RequestContext bad;
  bad.headers.provider = "nope";
  auto missing = Run(engine_->Chat(bad, Request("echo", "x")));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().http_status, 400);
}

TEST_F(EngineTest, ValidationNamesTheField) {
  RequestContext ctx;
  v1::ChatRequest empty;
  empty.set_model("echo");
  auto r1 = Run(engine_->Chat(ctx, empty));
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().param, "messages");

  auto bad_role = Request("echo", "x");
  bad_role.mutable_messages(0)->set_role(v1::ROLE_UNSPECIFIED);
  auto r2 = Run(engine_->Chat(ctx, bad_role));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().param, "messages[0].role");

  auto hot = Request("echo", "x");
  hot.set_temperature(3);
  auto r3 = Run(engine_->Chat(ctx, hot));
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().param, "temperature");
}

TEST_F(EngineTest, StreamWritesChunksAndReportsUsage) {
  RequestContext ctx;
  CollectingSink sink;
  v1::Usage usage;
  auto status = Run(engine_->ChatStream(ctx, Request("echo", "one two three"), sink, &usage));
  ASSERT_TRUE(status.ok()) << status.error().message;
  std::string text;
  for (const auto& c : sink.chunks) {
    for (const auto& choice : c.choices()) text += choice.delta().content();
  }
  EXPECT_EQ(text, "one two three");
  EXPECT_TRUE(ctx.first_token.has_value());
  EXPECT_EQ(usage.completion_tokens(), 3);
  EXPECT_GT(usage.total_tokens(), usage.prompt_tokens());
}

TEST_F(EngineTest, EmbedValidatesInput) {
  RequestContext ctx;
  v1::EmbedRequest req;
  req.set_model("echo");
  auto r = Run(engine_->Embed(ctx, req));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().param, "input");
  req.add_input("a b");
  auto ok = Run(engine_->Embed(ctx, req));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->data_size(), 1);
}

TEST_F(EngineTest, ListModelsInConfigOrder) {
  auto models = engine_->ListModels();
  ASSERT_EQ(models.models_size(), 2);
  EXPECT_EQ(models.models(0).id(), "echo");
  EXPECT_EQ(models.models(1).id(), "alias");
  EXPECT_EQ(models.models(1).upstream_model(), "echo-1");
}

TEST(AccessLog, HoldsNoPromptAndNamesTheOutcome) {
  RequestContext ctx;
  ctx.trace_id = "abc";
  ctx.front_end = "http";
  ctx.operation = "chat";
  ctx.model = "echo";
  Error e = Error::InvalidRequest("bad");
  std::string line = FormatAccessLog({&ctx, &e, 400, 0, 0});
  EXPECT_NE(line.find("\"trace_id\":\"abc\""), std::string::npos);
  EXPECT_NE(line.find("\"status\":400"), std::string::npos);
  EXPECT_NE(line.find("\"error_type\":\"invalid_request_error\""), std::string::npos);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace across
