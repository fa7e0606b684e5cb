// Playing a pre-rendered Server-Sent Events stream over a connection, with
// the stream faults (drip, truncate, reset mid_stream, stream error, garbage)
// applied. Shared by every streaming dialect.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <span>
#include <string_view>

#include "tests/mock_upstream/conn.h"
#include "tests/mock_upstream/event_list.h"
#include "tests/mock_upstream/faults.h"

namespace across::mock {

// How a dialect's pre-rendered event stream is played.
struct StreamPlan {
  // Index of the first content event: x-mock-stream-error sends its error
  // event right after it.
  size_t first_content = 1;
  // The complete in-stream error event ("data: {...}\n\n").
  std::string_view error_event;
  // The event sent for x-mock-garbage.
  std::string_view garbage_event = "data: {not json\n\n";
  // Sent after the garbage event (e.g. "data: [DONE]\n\n"); may be empty.
  std::string_view garbage_trailer;
};

// Streams `events` as a chunked text/event-stream response, one write per
// event, applying drip, truncate (stop at half, no terminating chunk, clean
// close), reset mid_stream (RST at half), stream error and garbage.
asio::awaitable<void> PlayStream(Conn& conn, const Faults& faults,
                                 const EventList& events,
                                 const StreamPlan& plan,
                                 std::span<const Header> extra = {});

}  // namespace across::mock
