// conditional: the first rule whose query matches the request facts picks
// the target; else `default`; else a 400 naming the route, since the config
// has no answer for this request.
#include "gateway/routing/execution.h"
#include "gateway/routing/strategy.h"

namespace across::routing {
namespace {

class Conditional final : public Strategy {
 public:
  asio::awaitable<Status> Run(const Node& node,
                              Execution& exec) const override {
    static const boost::json::object kNoFacts;
    const boost::json::object& facts =
        exec.options().facts != nullptr ? *exec.options().facts : kNoFacts;
    for (const Rule& rule : node.rules) {
      if (rule.when.Matches(facts)) {
        co_return co_await exec.RunNode(*node.children[rule.child]);
      }
    }
    if (node.default_child >= 0) {
      co_return co_await exec.RunNode(*node.children[node.default_child]);
    }
    co_return Error::InvalidRequest(
        "route \"" + exec.route().name() + "\": no condition matched at " +
            (node.path.empty() ? std::string("the root") : node.path) +
            " and no default target is set",
        "", "no_route_match");
  }
};

}  // namespace

const Strategy& ConditionalStrategy() {
  static const Conditional instance;
  return instance;
}

}  // namespace across::routing
