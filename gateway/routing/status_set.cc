#include "gateway/routing/status_set.h"

namespace across::routing {

StatusSet StatusSet::DefaultFallback() {
  StatusSet s{408, 429};
  for (int c = 500; c < 600; ++c) s.Add(c);
  return s;
}

StatusSet StatusSet::DefaultRetry() {
  return StatusSet{429, 500, 502, 503, 504};
}

std::string StatusSet::ToString() const {
  std::string out;
  for (int c = 0; c < kSize; ++c) {
    if (!bits_.test(c)) continue;
    int end = c;
    while (end + 1 < kSize && bits_.test(end + 1)) ++end;
    if (!out.empty()) out += ',';
    out += std::to_string(c);
    if (end > c) out += "-" + std::to_string(end);
    c = end;
  }
  return out;
}

}  // namespace across::routing
