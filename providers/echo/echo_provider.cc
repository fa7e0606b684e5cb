#include "providers/echo/echo_provider.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>

namespace across {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

// Text of a message: its content, or its text parts joined.
std::string MessageText(const v1::Message& m) {
  if (m.parts_size() == 0) return m.content();
  std::string text;
  for (const auto& p : m.parts()) {
    if (p.has_text()) {
      if (!text.empty()) text += ' ';
      text += p.text();
    }
  }
  return text;
}

int PromptWords(const v1::ChatRequest& request) {
  int words = 0;
  for (const auto& m : request.messages()) {
    if (m.parts_size() == 0) {
      words += EchoProvider::CountWords(m.content());
    } else {
      for (const auto& p : m.parts()) {
        if (p.has_text()) words += EchoProvider::CountWords(p.text());
      }
    }
  }
  return std::max(words, 1);
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string CompletionId() {
  return "chatcmpl-echo-" + NewTraceId().substr(0, 24);
}

std::chrono::milliseconds DelayFor(const v1::ChatRequest& request) {
  const auto& fields = request.extra_params().fields();
  auto it = fields.find("echo_delay_ms");
  if (it == fields.end() || !it->second.has_number_value()) {
    return std::chrono::milliseconds(0);
  }
  double ms = it->second.number_value();
  if (!(ms > 0)) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(
      static_cast<int64_t>(std::min(ms, 3600000.0)));
}

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

EchoProvider::EchoProvider(std::string id) {
  info_.id = std::move(id);
  info_.type = "echo";
}

std::string EchoProvider::AnswerFor(const v1::ChatRequest& request) {
  for (int i = request.messages_size() - 1; i >= 0; --i) {
    if (request.messages(i).role() == v1::ROLE_USER) {
      return MessageText(request.messages(i));
    }
  }
  return "";
}

int EchoProvider::CountWords(std::string_view text) {
  int words = 0;
  bool in_word = false;
  for (char c : text) {
    if (IsSpace(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

std::vector<std::string_view> EchoProvider::SplitWords(std::string_view text) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  size_t i = 0;
  // Leading whitespace stays with the first word.
  while (i < text.size() && IsSpace(text[i])) ++i;
  while (i < text.size()) {
    while (i < text.size() && !IsSpace(text[i])) ++i;
    while (i < text.size() && IsSpace(text[i])) ++i;
    pieces.push_back(text.substr(start, i - start));
    start = i;
  }
  if (start < text.size()) pieces.push_back(text.substr(start));
  return pieces;
}

std::vector<float> EchoProvider::EmbeddingFor(std::string_view text) {
  // FNV-1a seeds SplitMix64: stable across platforms, unlike std::hash.
  uint64_t state = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    state ^= c;
    state *= 0x100000001b3ULL;
  }
  std::vector<float> v(8);
  double norm = 0;
  for (float& x : v) {
    double u = static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53;
    x = static_cast<float>(u * 2 - 1);
    norm += static_cast<double>(x) * x;
  }
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (float& x : v) x = static_cast<float>(x / norm);
  }
  return v;
}

asio::awaitable<Result<v1::ChatResponse>> EchoProvider::Chat(
    UpstreamCall& call, const v1::ChatRequest& request) {
  std::string answer = AnswerFor(request);
  v1::ChatResponse resp;
  resp.set_id(CompletionId());
  resp.set_created(UnixNow());
  resp.set_model(call.upstream_model.empty() ? request.model()
                                             : call.upstream_model);
  resp.set_provider(info_.id);
  auto* usage = resp.mutable_usage();
  usage->set_prompt_tokens(PromptWords(request));
  usage->set_completion_tokens(CountWords(answer));
  usage->set_total_tokens(usage->prompt_tokens() + usage->completion_tokens());
  auto* choice = resp.add_choices();
  choice->set_index(0);
  choice->set_finish_reason(v1::FINISH_REASON_STOP);
  choice->mutable_message()->set_role(v1::ROLE_ASSISTANT);
  choice->mutable_message()->set_content(std::move(answer));
  co_return resp;
}

asio::awaitable<Status> EchoProvider::ChatStream(UpstreamCall& call,
                                                 const v1::ChatRequest& request,
                                                 ChunkSink& sink) {
  const std::string answer = AnswerFor(request);
  const std::string id = CompletionId();
  const int64_t created = UnixNow();
  const std::string& model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  const auto delay = DelayFor(request);

  auto make_chunk = [&] {
    v1::ChatChunk c;
    c.set_id(id);
    c.set_created(created);
    c.set_model(model);
    c.set_provider(info_.id);
    return c;
  };
  const Error cancelled =
      Error::FromHttpStatus(499, info_.id + ": client cancelled");

  {
    v1::ChatChunk first = make_chunk();
    auto* c = first.add_choices();
    c->mutable_delta()->set_role(v1::ROLE_ASSISTANT);
    if (!co_await sink.Write(std::move(first))) co_return cancelled;
  }

  std::optional<asio::steady_timer> timer;
  for (std::string_view word : SplitWords(answer)) {
    if (delay.count() > 0) {
      if (!timer) timer.emplace(co_await asio::this_coro::executor);
      const auto wake = Clock::now() + delay;
      const bool past_deadline = wake > call.ctx.deadline;
      timer->expires_at(past_deadline ? call.ctx.deadline : wake);
      auto [ec] =
          co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return Error::FromHttpStatus(499, info_.id + ": cancelled");
      if (past_deadline) {
        co_return Error::Timeout(info_.id + ": deadline exceeded");
      }
    }
    v1::ChatChunk chunk = make_chunk();
    auto* c = chunk.add_choices();
    c->mutable_delta()->set_content(std::string(word));
    if (!call.ctx.first_token) call.ctx.first_token = Clock::now();
    if (!co_await sink.Write(std::move(chunk))) co_return cancelled;
  }

  {
    v1::ChatChunk last = make_chunk();
    auto* c = last.add_choices();
    c->mutable_delta();
    c->set_finish_reason(v1::FINISH_REASON_STOP);
    if (!co_await sink.Write(std::move(last))) co_return cancelled;
  }
  {
    v1::ChatChunk usage_chunk = make_chunk();
    auto* usage = usage_chunk.mutable_usage();
    usage->set_prompt_tokens(PromptWords(request));
    usage->set_completion_tokens(CountWords(answer));
    usage->set_total_tokens(usage->prompt_tokens() +
                            usage->completion_tokens());
    if (!co_await sink.Write(std::move(usage_chunk))) co_return cancelled;
  }
  co_return Ok{};
}

asio::awaitable<Result<v1::EmbedResponse>> EchoProvider::Embed(
    UpstreamCall& call, const v1::EmbedRequest& request) {
  v1::EmbedResponse resp;
  resp.set_model(call.upstream_model.empty() ? request.model()
                                             : call.upstream_model);
  resp.set_provider(info_.id);
  int words = 0;
  for (int i = 0; i < request.input_size(); ++i) {
    auto* e = resp.add_data();
    e->set_index(i);
    for (float x : EmbeddingFor(request.input(i))) e->add_embedding(x);
    words += CountWords(request.input(i));
  }
  words = std::max(words, 1);
  resp.mutable_usage()->set_prompt_tokens(words);
  resp.mutable_usage()->set_total_tokens(words);
  co_return resp;
}

}  // namespace across
