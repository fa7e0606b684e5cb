// A list of RE2 patterns screened together with RE2::Set: one DFA pass tells
// which patterns occur anywhere in the text, and only those are then run on
// their own to locate matches. With N patterns this costs one pass over clean
// text instead of N.
#pragma once

#include <re2/re2.h>
#include <re2/set.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace across::guardrails {

class PatternSet {
 public:
  explicit PatternSet(const RE2::Options& options);
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  // Adds a pattern (index = insertion order). Returns "" or RE2's error.
  std::string Add(std::string_view pattern);

  // Builds the set; call once after the last Add. Returns "" or an error.
  std::string Compile();

  size_t size() const { return regexes_.size(); }
  const RE2& regex(size_t i) const { return *regexes_[i]; }

  // Sets `hits` to the indices (ascending) of patterns that match somewhere
  // in `text`. If the set's DFA runs out of memory the answer is "all of
  // them": screening must never hide a match, only save work.
  void Screen(std::string_view text, std::vector<int>* hits) const;

 private:
  RE2::Options options_;
  RE2::Set set_;
  std::vector<std::unique_ptr<RE2>> regexes_;
};

// RE2 still takes re2::StringPiece in Debian's release; this keeps the
// conversion in one place.
inline re2::StringPiece Piece(std::string_view s) {
  return re2::StringPiece(s.data(), s.size());
}

}  // namespace across::guardrails
