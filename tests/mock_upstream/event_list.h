// A list of pre-rendered Server-Sent Events in one contiguous buffer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace across::mock {

// Pre-rendered Server-Sent Events ("data: <payload>\n\n" each) kept in one
// contiguous buffer, so a stream of thousands of events costs two growing
// buffers per connection instead of one string per event.
class EventList {
 public:
  void Clear() {
    buf_.clear();
    ends_.clear();
  }
  // Starts an event: appends "data: " and returns the buffer for the payload;
  // call End() after appending it.
  std::string& Begin() {
    buf_.append("data: ");
    return buf_;
  }
  void End() {
    buf_.append("\n\n");
    ends_.push_back(buf_.size());
  }
  void Add(std::string_view payload) {
    Begin().append(payload);
    End();
  }
  size_t size() const { return ends_.size(); }
  // The full text of event `i`, including "data: " and the blank line.
  std::string_view operator[](size_t i) const {
    const size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(buf_).substr(begin, ends_[i] - begin);
  }

 private:
  std::string buf_;
  std::vector<size_t> ends_;
};

}  // namespace across::mock
