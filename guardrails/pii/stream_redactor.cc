#include "guardrails/pii/stream_redactor.h"

#include <algorithm>

#include "guardrails/mask.h"

namespace across::guardrails::pii {

StreamRedactor::StreamRedactor(const PiiDetector& detector, Redactor& redactor)
    : detector_(detector), redactor_(redactor) {}

std::string StreamRedactor::Feed(std::string_view delta) {
  pending_.append(delta);
  return Drain(false);
}

std::string StreamRedactor::Flush() { return Drain(true); }

std::string StreamRedactor::Drain(bool final) {
  if (pending_.empty()) return "";
  const std::string window = context_ + pending_;
  const size_t start = context_.size();
  detector_.Detect(window, start, &matches_, &candidates_);

  size_t cut = pending_.size();
  if (!final) {
    cut -= std::min(cut, detector_.HoldBack(pending_));
    // Never cut through a candidate: which candidates win an overlap, and
    // where the next scan is aligned, must be decided with all of it seen.
    // Nor emit one whose right-hand context is not all here yet.
    for (bool moved = true; moved;) {
      moved = false;
      for (const auto* list : {&candidates_, &matches_}) {
        for (const PiiMatch& c : *list) {
          const size_t b = c.begin - start, e = c.end - start;
          if (b < cut &&
              (e > cut || e + PiiDetector::kRightContext > pending_.size())) {
            cut = b;
            moved = true;
          }
        }
      }
    }
  }

  std::string out;
  out.reserve(cut);
  size_t pos = 0;
  for (const PiiMatch& m : matches_) {
    const size_t b = m.begin - start, e = m.end - start;
    if (e > cut) break;
    out.append(pending_, pos, b - pos);
    const std::string_view value(pending_.data() + b, e - b);
    const std::string_view label = PiiKindLabel(m.kind);
    out += redactor_.Placeholder(label, value);
    findings_.push_back(
        {m.kind, offset_ + b, offset_ + e, MaskFor(label, value)});
    pos = e;
  }
  out.append(pending_, pos, cut - pos);

  context_.append(pending_, 0, cut);
  if (context_.size() > kContext) {
    context_.erase(0, context_.size() - kContext);
  }
  pending_.erase(0, cut);
  offset_ += cut;
  return out;
}

}  // namespace across::guardrails::pii
