#include "guardrails/checks/contains.h"

#include <algorithm>

#include "guardrails/pattern_set.h"
#include "guardrails/unicode.h"

namespace across::guardrails {
namespace {

RE2::Options Options(bool case_sensitive) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_case_sensitive(case_sensitive);
  return o;
}

// Whether [begin, end) stands as a whole word: a side that starts/ends
// with a word character must not continue into another one. Scripts
// written without spaces have no such boundaries, so they always pass.
bool Joined(char32_t inner, char32_t outer) {
  return IsWordChar(inner) && IsWordChar(outer) && !IsUnspacedScript(inner) &&
         !IsUnspacedScript(outer);
}

bool AtBoundaries(std::string_view text, size_t begin, size_t end) {
  if (begin > 0 &&
      Joined(DecodeAt(text, begin).value, DecodeBefore(text, begin).value)) {
    return false;
  }
  if (end < text.size() &&
      Joined(DecodeBefore(text, end).value, DecodeAt(text, end).value)) {
    return false;
  }
  return true;
}

}  // namespace

Contains::Contains(CommonOptions common, std::vector<std::string> words,
                   Operator op, bool case_sensitive, bool word_boundary,
                   std::string redact_label)
    : TextGuardrail(std::move(common)),
      words_(std::move(words)),
      op_(op),
      word_boundary_(word_boundary),
      label_(std::move(redact_label)) {
  // Longest first, so at one start the alternation prefers "new york"
  // over "new"; the per-word regexes then settle boundaries exactly.
  std::vector<std::string> by_length = words_;
  std::sort(by_length.begin(), by_length.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() > b.size();
            });
  std::string alternation;
  for (const std::string& w : by_length) {
    if (!alternation.empty()) alternation += "|";
    alternation += RE2::QuoteMeta(Piece(w));
  }
  any_ = std::make_unique<RE2>(Piece(alternation), Options(case_sensitive));
  for (const std::string& w : words_) {
    word_res_.push_back(std::make_unique<RE2>(Piece(RE2::QuoteMeta(Piece(w))),
                                              Options(case_sensitive)));
  }
}

bool Contains::CanRedact() const {
  return (op_ == Operator::kNone && !negated()) ||
         (op_ == Operator::kAny && negated());
}

TextOutcome Contains::EvaluateText(std::string_view text, bool partial) const {
  TextOutcome out;
  std::vector<bool> found(words_.size(), false);
  // Found at a place more (streamed) text cannot undo.
  std::vector<bool> settled(words_.size(), false);
  const re2::StringPiece whole = Piece(text);
  re2::StringPiece m;
  size_t pos = 0;
  while (pos < text.size() &&
         any_->Match(whole, pos, text.size(), RE2::UNANCHORED, &m, 1)) {
    const size_t begin = static_cast<size_t>(m.data() - text.data());
    // Every word may occur at this start; check each (lists are short).
    size_t longest = begin;
    for (size_t i = 0; i < words_.size(); ++i) {
      re2::StringPiece w;
      if (!word_res_[i]->Match(whole, begin, text.size(), RE2::ANCHOR_START, &w,
                               1)) {
        continue;
      }
      const size_t end = begin + w.size();
      if (word_boundary_ && !AtBoundaries(text, begin, end)) continue;
      found[i] = true;
      longest = std::max(longest, end);
      // At the end of a partial text the next character may join the word.
      if (!word_boundary_ || end < text.size()) settled[i] = true;
    }
    if (longest > begin) out.findings.push_back({begin, longest, label_});
    pos = begin + std::max<size_t>(1, DecodeAt(text, begin).length);
  }

  const size_t count = std::count(found.begin(), found.end(), true);
  const size_t settled_count = std::count(settled.begin(), settled.end(), true);
  std::string which;
  for (size_t i = 0; i < words_.size() && which.size() < 120; ++i) {
    if (!found[i]) continue;
    if (!which.empty()) which += ", ";
    which += Quote(words_[i], 40);
  }
  const std::string summary =
      count == 0
          ? "contains none of the " + std::to_string(words_.size()) + " words"
          : "contains " + std::to_string(count) + " of " +
                std::to_string(words_.size()) + " words (" + which + ")";
  switch (op_) {
    case Operator::kAny:
      out.satisfied = count > 0;
      out.final = settled_count > 0;
      break;
    case Operator::kAll:
      out.satisfied = count == words_.size();
      out.final = settled_count == words_.size();
      break;
    case Operator::kNone:
      out.satisfied = count == 0;
      out.final = settled_count > 0;
      break;
  }
  if (!partial) out.final = true;
  out.detail = summary;
  return out;
}

BuildResult BuildContains(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  auto words = params.StringList("words", true, true);
  const std::string op =
      params.Choice("operator", {"any", "all", "none"}, "any");
  const bool case_sensitive = params.Bool("case_sensitive", false);
  const bool word_boundary = params.Bool("word_boundary", true);
  std::string label = ReadRedactLabel(params, "REDACTED");
  if (!params.ok()) return params.error();
  const Contains::Operator oper = op == "all"    ? Contains::Operator::kAll
                                  : op == "none" ? Contains::Operator::kNone
                                                 : Contains::Operator::kAny;
  return Finish<Contains>(params, std::move(common), std::move(*words), oper,
                          case_sensitive, word_boundary, std::move(label));
}

}  // namespace across::guardrails
