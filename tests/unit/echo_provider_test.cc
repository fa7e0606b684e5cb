// The echo provider, driven on an io_context with co_spawn and a recording
// ChunkSink.
#include "providers/echo/echo_provider.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cmath>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace across {
namespace {

using namespace std::chrono_literals;

class RecordingSink : public ChunkSink {
 public:
  // Returns false (client gone) once `accept` chunks were taken.
  explicit RecordingSink(int accept = -1) : accept_(accept) {}
  asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
    if (accept_ >= 0 && static_cast<int>(chunks.size()) >= accept_) {
      co_return false;
    }
    chunks.push_back(std::move(chunk));
    co_return true;
  }
  std::vector<v1::ChatChunk> chunks;

 private:
  int accept_;
};

// Runs `fn` to completion on a fresh io_context and returns its result
// (kept in an optional: co_spawn wants default-constructible results).
template <typename T, typename Fn>
T RunCo(Fn fn) {
  asio::io_context ioc;
  std::optional<T> out;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { out.emplace(co_await fn()); },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  return std::move(*out);
}

v1::ChatRequest Request(std::vector<std::pair<v1::Role, std::string>> msgs) {
  v1::ChatRequest r;
  r.set_model("echo-alias");
  for (auto& [role, text] : msgs) {
    auto* m = r.add_messages();
    m->set_role(role);
    m->set_content(text);
  }
  return r;
}

struct Fixture {
  RequestContext ctx;
  UpstreamCall call{ctx, "echo-upstream", ""};
  EchoProvider provider{"echo"};
};

TEST(EchoProvider, Info) {
  EchoProvider p("my-echo");
  EXPECT_EQ(p.info().id, "my-echo");
  EXPECT_EQ(p.info().type, "echo");
}

