// PII detection: prefilter regions -> RE2::Set screen (which kinds occur) ->
// the hit kinds' own RE2s locate candidates -> context rules and checksums
// (Luhn, mod-97, SSN ranges, inet_pton) confirm them -> overlaps resolved.
//
// A candidate is the pattern's match anchored at one start byte, judged with
// its surroundings; it never depends on where scanning started. That makes
// detection local, which is what lets the stream redactor reproduce the
// one-shot result exactly from a bounded window.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "guardrails/pattern_set.h"
#include "guardrails/pii/kind.h"

namespace across::guardrails::pii {

struct PiiMatch {
  PiiKind kind;
  size_t begin = 0;  // byte offsets
  size_t end = 0;
};

struct DetectorOptions {
  // Off only in tests, to prove the prefilter never changes results.
  bool prefilter = true;
};

class PiiDetector {
 public:
  explicit PiiDetector(PiiKindSet kinds, DetectorOptions options = {});
  PiiDetector(const PiiDetector&) = delete;
  PiiDetector& operator=(const PiiDetector&) = delete;

  // All kinds, built once and shared (thread-safe, like every method).
  static const PiiDetector& Default();

  const PiiKindSet& kinds() const { return kinds_; }

  // Confirmed matches in `text`, sorted and non-overlapping. Only matches
  // starting at or after `start` are reported; text before it is context
  // (for boundary rules) only.
  std::vector<PiiMatch> Detect(std::string_view text, size_t start = 0) const;

  // As above, also collecting every pattern candidate (confirmed or not) as
  // [begin, end) spans, for the stream redactor's cut rule.
  void Detect(std::string_view text, size_t start,
              std::vector<PiiMatch>* matches,
              std::vector<PiiMatch>* candidates) const;

  // How many trailing bytes of not-yet-forwarded stream text could still
  // become part of a match once more text arrives. See StreamRedactor.
  size_t HoldBack(std::string_view pending) const;

  // How far past a match its acceptance rules look ("1.2.3.4" + ".5" is
  // not an address): a match is only settled once this much follows it.
  static constexpr size_t kRightContext = 2;

  // Largest value HoldBack can return for these kinds.
  size_t MaxHoldBack() const;

 private:
  void Scan(std::string_view text, size_t from, size_t to, size_t spec_index,
            std::vector<PiiMatch>* found,
            std::vector<PiiMatch>* candidates) const;

  PiiKindSet kinds_;
  DetectorOptions options_;
  std::vector<PiiKind> order_;  // set index -> kind
  std::unique_ptr<PatternSet> set_;
};

}  // namespace across::guardrails::pii
