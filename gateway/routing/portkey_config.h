// Portkey config JSON (the x-portkey-config header / saved configs' body)
// → our route proto, so a Portkey user switches by changing the base URL.
// The mapping table is in docs/routing.md. Keys may be snake_case or
// camelCase, as Portkey accepts both. Features we do not have but that do
// not change where a request goes (cache, hooks, guardrails, metadata,
// virtual_key, ...) are ignored; anything else unknown is an error naming
// the field, so typos do not silently change routing.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "across/config/v1/route.pb.h"
#include "gateway/common/error.h"

namespace across::routing {

// Errors read "<source>: <field path>: <reason>".
Result<::across::config::v1::RouteNode> PortkeyToRoute(
    const boost::json::object& config, std::string_view source);

// Parses the JSON text first.
Result<::across::config::v1::RouteNode> ParsePortkeyConfig(
    std::string_view json, std::string_view source);

}  // namespace across::routing
