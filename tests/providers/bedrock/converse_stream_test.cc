// ConverseStream transcripts (fixtures/stream_*.json, written from the
// ConverseStream API reference) encoded as event-stream frames, decoded and
// translated → the chunks the gateway emits, with correct tool-call indexes,
// finish reasons, usage and mid-stream errors.
#include "providers/bedrock/converse_stream.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "providers/bedrock/eventstream.h"
#include "tests/providers/bedrock/fixture_util.h"

namespace across::bedrock {
namespace {

namespace json = boost::json;

using testing::ExpectProtoEq;
using testing::Fixture;
using testing::FromJson;

// The transcript as the bytes Bedrock would send.
std::string Encode(const json::array& events) {
  std::string out;
  for (const auto& e : events) {
    const auto& ev = e.as_object();
    const std::string payload = json::serialize(ev.at("payload"));
    if (ev.contains("exception")) {
      out += EncodeEventStreamMessage(
          {{":exception-type", std::string(ev.at("exception").as_string())},
           {":content-type", "application/json"},
           {":message-type", "exception"}},
          payload);
    } else {
      out += EncodeEventStreamMessage(
          {{":event-type", std::string(ev.at("event").as_string())},
           {":content-type", "application/json"},
           {":message-type", "event"}},
          payload);
    }
  }
  return out;
}

struct Outcome {
  std::vector<v1::ChatChunk> chunks;
  std::optional<Error> error;
  bool done = false;
};

// Feeds the bytes in pieces of `piece` bytes (0 = all at once).
Outcome RunStream(const std::string& bytes, size_t piece) {
  Outcome out;
  ConverseStreamTranslator t("chatcmpl-test", "model-x", 1700000000, "bedrock");
  EventStreamDecoder d;
  auto on_message = [&](EventStreamMessage& m) {
    out.error = t.OnMessage(m, out.chunks);
    return !out.error;
  };
  const size_t step = piece == 0 ? bytes.size() : piece;
  for (size_t i = 0; i < bytes.size() && !out.error; i += step) {
    EXPECT_TRUE(d.Feed(std::string_view(bytes).substr(i, step), on_message) ||
                out.error)
        << d.error();
  }
  out.done = t.done();
  return out;
}

void CheckChunks(const Outcome& got, const json::value& want) {
  const auto& arr = want.as_array();
  ASSERT_EQ(got.chunks.size(), arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    SCOPED_TRACE("chunk " + std::to_string(i));
    auto expected = FromJson<v1::ChatChunk>(arr[i]);
    expected.set_id("chatcmpl-test");
    expected.set_model("model-x");
    expected.set_created(1700000000);
    expected.set_provider("bedrock");
    ExpectProtoEq(got.chunks[i], expected);
  }
}

TEST(ConverseStream, TextStream) {
  const json::value f = Fixture("stream_text.json");
  const std::string bytes = Encode(f.at("events").as_array());
  for (size_t piece : {size_t{0}, size_t{1}, size_t{7}, size_t{64}}) {
    SCOPED_TRACE("piece " + std::to_string(piece));
    Outcome got = RunStream(bytes, piece);
    EXPECT_FALSE(got.error);
    EXPECT_TRUE(got.done);
    CheckChunks(got, f.at("chunks"));
  }
}

TEST(ConverseStream, ParallelToolCalls) {
  const json::value f = Fixture("stream_parallel_tools.json");
  Outcome got = RunStream(Encode(f.at("events").as_array()), 5);
  EXPECT_FALSE(got.error);
  EXPECT_TRUE(got.done);
  CheckChunks(got, f.at("chunks"));
}

TEST(ConverseStream, MidStreamException) {
  const json::value f = Fixture("stream_exception.json");
  Outcome got = RunStream(Encode(f.at("events").as_array()), 0);
  ASSERT_TRUE(got.error);
  EXPECT_FALSE(got.done);
  CheckChunks(got, f.at("chunks"));
  const auto& want = f.at("error");
  EXPECT_EQ(got.error->http_status, want.at("http_status").as_int64());
  EXPECT_EQ(got.error->type, std::string(want.at("type").as_string()));
  EXPECT_EQ(got.error->code, std::string(want.at("code").as_string()));
  EXPECT_EQ(got.error->message, std::string(want.at("message").as_string()));
}

TEST(ConverseStream, ErrorFrameAndBadPayload) {
  ConverseStreamTranslator t("id", "m", 1, "bedrock");
  std::vector<v1::ChatChunk> out;
  EventStreamMessage err;
  err.headers = {{":message-type", "error"},
                 {":error-code", "InternalFailure"},
                 {":error-message", "something broke"}};
  auto e = t.OnMessage(err, out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->http_status, 502);
  EXPECT_EQ(e->message, "something broke");

  EventStreamMessage bad;
  bad.headers = {{":message-type", "event"},
                 {":event-type", "contentBlockDelta"}};
  bad.payload = "{not json";
  EXPECT_TRUE(t.OnMessage(bad, out));
  EXPECT_TRUE(out.empty());

  // Unknown events are ignored.
  EventStreamMessage other;
  other.headers = {{":message-type", "event"}, {":event-type", "newThing"}};
  other.payload = "{}";
  EXPECT_FALSE(t.OnMessage(other, out));
  EXPECT_TRUE(out.empty());
}

TEST(ConverseStream, MaxTokensStop) {
  ConverseStreamTranslator t("id", "m", 1, "bedrock");
  std::vector<v1::ChatChunk> out;
  EventStreamMessage stop;
  stop.headers = {{":message-type", "event"}, {":event-type", "messageStop"}};
  stop.payload = R"({"stopReason":"max_tokens"})";
  EXPECT_FALSE(t.OnMessage(stop, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].choices(0).finish_reason(), v1::FINISH_REASON_LENGTH);
  EXPECT_TRUE(t.done());
}

}  // namespace
}  // namespace across::bedrock
