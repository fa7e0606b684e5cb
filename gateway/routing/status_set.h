// A set of HTTP statuses (100-599), used for fallback and retry triggers.
// A bitset so the per-attempt membership test is one load.
#pragma once

#include <bitset>
#include <initializer_list>
#include <string>

namespace across::routing {

class StatusSet {
 public:
  StatusSet() = default;
  StatusSet(std::initializer_list<int> codes) {
    for (int c : codes) Add(c);
  }

  // Fallback default: timeouts (408/504), rate limits (429), every 5xx
  // (502 = connection failure). Never other 4xx: the request itself is wrong.
  static StatusSet DefaultFallback();
  // Retry default (Portkey's): 429, 500, 502, 503, 504.
  static StatusSet DefaultRetry();

  void Add(int code) {
    if (code >= 0 && code < kSize) bits_.set(code);
  }
  bool Contains(int code) const {
    return code >= 0 && code < kSize && bits_.test(code);
  }
  bool empty() const { return bits_.none(); }
  // "408,429,500-599" for docs and errors.
  std::string ToString() const;

 private:
  static constexpr int kSize = 600;
  std::bitset<kSize> bits_;
};

}  // namespace across::routing
