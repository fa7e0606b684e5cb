#include "guardrails/checks/contains_code.h"

#include <gtest/gtest.h>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(ContainsCode, Table) {
  const std::string py = "Try this:\n```python\nprint('hi')\n```\nDone.";
  RunTable(
      "contains_code",
      {
          {"language present", R"({"language":"python"})", py, true},
          {"alias in config", R"({"language":"py"})", py, true},
          {"alias in text", R"({"language":"python"})", "```py\nx = 1\n```",
           true},
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

}  // namespace
}  // namespace across::guardrails::testing
