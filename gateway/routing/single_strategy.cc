// single: the node's one target.
#include "gateway/routing/execution.h"
#include "gateway/routing/strategy.h"

namespace across::routing {
namespace {

class Single final : public Strategy {
 public:
  asio::awaitable<Status> Run(const Node& node,
                              Execution& exec) const override {
    co_return co_await exec.RunNode(*node.children.front());
  }
};

}  // namespace

const Strategy& SingleStrategy() {
  static const Single instance;
  return instance;
}

}  // namespace across::routing
