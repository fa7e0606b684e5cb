#include "gateway/upstream/sse_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace across {
namespace {

struct Collected {
  std::vector<SseEvent> events;
  SseParser::Handler handler() {
    return [this](const SseEvent& e) {
      events.push_back(e);
      return true;
    };
  }
};

std::vector<SseEvent> ParseAll(std::string_view stream) {
  SseParser parser;
  Collected c;
  EXPECT_TRUE(parser.Feed(stream, c.handler()));
  return c.events;
}

bool SameEvents(const std::vector<SseEvent>& a,
                const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].event != b[i].event || a[i].data != b[i].data ||
        a[i].id != b[i].id) {
      return false;
    }
  }
  return true;
}

TEST(SseParserTest, SingleEvent) {
  auto events = ParseAll("data: hello\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "hello");
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[0].id, "");
}

TEST(SseParserTest, MultiLineDataJoinedWithNewline) {
  auto events = ParseAll("data: a\ndata: b\ndata:\ndata: c\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb\n\nc");
}

TEST(SseParserTest, EventAndIdFields) {
  auto events = ParseAll("event: delta\nid: 7\ndata: {\"x\":1}\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "delta");
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[0].data, "{\"x\":1}");
}

TEST(SseParserTest, CommentsRetryAndUnknownFieldsIgnored) {
  auto events =
      ParseAll(": ping\n:\nretry: 100\nfoo: bar\ndata: y\n: mid\n\n: tail\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "y");
}

TEST(SseParserTest, OnlyOneLeadingSpaceStripped) {
  auto events = ParseAll("data:  two\n\ndata:none\n\ndata\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, " two");
  EXPECT_EQ(events[1].data, "none");
  // A bare "data" line is a data field with an empty value: dispatched.
  EXPECT_EQ(events[2].data, "");
}

TEST(SseParserTest, ValueMayContainColons) {
  auto events = ParseAll("data: a:b: c\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a:b: c");
}

TEST(SseParserTest, EventWithoutDataIsNotDispatchedAndTypeResets) {
  auto events = ParseAll("event: foo\n\ndata: x\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[0].data, "x");
}

TEST(SseParserTest, LastEventIdPersists) {
  auto events = ParseAll("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].id, "1");
  EXPECT_EQ(events[1].id, "1");
  EXPECT_EQ(events[2].id, "");
}

TEST(SseParserTest, CrLfAndCrLineEndings) {
  auto crlf = ParseAll("data: a\r\ndata: b\r\n\r\n");
  ASSERT_EQ(crlf.size(), 1u);
  EXPECT_EQ(crlf[0].data, "a\nb");

  auto cr = ParseAll("data: a\r\rdata: b\r\r");
  ASSERT_EQ(cr.size(), 2u);
  EXPECT_EQ(cr[0].data, "a");
  EXPECT_EQ(cr[1].data, "b");

  auto mixed = ParseAll("data: a\r\ndata: b\rdata: c\n\r\n");
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_EQ(mixed[0].data, "a\nb\nc");
}

TEST(SseParserTest, CrLfSplitAcrossFeedsIsOneLineEnding) {
  SseParser parser;
  Collected c;
  EXPECT_TRUE(parser.Feed("data: a\r", c.handler()));
  EXPECT_TRUE(parser.Feed("\n", c.handler()));
  EXPECT_TRUE(c.events.empty());
  EXPECT_TRUE(parser.Feed("\r", c.handler()));
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_TRUE(parser.Feed("\ndata: b\n\n", c.handler()));
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[1].data, "b");
}

TEST(SseParserTest, DoneSentinelIsOrdinaryData) {
  auto events = ParseAll("data: {\"a\":1}\n\ndata: [DONE]\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].data, "[DONE]");
}

const char kStream[] =
    ": keep-alive\r\n"
    "event: message_start\r\n"
    "data: {\"type\":\"message_start\"}\r\n"
    "\r\n"
    "id: 42\n"
    "data: line one\n"
    "data:line two\n"
    "\n"
    "retry: 3000\r"
    "data: cr only\r"
    "\r"
    "event: ping\n"
    "\n"
    "data: [DONE]\r\n"
    "\r\n";

TEST(SseParserTest, SplitAtEveryBytePositionMatchesWholeFeed) {
  const std::string_view stream(kStream, sizeof(kStream) - 1);
  const auto whole = ParseAll(stream);
  ASSERT_EQ(whole.size(), 4u);
  EXPECT_EQ(whole[0].event, "message_start");
  EXPECT_EQ(whole[1].data, "line one\nline two");
  EXPECT_EQ(whole[1].id, "42");
  EXPECT_EQ(whole[2].data, "cr only");
  EXPECT_EQ(whole[3].data, "[DONE]");

  for (size_t i = 0; i <= stream.size(); ++i) {
    for (size_t j = i; j <= stream.size(); ++j) {
      SseParser parser;
      Collected c;
      ASSERT_TRUE(parser.Feed(stream.substr(0, i), c.handler()));
      ASSERT_TRUE(parser.Feed(stream.substr(i, j - i), c.handler()));
      ASSERT_TRUE(parser.Feed(stream.substr(j), c.handler()));
      ASSERT_TRUE(SameEvents(c.events, whole)) << "split at " << i << "," << j;
      EXPECT_FALSE(parser.HasPartialEvent());
    }
  }
}

TEST(SseParserTest, OneByteAtATime) {
  const std::string_view stream(kStream, sizeof(kStream) - 1);
  SseParser parser;
  Collected c;
  for (char ch : stream) {
    ASSERT_TRUE(parser.Feed(std::string_view(&ch, 1), c.handler()));
  }
  EXPECT_TRUE(SameEvents(c.events, ParseAll(stream)));
}

TEST(SseParserTest, PartialEventWithoutTrailingBlankLine) {
  SseParser parser;
  Collected c;
  EXPECT_FALSE(parser.HasPartialEvent());
  EXPECT_TRUE(parser.Feed("data: {\"a\"", c.handler()));
  EXPECT_TRUE(parser.HasPartialEvent());  // unterminated line
  EXPECT_TRUE(parser.Feed(":1}\n", c.handler()));
  EXPECT_TRUE(c.events.empty());
  EXPECT_TRUE(parser.HasPartialEvent());  // fields but no blank line
  EXPECT_TRUE(parser.Feed("\n", c.handler()));
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, "{\"a\":1}");
  EXPECT_FALSE(parser.HasPartialEvent());
}

TEST(SseParserTest, CommentsAloneAreNotPartial) {
  SseParser parser;
  Collected c;
  EXPECT_TRUE(parser.Feed(": ping\n\n: ping\n", c.handler()));
  EXPECT_FALSE(parser.HasPartialEvent());
  EXPECT_TRUE(c.events.empty());
}

TEST(SseParserTest, HandlerCanStopParsing) {
  SseParser parser;
  int calls = 0;
  const bool more = parser.Feed("data: a\n\ndata: b\n\n", [&](const SseEvent&) {
    ++calls;
    return false;
  });
  EXPECT_FALSE(more);
  EXPECT_EQ(calls, 1);
}

TEST(SseParserTest, LongLineAcrossManyFeeds) {
  const std::string payload(100000, 'x');
  const std::string stream = "data: " + payload + "\n\n";
  SseParser parser;
  Collected c;
  for (size_t i = 0; i < stream.size(); i += 997) {
    ASSERT_TRUE(
        parser.Feed(std::string_view(stream).substr(i, 997), c.handler()));
  }
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, payload);
}

}  // namespace
}  // namespace across
