// Incremental Server-Sent Events parser (WHATWG HTML "event stream"
// interpretation): bytes go in as they arrive from the network, complete
// events come out. Handles \n, \r\n and \r line endings, multi-line data,
// comments, and events split across any number of reads.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace across {

struct SseEvent {
  std::string event;  // "event:" field; empty means "message"
  std::string data;   // "data:" lines joined with '\n'
  std::string id;     // "id:" field
};

class SseParser {
 public:
  // Return false from the handler to stop parsing.
  using Handler = std::function<bool(const SseEvent&)>;

  // Feeds bytes; calls `on_event` for each completed event. Returns false if
  // the handler asked to stop.
  bool Feed(std::string_view bytes, const Handler& on_event);

  // True when bytes of an unfinished event are buffered (a stream that ends
  // here was truncated mid-event).
  bool HasPartialEvent() const;

 private:
  bool DispatchLine(std::string_view line, const Handler& on_event);

  std::string line_;  // unterminated line carried between Feed calls
  bool last_was_cr_ = false;
  SseEvent pending_;
  bool has_data_ = false;
  bool has_fields_ = false;
};

}  // namespace across
