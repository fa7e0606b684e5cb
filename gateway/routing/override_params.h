// Applies a target's override_params to a copy of the request before it is
// sent: known fields are replaced (not merged: an override of `stop`
// replaces the list), anything else goes into the request's `extra_params`
// Struct, which providers forward upstream as is.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>

#include "gateway/common/error.h"

namespace across::routing {

// Error 400 naming the parameter when a value does not fit its field, or a
// key is unknown and the message has no extra_params.
Status ApplyOverrideParams(const google::protobuf::Struct& params,
                           google::protobuf::Message& request);

}  // namespace across::routing
