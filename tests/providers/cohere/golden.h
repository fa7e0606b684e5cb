// Golden-fixture helpers for provider tests: read fixture files from the
// runfiles tree and compare JSON bodies field by field, so a failure names
// the exact path that differs ("$.messages[1].content").
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace across::golden {

// The file's bytes; `path` is relative to the workspace root
// ("tests/providers/cohere/fixtures/x.json"). Fails the test when missing.
std::string Read(std::string_view path);

// A JSON fixture without its top-level "_"-prefixed keys (citations).
boost::json::value LoadJson(std::string_view path);
// The same, serialized: a wire body as the upstream would send it.
std::string LoadJsonText(std::string_view path);

// Parses `json`; fails the test (and returns null) when it is not JSON.
boost::json::value Parse(std::string_view json);

// EXPECTs `actual` == `expected`: same object keys, array lengths and
// values; numbers compare by value whatever their JSON representation.
// Each difference is reported with its path.
void ExpectJsonEq(const boost::json::value& actual,
                  const boost::json::value& expected,
                  const std::string& path = "$");

}  // namespace across::golden
