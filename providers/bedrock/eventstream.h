// Incremental decoder for the AWS event stream binary framing
// (content type application/vnd.amazon.eventstream), used by Bedrock's
// ConverseStream. Each message is:
//
//   total length (u32 BE) | headers length (u32 BE) | prelude CRC32 (u32 BE)
//   | headers | payload | message CRC32 (u32 BE)
//
// The prelude CRC covers the first 8 bytes, the message CRC everything
// before it; both are checked (zlib's CRC-32). A header is a 1-byte name
// length, the name, a 1-byte value type and the value; string values
// (type 7) are kept, every other type is skipped by its size.
//
// Reference: https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html
// and
// https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace across::bedrock {

struct EventStreamMessage {
  // String-valued headers in wire order (":event-type", ":message-type",
  // ":content-type", ":exception-type", ...).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;

  // The first string header with this exact name, or "".
  std::string_view Header(std::string_view name) const;
};

class EventStreamDecoder {
 public:
  // Messages larger than this are rejected as corrupt (the framing allows
  // 16 MiB; a wild length must not make us buffer without bound).
  static constexpr uint32_t kMaxMessageBytes = 16u << 20;

  // Return false to stop decoding.
  using Handler = std::function<bool(EventStreamMessage& message)>;

  // Buffers `bytes` and calls `on_message` for every complete message, in
  // order. Frames may be split across calls at any byte. Returns false when
  // the handler asked to stop or the stream is corrupt (then error() says
  // why, and every later call fails too).
  bool Feed(std::string_view bytes, const Handler& on_message);

  // Why decoding failed ("" while the stream is sound).
  const std::string& error() const { return error_; }
  // True when bytes of an unfinished message are buffered: a stream that
  // ends here was cut.
  bool HasPartialMessage() const { return buffer_.size() > offset_; }

 private:
  bool Fail(std::string why);

  std::string buffer_;
  size_t offset_ = 0;  // start of the first unconsumed byte in buffer_
  std::string error_;
};

// CRC-32 (ISO-HDLC, as zlib and gzip compute it), continuing from `crc`.
uint32_t Crc32(std::string_view data, uint32_t crc = 0);

// One encoded message with string headers (for tests and tools).
std::string EncodeEventStreamMessage(
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view payload);

}  // namespace across::bedrock
