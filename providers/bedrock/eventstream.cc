#include "providers/bedrock/eventstream.h"

#include <zlib.h>

namespace across::bedrock {
namespace {

constexpr size_t kPreludeBytes = 12;  // two lengths + prelude CRC
constexpr size_t kMinMessageBytes = kPreludeBytes + 4;

uint32_t ReadU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
         (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

uint16_t ReadU16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>((u[0] << 8) | u[1]);
}

void AppendU32(std::string& out, uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>((v >> 16) & 0xff);
  out += static_cast<char>((v >> 8) & 0xff);
  out += static_cast<char>(v & 0xff);
}

// Byte size of a header value of `type` whose encoding starts at p (which
// has `left` bytes), or -1 when the type is unknown or the value overruns.
long ValueSize(uint8_t type, const char* p, size_t left) {
  switch (type) {
    case 0:  // bool true
    case 1:  // bool false
      return 0;
    case 2:  // byte
      return 1;
    case 3:  // int16
      return 2;
    case 4:  // int32
      return 4;
    case 5:  // int64
    case 8:  // timestamp (ms since epoch)
      return 8;
    case 9:  // uuid
      return 16;
    case 6:  // byte array: u16 length + bytes
    case 7:  // string: u16 length + UTF-8
      if (left < 2) return -1;
      return 2 + static_cast<long>(ReadU16(p));
    default:
      return -1;
  }
}

// Parses the headers block into `out`; false when it is malformed.
bool ParseHeaders(std::string_view block, EventStreamMessage& out) {
  size_t i = 0;
  while (i < block.size()) {
    const auto name_len = static_cast<uint8_t>(block[i]);
    ++i;
    if (name_len == 0 || block.size() - i < size_t{name_len} + 1) return false;
    std::string_view name = block.substr(i, name_len);
    i += name_len;
    const auto type = static_cast<uint8_t>(block[i]);
    ++i;
    const long size = ValueSize(type, block.data() + i, block.size() - i);
    if (size < 0 || block.size() - i < static_cast<size_t>(size)) return false;
    if (type == 7) {
      out.headers.emplace_back(std::string(name),
                               std::string(block.substr(i + 2, size - 2)));
    }
    i += static_cast<size_t>(size);
  }
  return true;
}

}  // namespace

std::string_view EventStreamMessage::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return {};
}

uint32_t Crc32(std::string_view data, uint32_t crc) {
  // zlib's length is a uInt; feed in pieces so huge inputs stay correct.
  const auto* p = reinterpret_cast<const Bytef*>(data.data());
  size_t left = data.size();
  uLong c = crc;
  while (left > 0) {
    const uInt n = left > (1u << 30) ? (1u << 30) : static_cast<uInt>(left);
    c = crc32(c, p, n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(c);
}

std::string EncodeEventStreamMessage(
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view payload) {
  std::string block;
  for (const auto& [name, value] : headers) {
    block += static_cast<char>(name.size());
    block += name;
    block += static_cast<char>(7);
    block += static_cast<char>((value.size() >> 8) & 0xff);
    block += static_cast<char>(value.size() & 0xff);
    block += value;
  }
  const auto total =
      static_cast<uint32_t>(kMinMessageBytes + block.size() + payload.size());
  std::string out;
  out.reserve(total);
  AppendU32(out, total);
  AppendU32(out, static_cast<uint32_t>(block.size()));
  AppendU32(out, Crc32(out));
  out += block;
  out += payload;
  AppendU32(out, Crc32(out));
  return out;
}

bool EventStreamDecoder::Fail(std::string why) {
  error_ = std::move(why);
  buffer_.clear();
  offset_ = 0;
  return false;
}

bool EventStreamDecoder::Feed(std::string_view bytes,
                              const Handler& on_message) {
  if (!error_.empty()) return false;
  buffer_.append(bytes);
  bool keep_going = true;
  while (keep_going && buffer_.size() - offset_ >= kPreludeBytes) {
    const char* p = buffer_.data() + offset_;
    const uint32_t total = ReadU32(p);
    const uint32_t headers_len = ReadU32(p + 4);
    if (Crc32(std::string_view(p, 8)) != ReadU32(p + 8)) {
      return Fail("event stream prelude CRC mismatch");
    }
    if (total < kMinMessageBytes || total > kMaxMessageBytes ||
        headers_len > total - kMinMessageBytes) {
      return Fail("event stream message has an invalid length");
    }
    if (buffer_.size() - offset_ < total) break;  // wait for the rest
    if (Crc32(std::string_view(p, total - 4)) != ReadU32(p + total - 4)) {
      return Fail("event stream message CRC mismatch");
    }
    EventStreamMessage message;
    if (!ParseHeaders(std::string_view(p + kPreludeBytes, headers_len),
                      message)) {
      return Fail("event stream message has malformed headers");
    }
    message.payload.assign(p + kPreludeBytes + headers_len,
                           total - kMinMessageBytes - headers_len);
    offset_ += total;
    keep_going = on_message(message);
  }
  // Drop consumed bytes once they dominate, so a long stream does not grow
  // the buffer and short frames do not cost a memmove each.
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > 4096 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return keep_going;
}

}  // namespace across::bedrock
