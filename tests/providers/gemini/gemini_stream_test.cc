// streamGenerateContent SSE transcripts → ChatChunks, asserted against the
// golden fixtures in the form clients see them (OpenAI chunk JSON).
#include "providers/gemini/gemini_stream.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "providers/openai/openai_wire.h"
#include "tests/providers/gemini/fixture_util.h"

namespace across::gemini {
namespace {

namespace json = boost::json;
using testing::Describe;
using testing::Diff;
using testing::LoadJson;
using testing::LoadText;
using testing::SseData;

std::vector<v1::ChatChunk> Translate(std::string_view transcript,
                                     Status* finish = nullptr) {
  StreamTranslator t("gemini", "chatcmpl-test", 1700000000, "gemini-test");
  std::vector<v1::ChatChunk> chunks;
  for (const auto& data : SseData(transcript)) {
    Status s = t.OnEvent(data, chunks);
    EXPECT_TRUE(s.ok()) << s.error().message;
  }
  Status s = t.Finish(chunks);
  if (finish != nullptr) {
    *finish = s;
  } else {
    EXPECT_TRUE(s.ok()) << s.error().message;
  }
  return chunks;
}

void CheckStreamFixture(std::string_view sse, std::string_view expected) {
  SCOPED_TRACE(std::string(sse));
  const auto chunks = Translate(LoadText(sse));
  const json::value fx = LoadJson(expected);
  const json::array& want = fx.at("chunks").as_array();
  ASSERT_EQ(chunks.size(), want.size());
  for (size_t i = 0; i < chunks.size(); ++i) {
    SCOPED_TRACE("chunk " + std::to_string(i));
    EXPECT_EQ(chunks[i].provider(), "gemini");
    EXPECT_EQ(chunks[i].created(), 1700000000);
    const std::string out = openai::SerializeChatChunk(chunks[i]);
    auto diffs = Diff(want[i], json::parse(out), false);
    EXPECT_TRUE(diffs.empty()) << Describe(diffs) << "\nchunk: " << out;
  }
}

TEST(GeminiStream, ParallelToolCalls) {
  CheckStreamFixture("parallel_tool_calls.sse",
                     "parallel_tool_calls.expected.json");
}

TEST(GeminiStream, MaxTokensStop) {
  CheckStreamFixture("max_tokens.sse", "max_tokens.expected.json");
}

TEST(GeminiStream, MidStreamError) {
  StreamTranslator t("gemini", "chatcmpl-test", 1700000000, "gemini-test");
  std::vector<v1::ChatChunk> chunks;
  const auto events = SseData(LoadText("mid_stream_error.sse"));
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(t.OnEvent(events[0], chunks).ok());
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].choices(0).delta().content(), "Partial");
  Status s = t.OnEvent(events[1], chunks);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 503);
  EXPECT_EQ(s.error().code, "UNAVAILABLE");
  EXPECT_EQ(s.error().message,
            "gemini: The model is overloaded. Please try again later.");
}

TEST(GeminiStream, EndWithoutFinishReasonIsTruncation) {
  const std::string transcript = LoadText("max_tokens.sse");
  // Drop the last event (the one with the finish reason).
  const size_t cut = transcript.rfind("data: ");
  Status finish = Ok{};
  const auto chunks = Translate(transcript.substr(0, cut), &finish);
  EXPECT_EQ(chunks.size(), 2u);
  ASSERT_FALSE(finish.ok());
  EXPECT_EQ(finish.error().http_status, 502);
  EXPECT_NE(finish.error().message.find("truncated"), std::string::npos);
}

TEST(GeminiStream, MalformedPayloadFails) {
  StreamTranslator t("gemini", "id", 1, "m");
  std::vector<v1::ChatChunk> chunks;
  Status s = t.OnEvent("{not json", chunks);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 502);
  EXPECT_EQ(s.error().message, "gemini: malformed stream chunk");
}

TEST(GeminiStream, BlockedPromptFinishesWithContentFilter) {
  StreamTranslator t("gemini", "id", 1, "m");
  std::vector<v1::ChatChunk> chunks;
  ASSERT_TRUE(t.OnEvent(R"({"promptFeedback":{"blockReason":"SAFETY"},
      "usageMetadata":{"promptTokenCount":4,"totalTokenCount":4}})",
                        chunks)
                  .ok());
  ASSERT_TRUE(t.Finish(chunks).ok());
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].choices(0).finish_reason(),
            v1::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(chunks[0].choices(0).delta().role(), v1::ROLE_ASSISTANT);
  EXPECT_FALSE(chunks[0].choices(0).delta().refusal().empty());
  EXPECT_EQ(chunks[1].usage().prompt_tokens(), 4);
}

TEST(GeminiStream, SeveralCandidatesKeepTheirIndexes) {
  StreamTranslator t("gemini", "id", 1, "m");
  std::vector<v1::ChatChunk> chunks;
  ASSERT_TRUE(t.OnEvent(R"({"candidates":[
      {"content":{"parts":[{"text":"A"}],"role":"model"},"index":0},
      {"content":{"parts":[{"functionCall":{"name":"f","args":{}}}],"role":"model"},"index":1}]})",
                        chunks)
                  .ok());
  ASSERT_TRUE(t.OnEvent(R"({"candidates":[
      {"content":{"parts":[{"text":"B"}],"role":"model"},"finishReason":"STOP","index":0},
      {"content":{"parts":[{"functionCall":{"name":"g","args":{"x":1}}}],"role":"model"},"finishReason":"STOP","index":1}]})",
                        chunks)
                  .ok());
  ASSERT_TRUE(t.Finish(chunks).ok());
  ASSERT_EQ(chunks.size(), 2u);  // no usage reported, no usage chunk
  const auto& c1 = chunks[1];
  ASSERT_EQ(c1.choices_size(), 2);
  EXPECT_EQ(c1.choices(0).delta().role(), v1::ROLE_UNSPECIFIED);
  EXPECT_EQ(c1.choices(0).finish_reason(), v1::FINISH_REASON_STOP);
  EXPECT_EQ(c1.choices(1).index(), 1);
  EXPECT_EQ(c1.choices(1).delta().tool_calls(0).index(), 1);  // second call
  EXPECT_EQ(c1.choices(1).delta().tool_calls(0).id(), "call_1");
  EXPECT_EQ(c1.choices(1).finish_reason(), v1::FINISH_REASON_TOOL_CALLS);
}

}  // namespace
}  // namespace across::gemini
