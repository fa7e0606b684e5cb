#include <gtest/gtest.h>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(LetterCase, Table) {
  RunTable("uppercase", {
                            {"upper", "{}", "HELLO WORLD 123!", true},
                            {"lower letter", "{}", "HELLO World", false},
                            {"no letters", "{}", "123 !?", true},
                            {"empty", "{}", "", true},
                            {"unicode upper", "{}", "ÇA VA? ΓΕΙΑ", true},
                            {"unicode lower", "{}", "ÇA VA? Γεια", false},
                            {"cjk has no case", "{}", "東京 OK", true},
                            {"not", R"({"not":true})", "HELLO", false},
                            {"very long", "{}", LongProse(1 << 20), false},
                        });
  RunTable("lowercase",
           {
               {"lower", "{}", "hello world", true},
               {"upper letter", "{}", "hello World", false},
               {"unicode", "{}", "ça va? γεια", true},
               {"unicode upper", "{}", "ça va? Γεια", false},
               {"not", R"({"not":true})", "hello", false},
               {"empty", "{}", "", true},
               {"very long", "{}", std::string(1 << 20, 'a') + "B", false},
           });
  ExpectLoadError("uppercase", R"({"strict":true})", "params.strict");
}

}  // namespace
}  // namespace across::guardrails::testing
