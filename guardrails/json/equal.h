// JSON Schema equality (enum, const, uniqueItems): like boost::json's ==
// except that numbers compare by value, so 1 == 1.0.
#pragma once

#include <boost/json/value.hpp>

namespace across::guardrails::json {

// A number value as double (callers check it is a number).
double AsDouble(const boost::json::value& v);

bool JsonEqual(const boost::json::value& a, const boost::json::value& b);

}  // namespace across::guardrails::json
