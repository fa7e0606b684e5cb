#include "gateway/upstream/sse_parser.h"

#include <cstring>

namespace across {
namespace {

// First '\r' or '\n' in [p, end), or end. memchr is vectorised, so search for
// '\n' (the common ending) and only scan the short prefix before it for '\r'.
const char* FindEol(const char* p, const char* end) {
  const char* lf = static_cast<const char*>(
      std::memchr(p, '\n', static_cast<size_t>(end - p)));
  const char* limit = lf ? lf : end;
  const char* cr = static_cast<const char*>(
      std::memchr(p, '\r', static_cast<size_t>(limit - p)));
  return cr ? cr : limit;
}

}  // namespace

bool SseParser::Feed(std::string_view bytes, const Handler& on_event) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  // A "\r\n" split across two reads: the '\r' already ended the line.
  if (last_was_cr_ && p != end) {
    last_was_cr_ = false;
    if (*p == '\n') ++p;
  }
  while (p != end) {
    const char* eol = FindEol(p, end);
    if (eol == end) {
      // Unterminated: keep it for the next read.
      line_.append(p, static_cast<size_t>(end - p));
      return true;
    }
    bool ok;
    if (line_.empty()) {
      // Common case: the whole line is in this read; no copy.
      ok = DispatchLine(std::string_view(p, static_cast<size_t>(eol - p)),
                        on_event);
    } else {
      line_.append(p, static_cast<size_t>(eol - p));
      ok = DispatchLine(line_, on_event);
      line_.clear();  // keeps capacity
    }
    p = eol + 1;
    if (*eol == '\r') {
      if (p == end) {
        last_was_cr_ = true;
      } else if (*p == '\n') {
        ++p;
      }
    }
    if (!ok) return false;
  }
  return true;
}

bool SseParser::HasPartialEvent() const {
  return !line_.empty() || has_fields_;
}

bool SseParser::DispatchLine(std::string_view line, const Handler& on_event) {
  if (line.empty()) {
    // Blank line: dispatch. An event without data is dropped (WHATWG), but
    // the event type still resets. The id persists as "last event ID".
    bool keep_going = true;
    if (has_data_) keep_going = on_event(pending_);
    pending_.data.clear();
    pending_.event.clear();
    has_data_ = false;
    has_fields_ = false;
    return keep_going;
  }
  if (line.front() == ':') return true;  // comment (keep-alive pings)

  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }

  if (field == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
    has_fields_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
    has_fields_ = true;
  } else if (field == "id") {
    // Spec: an id containing NUL is ignored.
    if (value.find('\0') == std::string_view::npos) pending_.id.assign(value);
    has_fields_ = true;
  }
  // "retry" and unknown fields are ignored.
  return true;
}

}  // namespace across
