#include <gtest/gtest.h>

#include "guardrails/checks/contains_code.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(ContainsCode, Table) {
  const std::string py = "Try this:\n```python\nprint('hi')\n```\nDone.";
  RunTable("contains_code",
           {
               {"language present", R"({"language":"python"})", py, true},
               {"alias in config", R"({"language":"py"})", py, true},
               {"alias in text", R"({"language":"python"})",
                "```py\nx = 1\n```", true},
               {"case-insensitive", R"({"language":"SQL"})",
                "```sql\nSELECT 1;\n```", true},
               {"tilde fence", R"({"language":"bash"})", "~~~sh\nls\n~~~", true},
               {"other language", R"({"language":"javascript"})", py, false},
               {"inline code is not a block", R"({"language":"python"})",
                "use `print()` here", false},
               {"not", R"({"language":"python","not":true})", py, false},
               {"any", R"({"language":"any"})", "```\nplain\n```", true},
               {"unclosed block counts", R"({"language":"go"})",
                "```go\nfunc main() {}", true},
               {"indented fence", R"({"language":"rust"})",
                "   ```rust\nfn main() {}\n   ```", true},
               {"four-space indent is not a fence", R"({"language":"rust"})",
                "    ```rust\nfn main() {}\n    ```", false},
               {"unicode body", R"({"language":"python"})",
                "```python\nprint('日本語 ✓')\n```", true},
               {"empty", R"({"language":"python"})", "", false},
               {"very long", R"({"language":"python"})",
                LongProse(1 << 20) + "\n```python\npass\n```", true},
           });
  ExpectLoadError("contains_code", R"({})", "params.language");
  ExpectLoadError("contains_code", R"({"language":["py"]})", "params.language");
  ExpectLoadError("contains_code", R"({"language":"py","format":"x"})",
                  "params.format");
}

TEST(ContainsCode, CanonicalLanguage) {
  EXPECT_EQ(CanonicalLanguage("C++"), "cpp");
  EXPECT_EQ(CanonicalLanguage("TS"), "typescript");
  EXPECT_EQ(CanonicalLanguage("Haskell"), "haskell");
}

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
  RunTable("lowercase", {
                            {"lower", "{}", "hello world", true},
                            {"upper letter", "{}", "hello World", false},
                            {"unicode", "{}", "ça va? γεια", true},
                            {"unicode upper", "{}", "ça va? Γεια", false},
                            {"not", R"({"not":true})", "hello", false},
                        });
  ExpectLoadError("uppercase", R"({"strict":true})", "params.strict");
}

TEST(EndsWith, Table) {
  RunTable("ends_with",
           {
               {"ends", R"({"suffix":"Thanks!"})", "Hello. Thanks!", true},
               {"trailing whitespace ignored", R"({"suffix":"Thanks!"})",
                "Hello. Thanks!\n\n  ", true},
               {"does not end", R"({"suffix":"Thanks!"})", "Thanks! Bye", false},
               {"case-sensitive default", R"({"suffix":"END"})", "the end",
                false},
               {"case-insensitive", R"({"suffix":"END","case_sensitive":false})",
                "the end", true},
               {"unicode fold", R"({"suffix":"ÉTÉ","case_sensitive":false})",
                "bel été", true},
               {"not", R"({"suffix":"x","not":true})", "abx", false},
               {"empty text", R"({"suffix":"x"})", "", false},
               {"very long", R"({"suffix":"[END]"})", LongProse(1 << 20) + "[END]",
                true},
           });
  ExpectLoadError("ends_with", R"({})", "params.suffix");
  ExpectLoadError("ends_with", R"({"suffix":"x "})", "params.suffix");
  ExpectLoadError("ends_with", R"({"suffix":"x","case_sensitive":"no"})",
                  "params.case_sensitive");
}

}  // namespace
}  // namespace across::guardrails::testing
