// What conditional rules look at: {"metadata": {...}, "params": {...}}.
// Built only for routes that have a conditional node (Route::needs_facts),
// since it serialises the request.
#pragma once

#include <google/protobuf/message.h>

#include <boost/json/object.hpp>
#include <string_view>

#include "gateway/common/error.h"

namespace across::routing {

// params: the request as JSON with proto field names (model, temperature,
// max_tokens, messages, ...). metadata: the request's own `metadata` field,
// if it has one, overlaid with `header_metadata` (header keys win).
boost::json::object BuildFacts(const google::protobuf::Message& request,
                               const boost::json::object& header_metadata = {});

// Parses a metadata header (x-across-metadata / x-portkey-metadata): a JSON
// object. Empty input gives an empty object.
Result<boost::json::object> ParseMetadataHeader(std::string_view value);

}  // namespace across::routing
