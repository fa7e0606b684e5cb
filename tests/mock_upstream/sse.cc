#include "tests/mock_upstream/sse.h"

#include <algorithm>
#include <chrono>

namespace across::mock {
namespace {

constexpr std::chrono::milliseconds kPauseBeforeReset{20};

}  // namespace

asio::awaitable<void> PlayStream(Conn& conn, const Faults& faults,
                                 const EventList& events,
                                 const StreamPlan& plan,
                                 std::span<const Header> extra) {
  if (!co_await conn.SendHead(200, "text/event-stream; charset=utf-8", -1,
                              extra)) {
    co_return;
  }
  if (faults.garbage) {
    if (co_await conn.SendChunk(plan.garbage_event) &&
        co_await conn.SendChunk(plan.garbage_trailer)) {
      co_await conn.EndChunks();
    }
    co_return;
  }
  const size_t n = events.size();
  const size_t half = std::max<size_t>(1, n / 2);
  const bool cut = faults.truncate || faults.reset == ResetMode::kMidStream;
  for (size_t i = 0; i < n; ++i) {
    if (cut && i == half) {
      // Half the events are out: break the stream here.
      if (faults.reset == ResetMode::kMidStream) {
        // Let the peer read what was sent before the RST discards it.
        co_await conn.Sleep(kPauseBeforeReset);
        conn.Reset();
      } else {
        conn.Close();  // no terminating chunk, no [DONE]
      }
      co_return;
    }
    if (i > 0 && faults.drip_ms > 0) {
      if (!co_await conn.Sleep(std::chrono::milliseconds(faults.drip_ms))) {
        co_return;
      }
    }
    if (!co_await conn.SendChunk(events[i])) co_return;
    if (faults.stream_error && i == std::min(plan.first_content, n - 1)) {
      if (co_await conn.SendChunk(plan.error_event)) co_await conn.EndChunks();
      co_return;
    }
  }
  co_await conn.EndChunks();
}

}  // namespace across::mock
