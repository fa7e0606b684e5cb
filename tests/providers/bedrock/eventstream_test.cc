// The event stream decoder against AWS's published encoding vectors
// (fixtures/eventstream_vectors.json) and against frames built here, split
// at every byte, plus corrupted CRCs.
#include "providers/bedrock/eventstream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/providers/bedrock/fixture_util.h"

namespace across::bedrock {
namespace {

namespace json = boost::json;

using testing::Fixture;

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(
        std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::vector<EventStreamMessage> DecodeAll(EventStreamDecoder& d,
                                          std::string_view bytes,
                                          size_t piece = 0) {
  std::vector<EventStreamMessage> got;
  auto keep = [&](EventStreamMessage& m) {
    got.push_back(m);
    return true;
  };
  if (piece == 0) {
    d.Feed(bytes, keep);
  } else {
    for (size_t i = 0; i < bytes.size(); i += piece) {
      if (!d.Feed(bytes.substr(i, piece), keep)) break;
    }
  }
  return got;
}

TEST(EventStream, AwsPositiveVectors) {
  const json::value f = Fixture("eventstream_vectors.json");
  for (const auto& v : f.at("positive").as_array()) {
    const std::string name(v.at("name").as_string());
    SCOPED_TRACE(name);
    const std::string bytes = FromHex(std::string(v.at("hex").as_string()));
    EventStreamDecoder d;
    auto got = DecodeAll(d, bytes);
    ASSERT_EQ(got.size(), 1u) << d.error();
    EXPECT_EQ(got[0].payload, std::string(v.at("payload").as_string()));
    const auto& want_headers = v.at("headers").as_object();
    ASSERT_EQ(got[0].headers.size(), want_headers.size());
    for (const auto& kv : want_headers) {
      EXPECT_EQ(got[0].Header(std::string(kv.key())),
                std::string(kv.value().as_string()));
    }
    EXPECT_FALSE(d.HasPartialMessage());
    EXPECT_EQ(d.error(), "");
  }
}

TEST(EventStream, AwsNegativeVectors) {
  const json::value f = Fixture("eventstream_vectors.json");
  for (const auto& v : f.at("negative").as_array()) {
    SCOPED_TRACE(std::string(v.at("name").as_string()));
    EventStreamDecoder d;
    auto got = DecodeAll(d, FromHex(std::string(v.at("hex").as_string())));
    EXPECT_TRUE(got.empty());
    EXPECT_NE(d.error(), "");
    // A failed decoder stays failed.
    EXPECT_FALSE(d.Feed("", [](EventStreamMessage&) { return true; }));
  }
}

// Encoder output equals AWS's vector byte for byte.
TEST(EventStream, EncoderMatchesVector) {
  const json::value f = Fixture("eventstream_vectors.json");
  for (const auto& v : f.at("positive").as_array()) {
    if (v.at("name").as_string() != "payload_one_str_header") continue;
    EXPECT_EQ(EncodeEventStreamMessage({{"content-type", "application/json"}},
                                       "{'foo':'bar'}"),
              FromHex(std::string(v.at("hex").as_string())));
  }
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);  // the CRC-32 check value
}

std::string BedrockEvents() {
  std::string s;
  s += EncodeEventStreamMessage({{":event-type", "messageStart"},
                                 {":content-type", "application/json"},
                                 {":message-type", "event"}},
                                R"({"p":"abcd","role":"assistant"})");
  s += EncodeEventStreamMessage(
      {{":event-type", "contentBlockDelta"},
       {":content-type", "application/json"},
       {":message-type", "event"}},
      R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})");
  s += EncodeEventStreamMessage({{":exception-type", "throttlingException"},
                                 {":content-type", "application/json"},
                                 {":message-type", "exception"}},
                                R"({"message":"Too many requests"})");
  return s;
}

// Every split point of a three-message stream yields the same messages.
TEST(EventStream, SplitAtEveryByte) {
  const std::string all = BedrockEvents();
  for (size_t cut = 0; cut <= all.size(); ++cut) {
    EventStreamDecoder d;
    std::vector<EventStreamMessage> got;
    auto keep = [&](EventStreamMessage& m) {
      got.push_back(m);
      return true;
    };
    ASSERT_TRUE(d.Feed(std::string_view(all).substr(0, cut), keep));
    ASSERT_TRUE(d.Feed(std::string_view(all).substr(cut), keep));
    ASSERT_EQ(got.size(), 3u) << "cut at " << cut;
    EXPECT_EQ(got[0].Header(":event-type"), "messageStart");
    EXPECT_EQ(got[1].payload,
              R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})");
    EXPECT_EQ(got[2].Header(":message-type"), "exception");
    EXPECT_EQ(got[2].Header(":exception-type"), "throttlingException");
    EXPECT_FALSE(d.HasPartialMessage());
  }
  // One byte at a time.
  EventStreamDecoder d;
  EXPECT_EQ(DecodeAll(d, all, 1).size(), 3u);
}