TEST(EchoProvider, ChatAnswersLastUserMessage) {
  Fixture f;
  auto req = Request({{v1::ROLE_SYSTEM, "be nice"},
                      {v1::ROLE_USER, "first question"},
                      {v1::ROLE_ASSISTANT, "an answer"},
                      {v1::ROLE_USER, "hello big world"}});
  auto r = RunCo<Result<v1::ChatResponse>>(
      [&] { return f.provider.Chat(f.call, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id().rfind("chatcmpl-echo-", 0), 0u);
  EXPECT_GT(r->id().size(), std::string("chatcmpl-echo-").size());
  EXPECT_EQ(r->model(), "echo-upstream");
  EXPECT_EQ(r->provider(), "echo");
  EXPECT_GT(r->created(), 1600000000);
  ASSERT_EQ(r->choices_size(), 1);
  EXPECT_EQ(r->choices(0).message().role(), v1::ROLE_ASSISTANT);
  EXPECT_EQ(r->choices(0).message().content(), "hello big world");
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_STOP);
  // 2 + 2 + 2 + 3 words over all messages.
  EXPECT_EQ(r->usage().prompt_tokens(), 9);
  EXPECT_EQ(r->usage().completion_tokens(), 3);
  EXPECT_EQ(r->usage().total_tokens(), 12);
}

TEST(EchoProvider, ChatWithPartsAndNoUserMessage) {
  Fixture f;
  v1::ChatRequest req;
  auto* m = req.add_messages();
  m->set_role(v1::ROLE_USER);
  m->add_parts()->set_text("look at");
  m->add_parts()->mutable_image_url()->set_url("https://x/y.png");
  m->add_parts()->set_text("this");
  auto r = RunCo<Result<v1::ChatResponse>>(
      [&] { return f.provider.Chat(f.call, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->choices(0).message().content(), "look at this");

  auto empty = Request({{v1::ROLE_SYSTEM, ""}});
  r = RunCo<Result<v1::ChatResponse>>(
      [&] { return f.provider.Chat(f.call, empty); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->choices(0).message().content(), "");
  EXPECT_EQ(r->usage().prompt_tokens(), 1);  // never zero
  EXPECT_EQ(r->usage().completion_tokens(), 0);
}

TEST(EchoProvider, StreamsWordByWord) {
  Fixture f;
  RecordingSink sink;
  auto req = Request({{v1::ROLE_USER, "hello world"}});
  auto st =
      RunCo<Status>([&] { return f.provider.ChatStream(f.call, req, sink); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_EQ(sink.chunks.size(), 5u);
  const auto& c = sink.chunks;
  for (const auto& chunk : c) {
    EXPECT_EQ(chunk.id(), c[0].id());
    EXPECT_EQ(chunk.model(), "echo-upstream");
    EXPECT_EQ(chunk.provider(), "echo");
  }
  EXPECT_EQ(c[0].choices(0).delta().role(), v1::ROLE_ASSISTANT);
  EXPECT_EQ(c[0].choices(0).delta().content(), "");
  EXPECT_EQ(c[1].choices(0).delta().content(), "hello ");
  EXPECT_EQ(c[2].choices(0).delta().content(), "world");
  EXPECT_EQ(c[3].choices(0).finish_reason(), v1::FINISH_REASON_STOP);
  EXPECT_EQ(c[3].choices(0).delta().content(), "");
  EXPECT_EQ(c[4].choices_size(), 0);
  ASSERT_TRUE(c[4].has_usage());
  EXPECT_EQ(c[4].usage().prompt_tokens(), 2);
  EXPECT_EQ(c[4].usage().completion_tokens(), 2);
  EXPECT_EQ(c[4].usage().total_tokens(), 4);
  for (size_t i = 0; i < 4; ++i) EXPECT_FALSE(c[i].has_usage());
  EXPECT_TRUE(f.ctx.first_token.has_value());
}

TEST(EchoProvider, StopsWhenClientGoes) {
  Fixture f;
  RecordingSink sink(2);
  auto req = Request({{v1::ROLE_USER, "one two three four"}});
  auto st =
      RunCo<Status>([&] { return f.provider.ChatStream(f.call, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 499);
  EXPECT_EQ(sink.chunks.size(), 2u);
}

TEST(EchoProvider, DelayAndDeadline) {
  Fixture f;
  RecordingSink sink;
  auto req = Request({{v1::ROLE_USER, "a b c"}});
  (*req.mutable_extra_params()->mutable_fields())["echo_delay_ms"]
      .set_number_value(20);
  const auto start = Clock::now();
  auto st =
      RunCo<Status>([&] { return f.provider.ChatStream(f.call, req, sink); });
  ASSERT_TRUE(st.ok());
  EXPECT_GE(Clock::now() - start, 60ms);

  // A deadline in the middle of the stream ends it with a timeout.
  Fixture g;
  RecordingSink sink2;
  g.ctx.deadline = Clock::now() + 30ms;
  st = RunCo<Status>([&] { return g.provider.ChatStream(g.call, req, sink2); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 504);
  EXPECT_LT(sink2.chunks.size(), 4u);
}

TEST(EchoProvider, SplitWordsKeepsTrailingSpace) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(EchoProvider::SplitWords("hello world"), (V{"hello ", "world"}));
  EXPECT_EQ(EchoProvider::SplitWords("  a  b\n"), (V{"  a  ", "b\n"}));
  EXPECT_EQ(EchoProvider::SplitWords(""), V{});
  EXPECT_EQ(EchoProvider::CountWords("  a  b\tc\n"), 3);
  EXPECT_EQ(EchoProvider::CountWords(""), 0);
}

TEST(EchoProvider, EmbeddingsAreDeterministicAndNormalized) {
  Fixture f;
  v1::EmbedRequest req;
  req.set_model("e");
  req.add_input("hello world");
  req.add_input("something else entirely");
  req.add_input("hello world");
  auto r = RunCo<Result<v1::EmbedResponse>>(
      [&] { return f.provider.Embed(f.call, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model(), "echo-upstream");
  EXPECT_EQ(r->provider(), "echo");
  ASSERT_EQ(r->data_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r->data(i).index(), i);
    ASSERT_EQ(r->data(i).embedding_size(), 8);
    double norm = 0;
    for (float x : r->data(i).embedding()) norm += double(x) * x;
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(r->data(0).embedding(k), r->data(2).embedding(k));
  }
  EXPECT_NE(r->data(0).embedding(0), r->data(1).embedding(0));
  EXPECT_EQ(r->usage().prompt_tokens(), 7);
  EXPECT_EQ(r->usage().total_tokens(), 7);
  EXPECT_EQ(EchoProvider::EmbeddingFor("x"), EchoProvider::EmbeddingFor("x"));
}

}  // namespace
}  // namespace across
