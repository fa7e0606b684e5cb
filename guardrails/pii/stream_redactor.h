// Redaction for streamed output. Feed() takes each text delta and returns
// what is safe to forward now, already redacted; Flush() returns the rest
// when the stream ends. Concatenated, the outputs equal redacting the whole
// text at once (same placeholders, same numbering), whatever the split.
//
// Hold-back: only a tail that could still grow into a match is kept back.
// For each enabled kind that is the trailing run of bytes the kind's
// matches are made of (digits and separators for a card, the address
// characters for an email, ...), capped at the kind's longest match; the
// hold is the largest of those. A match is also held until the
// PiiDetector::kRightContext (2) bytes after it have arrived. In prose that
// is the last word, or an unfinished number. Worst cases: 254 bytes (an
// email-shaped run), 512 (an sk- key-shaped run), 8 KiB (a JWT-shaped run), and
// for private keys everything from an unterminated "-----BEGIN" marker, up to
// 16 KiB. PiiDetector::MaxHoldBack() gives the bound for a kind set.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "guardrails/pii/detector.h"
#include "guardrails/pii/redactor.h"

namespace across::guardrails::pii {

class StreamRedactor {
 public:
  // Both must outlive this object. `redactor` is the request's, so
  // placeholders agree with those used on the input.
  StreamRedactor(const PiiDetector& detector, Redactor& redactor);

  // Adds a delta; returns the redacted text that can be forwarded now
  // (possibly empty).
  std::string Feed(std::string_view delta);

  // Ends the stream: returns everything still held, redacted.
  std::string Flush();

  // A match redacted so far; offsets are in the original stream.
  struct Finding {
    PiiKind kind;
    size_t begin = 0;
    size_t end = 0;
    std::string masked;
  };
  const std::vector<Finding>& findings() const { return findings_; }

  // Bytes received but not yet forwarded.
  size_t held() const { return pending_.size(); }

 private:
  std::string Drain(bool final);

  // Forwarded bytes kept for the boundary rules of the next match
  // (they look at most two bytes back; RE2's \b at one).
  static constexpr size_t kContext = 16;

  const PiiDetector& detector_;
  Redactor& redactor_;
  std::string context_;
  std::string pending_;
  size_t offset_ = 0;  // stream offset of pending_[0]
  std::vector<Finding> findings_;
  std::vector<PiiMatch> matches_;
  std::vector<PiiMatch> candidates_;
};

}  // namespace across::guardrails::pii
