#include "guardrails/pii/detector.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "guardrails/pii/patterns.h"
#include "guardrails/pii/prefilter.h"

namespace across::guardrails::pii {
namespace {

RE2::Options PiiOptions() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  // The set's DFA holds states for twelve patterns at once; the default
  // budget makes it thrash (and report out-of-memory) on long texts.
  o.set_max_mem(64 << 20);
  return o;
}

// "-----BEGIN" split across deltas: the longest suffix of `text` that is a
// proper prefix of the marker.
size_t PartialMarker(std::string_view text, std::string_view marker) {
  for (size_t len = std::min(text.size(), marker.size() - 1); len > 0; --len) {
    if (marker.starts_with(text.substr(text.size() - len))) return len;
  }
  return 0;
}

}  // namespace

PiiDetector::PiiDetector(PiiKindSet kinds, DetectorOptions options)
    : kinds_(kinds),
      options_(options),
      set_(std::make_unique<PatternSet>(PiiOptions())) {
  for (size_t i = 0; i < kPiiKindCount; ++i) {
    if (!kinds.test(i)) continue;
    const auto kind = static_cast<PiiKind>(i);
    const std::string error = set_->Add(SpecFor(kind).pattern);
    if (!error.empty()) {
      // The patterns are compiled into the binary; a failure is a bug.
      std::cerr << "PII pattern " << PiiKindName(kind) << ": " << error << "\n";
      std::abort();
    }
    order_.push_back(kind);
  }
  if (!order_.empty()) {
    const std::string error = set_->Compile();
    if (!error.empty()) {
      std::cerr << "PII pattern set: " << error << "\n";
      std::abort();
    }
  }
}

const PiiDetector& PiiDetector::Default() {
  static const PiiDetector* detector = new PiiDetector(AllPiiKinds());
  return *detector;
}

std::vector<PiiMatch> PiiDetector::Detect(std::string_view text,
                                          size_t start) const {
  std::vector<PiiMatch> matches;
  Detect(text, start, &matches, nullptr);
  return matches;
}

void PiiDetector::Detect(std::string_view text, size_t start,
                         std::vector<PiiMatch>* matches,
                         std::vector<PiiMatch>* candidates) const {
  matches->clear();
  if (candidates != nullptr) candidates->clear();
  if (order_.empty() || start >= text.size()) return;

  std::vector<Region> regions;
  if (options_.prefilter) {
    FindRegions(text, kinds_, &regions);
  } else {
    regions.push_back({0, text.size()});
  }
  std::vector<PiiMatch> found;
  std::vector<int> hits;
  for (const Region& region : regions) {
    if (region.end <= start) continue;
    set_->Screen(text.substr(region.begin, region.end - region.begin), &hits);
    for (int hit : hits) {
      Scan(text, std::max(region.begin, start), region.end,
           static_cast<size_t>(hit), &found, candidates);
    }
  }

  // Overlaps between kinds (a card's digits also look like a phone): the
  // earliest start wins, then the longest, then the kind's priority.
  std::sort(found.begin(), found.end(),
            [](const PiiMatch& a, const PiiMatch& b) {
              if (a.begin != b.begin) return a.begin < b.begin;
              if (a.end != b.end) return a.end > b.end;
              return SpecFor(a.kind).priority < SpecFor(b.kind).priority;
            });
  for (const PiiMatch& m : found) {
    if (!matches->empty() && m.begin < matches->back().end) continue;
    matches->push_back(m);
  }
}

void PiiDetector::Scan(std::string_view text, size_t from, size_t to,
                       size_t spec_index, std::vector<PiiMatch>* found,
                       std::vector<PiiMatch>* candidates) const {
  const RE2& re = set_->regex(spec_index);
  const KindSpec& spec = SpecFor(order_[spec_index]);
  const re2::StringPiece whole = Piece(text);
  re2::StringPiece m;
  size_t pos = from;
  while (pos < to) {
    // Find the next start inside the region, then take the pattern's match
    // at that start against the whole text: the region's end must not cut
    // a longer match short.
    if (!re.Match(whole, pos, to, RE2::UNANCHORED, &m, 1)) break;
    const size_t begin = static_cast<size_t>(m.data() - text.data());
    if (!re.Match(whole, begin, text.size(), RE2::ANCHOR_START, &m, 1)) {
      pos = begin + 1;
      continue;
    }
    const size_t end = begin + m.size();
    pos = begin + 1;
    if (end == begin) continue;
    if (candidates != nullptr) candidates->push_back({spec.kind, begin, end});
    if (end - begin > spec.max_length) continue;
    if (auto accepted = spec.accept(text, begin, end)) {
      found->push_back({spec.kind, begin, *accepted});
      // Same-kind candidates starting inside an accepted one can never win
      // an overlap against it, so skip them. Rejected candidates advance by
      // one byte instead, so scanning stays aligned with any restart point
      // that is not inside an accepted match (region starts, stream cuts).
      pos = *accepted;
    }
  }
}

size_t PiiDetector::HoldBack(std::string_view pending) const {
  size_t hold = 0;
  for (PiiKind kind : order_) {
    const KindSpec& spec = SpecFor(kind);
    size_t need = 0;
    if (kind == PiiKind::kPrivateKey) {
      // Its bytes include all of prose, so hold from the first BEGIN marker
      // that does not yet close into a block (scanning as Detect does: a
      // lazy match runs from the first BEGIN to the first END), or from a
      // partial marker at the very end.
      const size_t window = std::min(pending.size(), spec.max_length);
      const std::string_view tail = pending.substr(pending.size() - window);
      const RE2& re = set_->regex(static_cast<size_t>(
          std::find(order_.begin(), order_.end(), kind) - order_.begin()));
      re2::StringPiece m;
      for (size_t b = tail.find("-----BEGIN"); b != std::string_view::npos;
           b = tail.find("-----BEGIN", b)) {
        if (!re.Match(Piece(tail), b, tail.size(), RE2::ANCHOR_START, &m, 1)) {
          need = tail.size() - b;
          break;
        }
        b += m.size();
      }
      need = std::max(need, PartialMarker(pending, "-----BEGIN"));
    } else {
      // A match still growing at the end consists of the kind's bytes
      // only, and is at most max_length long.
      const size_t limit = std::min(pending.size(), spec.max_length);
      while (need < limit && spec.bytes[static_cast<unsigned char>(
                                 pending[pending.size() - 1 - need])]) {
        ++need;
      }
    }
    hold = std::max(hold, need);
  }
  return hold;
}

size_t PiiDetector::MaxHoldBack() const {
  size_t bound = 0;
  for (PiiKind kind : order_) {
    bound = std::max(bound, SpecFor(kind).max_length);
  }
  return bound;
}

}  // namespace across::guardrails::pii
