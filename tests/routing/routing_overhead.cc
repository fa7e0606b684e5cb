// Happy-path overhead of the routing executor: the same no-op attempt called
// directly, through a one-target route, and through a 3-target fallback
// route whose first target answers. Prints ns per request.
//   bazel run -c opt //tests/routing:routing_overhead
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>

#include "gateway/routing/routing.h"

namespace across::routing {
namespace {

namespace asio = boost::asio;

asio::awaitable<Status> NoOp(const Target&, AttemptInfo&) { co_return Ok{}; }

std::shared_ptr<const Route> Compile(const char* yaml,
                                     const CompileOptions& options) {
  auto config = ParseRouteConfig(yaml, "bench");
  auto route = CompileRoute(*config, options);
  if (!route.ok()) {
    std::fprintf(stderr, "%s\n", route.error().message.c_str());
    std::abort();
  }
  return *route;
}

template <typename Body>
double NsPerOp(int n, Body body) {
  asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < n; ++i) co_await body();
      },
      asio::detached);
  io.run();
  return std::chrono::duration<double, std::nano>(
             std::chrono::steady_clock::now() - start)
             .count() /
         n;
}

}  // namespace
}  // namespace across::routing

int main() {
  using namespace across;
  using namespace across::routing;
  prometheus::Registry registry;
  RoutingMetrics metrics(registry);
  TargetStateRegistry states(&metrics);
  CompileOptions options{.states = &states, .metrics = &metrics};
  auto single = Compile("name: s\nprovider: a\n", options);
  auto fallback = Compile(
      "name: f\nstrategy: fallback\nretry: {attempts: 2}\n"
      "breaker: {consecutive_failures: 5}\n"
      "targets: [{provider: a}, {provider: b}, {provider: c}]\n",
      options);
  const AttemptFn attempt = NoOp;
  constexpr int kN = 200000;
  for (int round = 0; round < 2; ++round) {  // the first round warms up
    const double direct = NsPerOp(kN, [&]() -> asio::awaitable<void> {
      RequestContext ctx;
      const Target& t = *single->targets()[0];
      AttemptInfo info(t, "m", 1, 0, Clock::now(), ctx.deadline);
      (void)co_await attempt(t, info);
    });
    const double one = NsPerOp(kN, [&]() -> asio::awaitable<void> {
      RequestContext ctx;
      RouteOutcome outcome;
      (void)co_await ExecuteRoute(*single, ctx, {.outcome = &outcome}, attempt);
    });
    const double three = NsPerOp(kN, [&]() -> asio::awaitable<void> {
      RequestContext ctx;
      RouteOutcome outcome;
      (void)co_await ExecuteRoute(*fallback, ctx, {.outcome = &outcome},
                                  attempt);
    });
    if (round == 1) {
      std::printf("direct attempt:              %7.0f ns/request\n", direct);
      std::printf("single-target route:         %7.0f ns/request (+%.0f)\n",
                  one, one - direct);
      std::printf("3-target fallback route:     %7.0f ns/request (+%.0f)\n",
                  three, three - direct);
      std::printf("  (fallback route: retry, breaker and metrics on)\n");
    }
  }
}
