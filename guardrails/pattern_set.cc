#include "guardrails/pattern_set.h"

#include <algorithm>

namespace across::guardrails {

PatternSet::PatternSet(const RE2::Options& options)
    : options_(options), set_(options, RE2::UNANCHORED) {}

std::string PatternSet::Add(std::string_view pattern) {
  auto re = std::make_unique<RE2>(Piece(pattern), options_);
  if (!re->ok()) return re->error();
  std::string error;
  if (set_.Add(Piece(pattern), &error) < 0) return error;
  regexes_.push_back(std::move(re));
  return "";
}

std::string PatternSet::Compile() {
  if (!set_.Compile()) return "pattern set too large to compile";
  return "";
}

void PatternSet::Screen(std::string_view text, std::vector<int>* hits) const {
  hits->clear();
  RE2::Set::ErrorInfo info{RE2::Set::kNoError};
  if (set_.Match(Piece(text), hits, &info)) {
    std::sort(hits->begin(), hits->end());
    return;
  }
  if (info.kind != RE2::Set::kNoError) {
    for (size_t i = 0; i < regexes_.size(); ++i) {
      hits->push_back(static_cast<int>(i));
    }
  }
}

}  // namespace across::guardrails