TEST(EventStream, PartialMessageIsReported) {
  const std::string all = BedrockEvents();
  EventStreamDecoder d;
  auto got = DecodeAll(d, std::string_view(all).substr(0, all.size() - 3));
  EXPECT_EQ(got.size(), 2u);
  EXPECT_TRUE(d.HasPartialMessage());
  EXPECT_EQ(d.error(), "");
}

TEST(EventStream, CorruptedCrcs) {
  std::string frame = EncodeEventStreamMessage({{":event-type", "messageStop"}},
                                               R"({"stopReason":"end_turn"})");
  {
    std::string bad = frame;
    bad[bad.size() - 10] ^= 0x01;  // payload byte → message CRC mismatch
    EventStreamDecoder d;
    EXPECT_TRUE(DecodeAll(d, bad).empty());
    EXPECT_EQ(d.error(), "event stream message CRC mismatch");
  }
  {
    std::string bad = frame;
    bad[9] ^= 0x40;  // prelude CRC byte
    EventStreamDecoder d;
    EXPECT_TRUE(DecodeAll(d, bad).empty());
    EXPECT_EQ(d.error(), "event stream prelude CRC mismatch");
  }
  {
    // A good frame, then a corrupted one: the first is still delivered.
    std::string bad = frame;
    bad[bad.size() - 1] ^= 0xff;
    EventStreamDecoder d;
    EXPECT_EQ(DecodeAll(d, frame + bad).size(), 1u);
    EXPECT_NE(d.error(), "");
  }
}

// Non-string header types are skipped by their size; the string after them
// is still found.
TEST(EventStream, SkipsOtherHeaderTypes) {
  std::string headers;
  auto name = [&](std::string_view n) {
    headers += static_cast<char>(n.size());
    headers += n;
  };
  name("flag");
  headers += '\x00';  // bool true
  name("b");
  headers += '\x02';
  headers += '\x07';
  name("i16");
  headers += '\x03';
  headers += std::string("\x00\x01", 2);
  name("i64");
  headers += '\x05';
  headers += std::string(8, '\x01');
  name("bytes");
  headers += '\x06';
  headers += std::string("\x00\x03xyz", 5);
  name("ts");
  headers += '\x08';
  headers += std::string(8, '\x02');
  name("id");
  headers += '\x09';
  headers += std::string(16, '\x03');
  name(":event-type");
  headers += '\x07';
  headers += std::string("\x00\x08metadata", 10);
  const std::string payload = "{}";
  std::string msg;
  auto u32 = [&](uint32_t v) {
    msg += static_cast<char>(v >> 24);
    msg += static_cast<char>((v >> 16) & 0xff);
    msg += static_cast<char>((v >> 8) & 0xff);
    msg += static_cast<char>(v & 0xff);
  };
  u32(static_cast<uint32_t>(16 + headers.size() + payload.size()));
  u32(static_cast<uint32_t>(headers.size()));
  u32(Crc32(msg));
  msg += headers;
  msg += payload;
  u32(Crc32(msg));

  EventStreamDecoder d;
  auto got = DecodeAll(d, msg);
  ASSERT_EQ(got.size(), 1u) << d.error();
  ASSERT_EQ(got[0].headers.size(), 1u);
  EXPECT_EQ(got[0].Header(":event-type"), "metadata");
  EXPECT_EQ(got[0].payload, "{}");
}

TEST(EventStream, HandlerCanStop) {
  const std::string all = BedrockEvents();
  EventStreamDecoder d;
  int n = 0;
  EXPECT_FALSE(d.Feed(all, [&](EventStreamMessage&) { return ++n < 2; }));
  EXPECT_EQ(n, 2);
  EXPECT_EQ(d.error(), "");
}

}  // namespace
}  // namespace across::bedrock
