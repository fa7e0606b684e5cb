// fallback: targets in order; move on when the failure is one the node
// falls back on (on_status_codes) or the router refused the target itself
// (open breaker, concurrency limit). Stops at the first success, at a
// failure outside the set (a 400 is the request's fault: another provider
// would refuse it too), after the first streamed byte, on cancellation, and
// when the deadline has passed.
#include "gateway/routing/execution.h"
#include "gateway/routing/retry_policy.h"
#include "gateway/routing/strategy.h"

namespace across::routing {
namespace {

class Fallback final : public Strategy {
 public:
  asio::awaitable<Status> Run(const Node& node,
                              Execution& exec) const override {
    std::optional<Error> last;
    for (size_t i = 0; i < node.children.size(); ++i) {
      const Node& child = *node.children[i];
      if (i > 0) exec.RecordFallback(*node.children[i - 1]);
      Status status = co_await exec.RunNode(child);
      if (status.ok()) co_return status;
      Error& e = status.error();
      const bool moves_on =
          IsLocalRejection(e) || node.fallback_on.Contains(e.http_status);
      if (!moves_on || e.http_status == 499 || exec.committed() ||
          Clock::now() >= exec.ctx().deadline) {
        co_return std::move(e);
      }
      last = std::move(e);
    }
    co_return std::move(*last);
  }
};

}  // namespace

const Strategy& FallbackStrategy() {
  static const Fallback instance;
  return instance;
}

}  // namespace across::routing
