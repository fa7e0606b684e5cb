"""Routing engine end to end (issue 3, docs/routing.md): weighted load
balancing, fallback triggers, retries with backoff and Retry-After, deadlines,
the circuit breaker, concurrency limits, streaming fallback/commit, conditional
routing, config validation and Portkey compatibility, through both front ends.

Two mock upstream processes serve every provider. Providers differ by base URL
path prefix (the mock matches paths on their suffix, and /__mock/stats counts
by full path, so each provider has its own counter) and by static `headers:`
in the gateway config: the mock honours x-mock-* request headers, so e.g.
provider p_503 always answers 503 while p_a on the same mock is healthy. Faults
in the body's "mock" object reach every target of a route alike, so they are
only used for single-target routes (retries, Retry-After)."""

import json
import os
import secrets
import socket
import sys
import time
import unittest

import grpc

# Also runnable as `python3 -m unittest tests/integration/test_routing.py`
# from the repository root (discover -s tests/integration adds this itself).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Background, grpc_chat, metadata_dict, metric_sum, t, user_chat  # noqa: E402

STACK = None

COOLDOWN_MS = int(1000 * harness.SCALE)
# Upstream latencies that other requests must overlap with: longer on slow
# (sanitizer) builds, where the overlapping requests take longer too.
LIMITED_MS = int(800 * max(1.0, harness.SCALE / 2))
PROBE_MS = int(600 * max(1.0, harness.SCALE / 2))
FLAKY_KEY = "flaky-" + secrets.token_hex(6)
SLOWFLAKY_KEY = "slowflaky-" + secrets.token_hex(6)

# provider id -> (mock "a" or "b", path prefix, static headers)
PROVIDERS = {
    "p_a": ("a", "/a", {}),
    "p_b": ("b", "/b", {}),
    "p_c": ("b", "/c", {}),
    "p_503": ("a", "/e503", {"x-mock-status": "503"}),
    "p_429": ("a", "/e429", {"x-mock-status": "429"}),
    "p_400": ("a", "/e400", {"x-mock-status": "400"}),
    "p_slow": ("a", "/slow", {"x-mock-latency-ms": "3000"}),
    "p_reset": ("a", "/reset", {"x-mock-reset": "before_headers"}),
    "p_midreset": ("a", "/midreset", {"x-mock-reset": "mid_stream", "x-mock-words": "20"}),
    "p_flaky": ("a", "/flaky", {"x-mock-fail-first": "4", "x-mock-key": FLAKY_KEY}),
    "p_limited": ("a", "/limited", {"x-mock-latency-ms": str(LIMITED_MS)}),
    "p_lat": ("a", "/lat", {"x-mock-latency-ms": "150"}),
    "p_drip": ("a", "/drip", {"x-mock-drip-ms": "700", "x-mock-words": "1"}),
    # Fails its first 2 requests slowly (PROBE_MS, then 503), then is fast and fine.
    "p_slowflaky": ("a", "/slowflaky", {"x-mock-fail-first": "2", "x-mock-key": SLOWFLAKY_KEY,
                                        "x-mock-latency-ms": str(PROBE_MS), "x-mock-status": "503"}),
}

ROUTES = """\
routes:
  - name: lb
    models: [lb-model]
    strategy: loadbalance
    targets:
      - {provider: p_a, weight: 3}
      - {provider: p_b, weight: 1}
      - {provider: p_c, weight: 0}

  - name: fb
    models: [fb-alias, fb-alias2]
    strategy: fallback
    targets:
      - {provider: p_503, upstream_model: fb-model}
      - {provider: p_a, upstream_model: fb-model}

  - name: fb-400
    strategy: fallback
    targets:
      - {provider: p_400}
      - {provider: p_a}

  - name: retry
    retry: {attempts: 3, backoff_base_ms: 20, backoff_cap_ms: 40, budget_min_retries: 1000}
    targets:
      - {provider: p_a, upstream_model: retry-model}

  - name: retry-timing
    retry: {attempts: 3, backoff_base_ms: 100, backoff_cap_ms: 200, budget_min_retries: 1000}
    targets:
      - {provider: p_a, upstream_model: timing-model}

  - name: retry-400
    retry: {attempts: 3, backoff_base_ms: 1, backoff_cap_ms: 1, budget_min_retries: 1000}
    targets:
      - {provider: p_400, upstream_model: r400-model}

  - name: retry-after
    retry: {attempts: 1, budget_min_retries: 1000}
    targets:
      - {provider: p_a, upstream_model: ra-model}

  - name: retry-after-capped
    retry: {attempts: 1, max_retry_after_ms: 500, budget_min_retries: 1000}
    targets:
      - {provider: p_a, upstream_model: ra-capped-model}

  - name: retry-budget
    retry: {attempts: 3, backoff_base_ms: 1, backoff_cap_ms: 1, budget_ratio: 0,
            budget_min_retries: 1, budget_window_ms: 60000}
    targets:
      - {provider: p_503, upstream_model: budget-model}

  - name: deadline
    request_timeout_ms: 300
    retry: {attempts: 3, on_status_codes: [408, 503], backoff_base_ms: 1, backoff_cap_ms: 1,
            budget_min_retries: 1000}
    targets:
      - {provider: p_slow, upstream_model: deadline-model}

  - name: deadline-fb
    strategy: fallback
    targets:
      - {provider: p_slow, upstream_model: dfb-model}
      - {provider: p_a, upstream_model: dfb-model}

  - name: breaker
    strategy: fallback
    breaker: {consecutive_failures: 3, cooldown_ms: %(cooldown)d}
    targets:
      - {provider: p_flaky, upstream_model: flaky-model}
      - {provider: p_a, upstream_model: flaky-model}

  - name: limited
    max_inflight: 2
    targets:
      - {provider: p_limited, upstream_model: limited-model}

  - name: queued
    max_inflight: 1
    max_queue: 1
    targets:
      - {provider: p_limited, upstream_model: queued-model}

  - name: limited-fb
    strategy: fallback
    max_inflight: 1
    targets:
      - {provider: p_limited, upstream_model: limfb-model}
      - {provider: p_b, upstream_model: limfb-model, max_inflight: 0}

  - name: queue-timeout
    max_inflight: 1
    max_queue: 1
    queue_timeout_ms: 200
    targets:
      - {provider: p_limited, upstream_model: qto-model}

  - name: probe
    strategy: fallback
    breaker: {consecutive_failures: 1, cooldown_ms: %(cooldown)d, half_open_probes: 1}
    targets:
      - {provider: p_slowflaky, upstream_model: probe-model}
      - {provider: p_a, upstream_model: probe-model}

  - name: idle
    strategy: fallback
    stream_idle_timeout_ms: 300
    targets:
      - {provider: p_drip, upstream_model: idle-model}
      - {provider: p_a, upstream_model: idle-model}

  - name: stream-fb
    strategy: fallback
    targets:
      - {provider: p_503, upstream_model: sfb-model}
      - {provider: p_a, upstream_model: sfb-model}

  - name: midstream
    strategy: fallback
    targets:
      - {provider: p_midreset, upstream_model: mid-model}
      - {provider: p_a, upstream_model: mid-model}

  - name: first-token
    strategy: fallback
    first_token_timeout_ms: 300
    targets:
      - {provider: p_slow, upstream_model: ft-model}
      - {provider: p_a, upstream_model: ft-model}

  - name: tiered
    strategy: conditional
    conditions:
      - query: {metadata.tier: {$eq: enterprise}}
        then: premium
      - query: {$and: [{params.temperature: {$gte: 1}}, {params.model: {$regex: "^creative"}}]}
        then: creative
      - query: {$or: [{metadata.level: {$gt: 5}}, {params.max_tokens: {$in: [7, 8]}}]}
        then: 2
    targets:
      - {name: premium, provider: p_a, upstream_model: premium-model}
      - {name: creative, provider: p_b, upstream_model: creative-model}
      - {name: cheap, provider: p_c, upstream_model: cheap-model}

  - name: regional
    models: [regional-model]
    strategy: conditional
    conditions:
      - query: {metadata.region: {$in: [eu, uk]}}
        then: eu
      - query: {metadata.region: {$nin: [us, eu, uk]}, params.model: {$ne: regional-model}}
        then: eu
    default: 1
    targets:
      - {name: eu, provider: p_b}
      - {name: world, provider: p_a}
"""


def free_closed_port():
    """A loopback port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind((harness.HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def gateway_config(mocks, closed_port, routes=ROUTES, extra=""):
    lines = ["providers:"]
    for pid, (which, prefix, headers) in PROVIDERS.items():
        lines.append("  - id: %s" % pid)
        lines.append("    type: openai")
        lines.append('    base_url: "%s%s/v1"' % (mocks[which].base_url, prefix))
        lines.append("    api_key_env: MOCK_KEY")
        if headers:
            lines.append("    headers: %s" % json.dumps(headers))
    lines += [
        "  - id: p_down",
        "    type: openai",
        '    base_url: "http://127.0.0.1:%d/v1"' % closed_port,
        "    api_key_env: MOCK_KEY",
        "    connect_timeout_ms: 2000",
        "models:",
        "  - {name: gpt-mock, provider: p_a, upstream_model: gpt-4o-mini}",
        "logging: {access_log: false}",
    ]
    return "\n".join(lines) + "\n" + (routes % {"cooldown": COOLDOWN_MS}) + extra


class RoutingStack:
    def __init__(self):
        self.key = harness.new_secret("sk-mock")
        self.mocks = {}
        self.gateway = None
        try:
            self.mocks["a"] = harness.Mock(["--require_key=" + self.key, "--threads=2"])
            # Mock b requires no key, so a caller's own key (Portkey api_key) works there.
            self.mocks["b"] = harness.Mock(["--threads=2"])
            self.closed_port = free_closed_port()
            self.gateway = harness.Gateway(gateway_config(self.mocks, self.closed_port),
                                           env={"MOCK_KEY": self.key})
        except Exception:
            self.close()
            raise

    def close(self):
        problems = []
        if self.gateway is not None:
            rc = self.gateway.stop()
            report = self.gateway.sanitizer_report()
            if rc != 0 or report:
                problems.append("gateway exit code %s\n%s\n%s" % (rc, report or "", self.gateway.logs()))
            self.gateway.cleanup()
        for m in self.mocks.values():
            rc = m.stop()
            report = m.sanitizer_report()
            if rc not in (0, -15) or report:
                problems.append("mock exit code %s\n%s\n%s" % (rc, report or "", m.logs()))
            m.cleanup()
        return "\n".join(problems) or None

    # -- per-provider request counters ------------------------------------
    def counts(self):
        """{provider id: chat requests its base URL has received so far}."""
        stats = {w: m.stats().get("by_path", {}) for w, m in self.mocks.items()}
        return {pid: stats[w].get(prefix + "/v1/chat/completions", 0)
                for pid, (w, prefix, _) in PROVIDERS.items()}

    def last_request(self, pid):
        return self.mocks[PROVIDERS[pid][0]].last_request()


def setUpModule():
    global STACK
    STACK = RoutingStack()


def tearDownModule():
    problem = STACK.close()
    if problem:
        raise AssertionError(problem)


def gw():
    return STACK.gateway


def delta(before):
    now = STACK.counts()
    return {k: now[k] - before.get(k, 0) for k in now if now[k] != before.get(k, 0)}


def unique_key(prefix="k"):
    return "%s-%s" % (prefix, secrets.token_hex(6))


def http_chat(model, headers=None, mock=None, text="hello", timeout=None, **extra):
    body = user_chat(model, text, **extra)
    if mock is not None:
        body["mock"] = mock
    status, hdrs, js, raw = gw().post_json("/v1/chat/completions", body, headers=headers,
                                           timeout=timeout)
    return status, hdrs, js if js is not None else raw


def route_header(cfg):
    return {"x-across-config": cfg if isinstance(cfg, str) else json.dumps(cfg)}


def portkey_header(cfg):
    return {"x-portkey-config": json.dumps(cfg)}


def grpc_call(model, headers=None, mock=None, timeout=None, text="hello", **extra):
    """Runs a unary gRPC chat with `headers` as call metadata; returns (code,
    response or None, details, trailing metadata dict). `extra` are request
    fields (e.g. metadata={...}, temperature=...)."""
    req = grpc_chat(model, text, **extra)
    if mock is not None:
        req["extra_params"] = {"mock": mock}
    md = list(headers.items()) if isinstance(headers, dict) else headers
    try:
        resp, call = gw().grpc.chat(req, timeout=timeout, metadata=md)
        return call.code(), resp, call.details(), metadata_dict(call.trailing_metadata())
    except grpc.RpcError as e:
        return e.code(), None, e.details(), metadata_dict(e.trailing_metadata())


def grpc_stream(model, headers=None, timeout=None, **extra):
    """Runs a streaming gRPC chat; returns (code, chunks, details, trailers)."""
    md = list(headers.items()) if isinstance(headers, dict) else headers
    call = gw().grpc.chat_stream(grpc_chat(model, "hello", **extra), timeout=timeout, metadata=md)
    chunks = []
    try:
        for c in call:
            chunks.append(c)
    except grpc.RpcError:
        pass
    return call.code(), chunks, call.details(), metadata_dict(call.trailing_metadata())


def admin_targets():
    status, _, body = gw().get_json("/admin/targets")
    assert status == 200, (status, body)
    return body["targets"]


def admin_target(label):
    found = [x for x in admin_targets() if x["target"] == label]
    assert len(found) == 1, (label, admin_targets())
    return found[0]


def metrics():
    return gw().metrics()


# ---------------------------------------------------------------------------


class LoadBalance(unittest.TestCase):
    def test_weighted_distribution_http(self):
        n = 200
        before = STACK.counts()
        seen = {}
        for i in range(n):
            status, headers, body = http_chat("lb-model")
            self.assertEqual(status, 200, body)
            self.assertEqual(headers.get("x-across-attempts"), "1")
            seen[headers.get("x-across-target")] = seen.get(headers.get("x-across-target"), 0) + 1
        d = delta(before)
        # Counts seen by each mock agree with the x-across-target header.
        self.assertEqual(d.get("p_a", 0), seen.get("targets[0]", 0), (d, seen))
        self.assertEqual(d.get("p_b", 0), seen.get("targets[1]", 0), (d, seen))
        self.assertEqual(d.get("p_c", 0), 0, "weight 0 target was picked: %r" % (d,))
        self.assertNotIn("targets[2]", seen)
        self.assertEqual(sum(seen.values()), n)
        # weights 3:1 -> p_a ~ Binomial(200, 0.75): mean 150, sd 6.1; +-4 sd.
        self.assertGreaterEqual(seen.get("targets[0]", 0), 125, seen)
        self.assertLessEqual(seen.get("targets[0]", 0), 175, seen)

    def test_weighted_distribution_grpc(self):
        before = STACK.counts()
        seen = {}
        for i in range(60):
            code, resp, details, trailers = grpc_call("lb-model")
            self.assertEqual(code, grpc.StatusCode.OK, details)
            self.assertEqual(trailers.get("x-across-attempts"), "1")
            seen[trailers.get("x-across-target")] = seen.get(trailers.get("x-across-target"), 0) + 1
        d = delta(before)
        self.assertEqual(d.get("p_c", 0), 0)
        self.assertEqual(set(seen), {"targets[0]", "targets[1]"}, seen)  # P(miss) ~ 1e-8
        self.assertGreater(seen["targets[0]"], seen["targets[1]"], seen)

    def test_open_breaker_skipped(self):
        cfg = route_header({"strategy": "loadbalance", "breaker": {"consecutive_failures": 1, "cooldown_ms": 60000},
                            "targets": [{"provider": "p_503", "upstream_model": "lbskip-model"},
                                        {"provider": "p_a", "upstream_model": "lbskip-model"}]})
        before = STACK.counts()
        for i in range(40):  # until p_503 is picked once (P(never) = 2^-40)
            status, headers, body = http_chat("x", cfg)
            if status != 200:
                break
        self.assertEqual(status, 503, body)
        self.assertEqual(headers.get("x-across-target"), "targets[0]")
        for i in range(20):
            status, headers, body = http_chat("x", cfg)
            self.assertEqual(status, 200, body)
            self.assertEqual(headers.get("x-across-target"), "targets[1]")
        self.assertEqual(delta(before).get("p_503"), 1)

    def test_least_inflight(self):
        cfg = route_header({"strategy": "loadbalance", "loadbalance_mode": "least_inflight",
                            "targets": [{"provider": "p_limited", "upstream_model": "li-model"},
                                        {"provider": "p_a", "upstream_model": "li-model"}]})
        for i in range(30):  # until a (slow) request is in flight on p_limited
            before = STACK.counts()
            bg = Background(http_chat, "x", cfg)
            bg.start()
            harness.wait_until(lambda: not bg.is_alive() or delta(before).get("p_limited"), t(5),
                               what="a routed request")
            if delta(before).get("p_limited"):
                break
            bg.get(t(5))
        else:
            self.fail("least_inflight never picked p_limited in 30 tries")
        for i in range(8):
            status, headers, body = http_chat("x", cfg)
            self.assertEqual(status, 200, body)
            self.assertEqual(headers.get("x-across-target"), "targets[1]", "picked the busy target")
        status, headers, body = bg.get(t(10))
        self.assertEqual((status, headers.get("x-across-target")), (200, "targets[0]"))

    def test_latency_mode_prefers_fast_target(self):
        cfg = route_header({"strategy": "loadbalance", "loadbalance_mode": "latency",
                            "targets": [{"provider": "p_lat", "upstream_model": "lat-model"},
                                        {"provider": "p_a", "upstream_model": "lat-model"}]})
        # Warm both latency estimates up through one-target configs: live
        # state is shared by every config reaching the same target with the
        # same settings (docs/routing.md).
        for pid in ("p_lat", "p_a"):
            status, _, body = http_chat("x", route_header({"provider": pid, "upstream_model": "lat-model"}))
            self.assertEqual(status, 200, body)
        self.assertGreaterEqual(admin_target("p_lat/lat-model")["latency_ms"], 140)
        self.assertLess(admin_target("p_a/lat-model")["latency_ms"], 140)
        before = STACK.counts()
        for i in range(20):
            status, headers, body = http_chat("x", cfg)
            self.assertEqual(status, 200, body)
            self.assertEqual(headers.get("x-across-target"), "targets[1]")
        self.assertEqual(delta(before), {"p_a": 20})

    def test_route_listed_in_models(self):
        status, _, body = gw().get_json("/v1/models")
        self.assertEqual(status, 200)
        ids = {m["id"]: m.get("owned_by") for m in body["data"]}
        self.assertEqual(ids.get("lb"), "route:lb")
        self.assertEqual(ids.get("lb-model"), "route:lb")


class Fallback(unittest.TestCase):
    def fallback_cfg(self, first, **extra):
        cfg = {"strategy": "fallback",
               "targets": [dict({"provider": first}, **extra), {"provider": "p_a"}]}
        return cfg

    def check_fallback_http(self, first, **extra):
        before = STACK.counts()
        start = time.monotonic()
        status, headers, body = http_chat("gpt-4o-mini", route_header(self.fallback_cfg(first, **extra)))
        elapsed = time.monotonic() - start
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), "targets[1]")
        self.assertEqual(headers.get("x-across-attempts"), "2")
        self.assertEqual(headers.get("x-across-provider"), "p_a")
        self.assertEqual(body["choices"][0]["message"]["content"], "mock: hello")
        d = delta(before)
        self.assertEqual(d.get("p_a"), 1, d)
        if first == "p_reset":
            # The upstream client itself retries a reset on a reused pooled
            # connection once (a stale keep-alive connection), on a fresh one.
            self.assertIn(d.get(first), (1, 2), d)
        elif first in PROVIDERS:
            self.assertEqual(d.get(first), 1, d)
        return elapsed

    def check_fallback_grpc(self, first, **extra):
        before = STACK.counts()
        code, resp, details, trailers = grpc_call(
            "gpt-4o-mini", route_header(self.fallback_cfg(first, **extra)))
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-target"), "targets[1]", trailers)
        self.assertEqual(trailers.get("x-across-attempts"), "2", trailers)
        self.assertEqual(resp.choices[0].message.content, "mock: hello")
        d = delta(before)
        self.assertEqual(d.get("p_a"), 1, d)

    def test_on_503(self):
        self.check_fallback_http("p_503")
        self.check_fallback_grpc("p_503")

    def test_on_429(self):
        self.check_fallback_http("p_429")
        self.check_fallback_grpc("p_429")

    def test_on_timeout(self):
        elapsed = self.check_fallback_http("p_slow", request_timeout_ms=300)
        self.assertGreaterEqual(elapsed, 0.29)
        self.assertLess(elapsed, 0.3 + t(1.5))
        self.check_fallback_grpc("p_slow", request_timeout_ms=300)

    def test_on_connection_refused(self):
        self.check_fallback_http("p_down")
        self.check_fallback_grpc("p_down")

    def test_on_connection_reset(self):
        self.check_fallback_http("p_reset")
        self.check_fallback_grpc("p_reset")

    def test_not_on_400(self):
        for name, headers in (("named", route_header("fb-400")),
                              ("per-request", route_header(self.fallback_cfg("p_400")))):
            with self.subTest(config=name):
                before = STACK.counts()
                status, hdrs, body = http_chat("gpt-4o-mini", headers)
                self.assertEqual(status, 400, body)
                self.assertEqual(body["error"]["type"], "invalid_request_error")
                self.assertEqual(hdrs.get("x-across-target"), "targets[0]")
                self.assertEqual(hdrs.get("x-across-attempts"), "1")
                self.assertEqual(delta(before), {"p_400": 1})
                code, _, details, trailers = grpc_call("gpt-4o-mini", headers)
                self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT, details)
                self.assertEqual(trailers.get("x-across-target"), "targets[0]")
                self.assertEqual(delta(before), {"p_400": 2})

    def test_on_status_codes_override(self):
        # Only 503 moves on: a 429 is returned as is ...
        before = STACK.counts()
        cfg = dict(self.fallback_cfg("p_429"), on_status_codes=[503])
        status, headers, body = http_chat("gpt-4o-mini", route_header(cfg))
        self.assertEqual(status, 429, body)
        self.assertEqual(delta(before), {"p_429": 1})
        # ... and listing 400 makes a 400 move on.
        cfg = dict(self.fallback_cfg("p_400"), on_status_codes=[400])
        status, headers, body = http_chat("gpt-4o-mini", route_header(cfg))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), "targets[1]")

    def test_all_fail_returns_last_error(self):
        cfg = {"strategy": "fallback", "targets": [{"provider": "p_503"}, {"provider": "p_429"}]}
        status, headers, body = http_chat("gpt-4o-mini", route_header(cfg))
        self.assertEqual(status, 429, body)
        self.assertEqual(headers.get("x-across-target"), "targets[1]")
        self.assertEqual(headers.get("x-across-attempts"), "2")

    def test_named_route_by_alias_and_name_and_metrics(self):
        before = STACK.counts()
        for headers, model in (({}, "fb-alias"), ({}, "fb-alias2"), ({}, "fb"),
                               (route_header("fb"), "whatever")):
            status, hdrs, body = http_chat(model, headers)
            self.assertEqual(status, 200, body)
            self.assertEqual(hdrs.get("x-across-target"), "targets[1]")
            self.assertEqual(hdrs.get("x-across-model"), "fb-model")
        self.assertEqual(delta(before), {"p_503": 4, "p_a": 4})
        self.assertEqual(json.loads(STACK.last_request("p_a")["body"])["model"], "fb-model")
        m = metrics()
        self.assertGreaterEqual(metric_sum(m, "across_route_fallbacks_total", route="fb", **{"from": "targets[0]"}), 4)
        self.assertGreaterEqual(metric_sum(m, "across_route_attempt_errors_total", route="fb",
                                           target="targets[0]", provider="p_503", status="503"), 4)
        self.assertGreaterEqual(metric_sum(m, "across_route_attempts_total", route="fb",
                                           target="targets[1]", provider="p_a"), 4)
        self.assertGreaterEqual(metric_sum(m, "across_route_attempt_duration_seconds_count", route="fb",
                                           target="targets[1]", provider="p_a"), 4)

    def test_nested_paths_and_inheritance(self):
        # Root retry (attempts 2) is inherited by the nested loadbalance leaf;
        # the first leaf overrides it with attempts 0.
        cfg = {"strategy": "fallback",
               "retry": {"attempts": 2, "backoff_base_ms": 1, "backoff_cap_ms": 1, "budget_min_retries": 100},
               "targets": [{"provider": "p_503", "upstream_model": "inh-model", "retry": {"attempts": 0}},
                           {"strategy": "loadbalance",
                            "targets": [{"provider": "p_429", "upstream_model": "inh-model"},
                                        {"provider": "p_a", "weight": 0}]}]}
        before = STACK.counts()
        status, headers, body = http_chat("gpt-4o-mini", route_header(cfg))
        self.assertEqual(status, 429, body)
        self.assertEqual(headers.get("x-across-target"), "targets[1].targets[0]")
        self.assertEqual(headers.get("x-across-attempts"), "4")
        self.assertEqual(delta(before), {"p_503": 1, "p_429": 3})
        cfg = {"strategy": "fallback",
               "targets": [{"provider": "p_503"},
                           {"strategy": "loadbalance",
                            "targets": [{"provider": "p_b", "weight": 0}, {"provider": "p_a"}]}]}
        code, _, details, trailers = grpc_call("gpt-4o-mini", route_header(cfg))
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-target"), "targets[1].targets[1]")

    def test_override_params_merge(self):
        cfg = {"strategy": "fallback", "override_params": {"max_tokens": 5, "top_p": 0.5},
               "targets": [{"provider": "p_a", "override_params": {"max_tokens": 7, "temperature": 0.25}}]}
        status, headers, body = http_chat("gpt-4o-mini", route_header(cfg), max_tokens=100, temperature=1.5)
        self.assertEqual(status, 200, body)
        sent = json.loads(STACK.last_request("p_a")["body"])
        self.assertEqual(sent.get("max_tokens", sent.get("max_completion_tokens")), 7, sent)
        self.assertEqual(sent.get("temperature"), 0.25, sent)
        self.assertEqual(sent.get("top_p"), 0.5, sent)

    def test_embeddings_fallback(self):
        cfg = {"strategy": "fallback", "targets": [{"provider": "p_503"}, {"provider": "p_a"}]}
        paths = lambda: STACK.mocks["a"].stats()["by_path"]  # noqa: E731
        before = paths()
        status, headers, body, raw = gw().post_json(
            "/v1/embeddings", {"model": "text-embedding-3-small", "input": "x"}, headers=route_header(cfg))
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers.get("x-across-target"), "targets[1]")
        self.assertEqual(headers.get("x-across-attempts"), "2")
        after = paths()
        for path in ("/e503/v1/embeddings", "/a/v1/embeddings"):
            self.assertEqual(after.get(path, 0) - before.get(path, 0), 1, (path, after))

    def test_unknown_route_name(self):
        status, _, body = http_chat("gpt-4o-mini", route_header("no-such-route"))
        self.assertEqual(status, 400, body)
        self.assertIn('unknown route "no-such-route" in x-across-config', body["error"]["message"])


class Retries(unittest.TestCase):
    def test_retry_count_http(self):
        key = unique_key()
        before = STACK.counts()
        status, headers, body = http_chat("retry", mock={"fail_first": 2, "key": key})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-attempts"), "3")
        # One target below the root node: its path is targets[0].
        self.assertEqual(headers.get("x-across-target"), "targets[0]")
        self.assertEqual(delta(before), {"p_a": 3})

    def test_retry_count_grpc(self):
        key = unique_key()
        before = STACK.counts()
        code, resp, details, trailers = grpc_call("retry", mock={"fail_first": 3, "key": key})
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-attempts"), "4")
        self.assertEqual(delta(before), {"p_a": 4})

    def test_retries_exhausted(self):
        key = unique_key()
        before = STACK.counts()
        status, headers, body = http_chat("retry", mock={"fail_first": 10, "key": key})
        self.assertEqual(status, 503, body)
        self.assertEqual(headers.get("x-across-attempts"), "4")  # 1 + attempts(3)
        self.assertEqual(delta(before), {"p_a": 4})
        self.assertGreaterEqual(metric_sum(metrics(), "across_route_retries_total", route="retry"), 3)

    def test_no_retry_on_400(self):
        before = STACK.counts()
        status, headers, body = http_chat("retry-400")
        self.assertEqual(status, 400, body)
        self.assertEqual(headers.get("x-across-attempts"), "1")
        self.assertEqual(delta(before), {"p_400": 1})

    def test_backoff_timing_bounds(self):
        # base 100, cap 200: the waits of retries 1..3 are uniform in
        # [0,100], [0,200], [0,200] ms: at most 0.5 s per request, and over
        # four requests (12 waits, expected 1 s in total) surely above 0.15 s.
        total = 0.0
        for i in range(4):
            key = unique_key()
            start = time.monotonic()
            status, headers, body = http_chat("retry-timing", mock={"fail_first": 3, "key": key})
            elapsed = time.monotonic() - start
            self.assertEqual(status, 200, body)
            self.assertEqual(headers.get("x-across-attempts"), "4")
            self.assertLess(elapsed, 0.5 + t(0.4), "backoff longer than the cap allows")
            total += elapsed
        self.assertGreater(total, 0.15, "no backoff between retries")

    def test_retry_after_honoured(self):
        for field, value, at_least in (("retry_after", "1", 0.95), ("retry_after_ms", "700", 0.65)):
            with self.subTest(field=field):
                key = unique_key()
                before = STACK.counts()
                start = time.monotonic()
                status, headers, body = http_chat(
                    "retry-after", mock={"fail_first": 1, "key": key, "status": 429, field: value})
                elapsed = time.monotonic() - start
                self.assertEqual(status, 200, body)
                self.assertEqual(headers.get("x-across-attempts"), "2")
                self.assertEqual(delta(before), {"p_a": 2})
                self.assertGreaterEqual(elapsed, at_least)
                self.assertLess(elapsed, at_least + t(1.0))

    def test_retry_after_honoured_grpc(self):
        key = unique_key()
        start = time.monotonic()
        code, resp, details, trailers = grpc_call(
            "retry-after", mock={"fail_first": 1, "key": key, "status": 503, "retry_after": "1"},
            timeout=t(10))
        elapsed = time.monotonic() - start
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-attempts"), "2")
        self.assertGreaterEqual(elapsed, 0.95)

    def test_retry_after_bounded_by_deadline(self):
        # gRPC deadline 1.5 s, Retry-After 2 s: the gateway does not wait
        # (the error comes back at once) rather than running into the deadline.
        key = unique_key()
        before = STACK.counts()
        start = time.monotonic()
        code, _, details, trailers = grpc_call(
            "retry-after", mock={"fail_first": 1, "key": key, "status": 429, "retry_after": "2"},
            timeout=1.5)
        elapsed = time.monotonic() - start
        self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED, details)
        self.assertLess(elapsed, 1.0, "waited for a Retry-After past the deadline")
        self.assertEqual(trailers.get("x-across-attempts"), "1")
        self.assertEqual(delta(before), {"p_a": 1})

    def test_retry_after_above_max_not_waited(self):
        key = unique_key()
        start = time.monotonic()
        status, headers, body = http_chat(
            "retry-after-capped", mock={"fail_first": 1, "key": key, "status": 429, "retry_after": "1"})
        elapsed = time.monotonic() - start
        self.assertEqual(status, 429, body)
        self.assertEqual(headers.get("x-across-attempts"), "1")
        self.assertLess(elapsed, 0.9)

    def test_retry_budget(self):
        before = STACK.counts()
        # budget: ratio 0, min 1 retry per minute for this target.
        status, headers, body = http_chat("retry-budget")
        self.assertEqual(status, 503, body)
        self.assertEqual(headers.get("x-across-attempts"), "2")
        status, headers, body = http_chat("retry-budget")
        self.assertEqual(status, 503, body)
        self.assertEqual(headers.get("x-across-attempts"), "1")
        self.assertEqual(delta(before), {"p_503": 3})
        self.assertGreaterEqual(metric_sum(metrics(), "across_route_rejections_total", route="retry-budget",
                                           reason="retry_budget"), 2)


class Deadlines(unittest.TestCase):
    def test_http_retries_timeouts(self):
        # No deadline: 1 + 3 attempts of 300 ms each, retried on 408.
        before = STACK.counts()
        start = time.monotonic()
        status, headers, body = http_chat("deadline")
        elapsed = time.monotonic() - start
        self.assertEqual(status, 408, body)
        self.assertEqual(body["error"].get("code"), "request_timeout", body)
        self.assertEqual(headers.get("x-across-attempts"), "4")
        self.assertGreaterEqual(elapsed, 1.19)
        self.assertLess(elapsed, 1.2 + t(1.5))
        wait_counts(before, {"p_slow": 4})

    def test_grpc_deadline_across_retries(self):
        before = STACK.counts()
        start = time.monotonic()
        code, _, details, trailers = grpc_call("deadline", timeout=0.8)
        elapsed = time.monotonic() - start
        self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED, details)
        self.assertLess(elapsed, 0.8 + t(0.3))
        # attempts at ~0, ~0.3, ~0.6 s; none after the deadline.
        got = wait_counts(before, None)
        self.assertIn(got.get("p_slow"), (2, 3), got)

    def test_grpc_deadline_stops_fallback(self):
        before = STACK.counts()
        start = time.monotonic()
        code, _, details, trailers = grpc_call("deadline-fb", timeout=0.7)
        elapsed = time.monotonic() - start
        self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED, details)
        self.assertLess(elapsed, 0.7 + t(0.3))
        time.sleep(0.2)
        self.assertEqual(delta(before), {"p_slow": 1}, "fallback tried after the deadline")

    def test_grpc_cancel_stops_retrying(self):
        # The upstream asks for Retry-After 1 s; the client cancels while the
        # gateway waits: no retry may follow.
        key = unique_key()
        req = harness.make("ChatRequest", grpc_chat("retry-after", "x", extra_params={
            "mock": {"fail_first": 5, "key": key, "status": 503, "retry_after": "1"}}))
        before = STACK.counts()
        future = gw().grpc._unary("Chat", "ChatRequest", "ChatResponse").future(req, timeout=t(10))
        wait_counts(before, {"p_a": 1})
        time.sleep(0.2)
        future.cancel()
        self.assertEqual(future.code(), grpc.StatusCode.CANCELLED)
        time.sleep(1.3)
        self.assertEqual(delta(before), {"p_a": 1}, "retried after the client cancelled")


def wait_counts(before, want, timeout=None):
    """Mock counters are bumped when a request arrives: give stragglers a moment."""
    deadline = time.monotonic() + (timeout or t(1))
    while True:
        d = delta(before)
        if want is not None and d == want:
            return d
        if time.monotonic() > deadline:
            if want is not None:
                raise AssertionError("mock counts %r, want %r" % (d, want))
            return d
        time.sleep(0.05)


class Breaker(unittest.TestCase):
    LABEL = "p_flaky/flaky-model"

    def call(self, want_target, want_attempts):
        status, headers, body = http_chat("breaker")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), want_target)
        self.assertEqual(headers.get("x-across-attempts"), str(want_attempts))

    def breaker_metric(self):
        return metric_sum(metrics(), "across_route_breaker_state", target=self.LABEL)

    def transitions(self, to):
        return metric_sum(metrics(), "across_route_breaker_transitions_total", target=self.LABEL, to=to)

    def test_open_skip_half_open_close(self):
        # p_flaky fails its first 4 requests (x-mock-fail-first in its
        # provider headers), then succeeds. Breaker: 3 failures, cooldown C.
        before = STACK.counts()
        self.assertEqual(admin_target(self.LABEL)["breaker"], "closed")
        for i in range(3):
            self.call("targets[1]", 2)
        self.assertEqual(delta(before), {"p_flaky": 3, "p_a": 3})
        opened_at = time.monotonic()
        state = admin_target(self.LABEL)
        self.assertEqual(state["breaker"], "open", state)
        self.assertEqual(state["consecutive_failures"], 3, state)
        self.assertEqual(self.breaker_metric(), 1)
        self.assertEqual(self.transitions("open"), 1)

        # Open: skipped without an upstream call, on both front ends.
        self.call("targets[1]", 1)
        code, _, details, trailers = grpc_call("breaker")
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-target"), "targets[1]")
        self.assertEqual(trailers.get("x-across-attempts"), "1")
        self.assertLess(time.monotonic() - opened_at, COOLDOWN_MS / 1000.0, "test too slow for the cooldown")
        self.assertEqual(delta(before), {"p_flaky": 3, "p_a": 5})
        self.assertGreaterEqual(metric_sum(metrics(), "across_route_rejections_total", route="breaker",
                                           target="targets[0]", reason="circuit_open"), 2)

        # After the cooldown: one probe, which fails (4th request) -> open again.
        time.sleep(COOLDOWN_MS / 1000.0 + 0.1)
        self.call("targets[1]", 2)
        self.assertEqual(delta(before), {"p_flaky": 4, "p_a": 6})
        self.assertEqual(admin_target(self.LABEL)["breaker"], "open")
        self.assertEqual(self.transitions("half_open"), 1)
        self.assertEqual(self.transitions("open"), 2)
        self.call("targets[1]", 1)
        self.assertEqual(delta(before), {"p_flaky": 4, "p_a": 7})

        # Next probe succeeds -> closed, and the target serves again.
        time.sleep(COOLDOWN_MS / 1000.0 + 0.1)
        self.call("targets[0]", 1)
        state = admin_target(self.LABEL)
        self.assertEqual(state["breaker"], "closed", state)
        self.assertEqual(state["consecutive_failures"], 0, state)
        self.assertEqual(self.breaker_metric(), 0)
        self.assertEqual(self.transitions("half_open"), 2)
        self.assertEqual(self.transitions("closed"), 1)
        self.call("targets[0]", 1)
        self.assertEqual(delta(before), {"p_flaky": 6, "p_a": 7})

    def test_lone_target_fails_fast_when_open(self):
        # A per-request config with a breaker on an always-failing target.
        cfg = {"breaker": {"consecutive_failures": 2, "cooldown_ms": 60000},
               "provider": "p_503", "upstream_model": "lone-breaker-model"}
        before = STACK.counts()
        for i in range(2):
            status, _, body = http_chat("x", route_header(cfg))
            self.assertEqual(status, 503, body)
            self.assertTrue(body["error"]["message"].startswith("p_503: "), body)
            self.assertNotEqual(body["error"].get("code"), "circuit_open", body)
        status, headers, body = http_chat("x", route_header(cfg))
        self.assertEqual(status, 503, body)
        self.assertEqual(body["error"].get("code"), "circuit_open", body)
        self.assertIn("circuit breaker open", body["error"]["message"])
        self.assertIsNotNone(headers.get("retry-after"), headers)
        code, _, details, trailers = grpc_call("x", route_header(cfg))
        self.assertEqual(code, grpc.StatusCode.UNAVAILABLE, details)
        self.assertIn("circuit breaker open", details)
        self.assertEqual(delta(before), {"p_503": 2})
        self.assertEqual(admin_target("p_503/lone-breaker-model")["breaker"], "open")
        self.assertEqual(headers.get("x-across-attempts"), None)  # no upstream call
        # A one-leaf config: the leaf is the root.
        status, headers, body = http_chat("x", route_header({"provider": "p_a"}))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), "root")


class BreakerModes(unittest.TestCase):
    def test_half_open_allows_one_probe(self):
        # p_slowflaky: its first 2 requests take PROBE_MS and fail, then fine.
        label = "p_slowflaky/probe-model"
        before = STACK.counts()
        status, headers, body = http_chat("probe")
        self.assertEqual((status, headers.get("x-across-target")), (200, "targets[1]"), body)
        self.assertEqual(admin_target(label)["breaker"], "open")
        time.sleep(COOLDOWN_MS / 1000.0 + 0.1)
        probe = Background(http_chat, "probe")
        probe.start()
        harness.wait_until(lambda: delta(before).get("p_slowflaky") == 2, t(5), what="the probe")
        self.assertEqual(admin_target(label)["breaker"], "half_open")
        # While the probe runs, other requests skip the target.
        status, headers, body = http_chat("probe")
        self.assertEqual((status, headers.get("x-across-target"), headers.get("x-across-attempts")),
                         (200, "targets[1]", "1"), body)
        self.assertTrue(probe.is_alive(), "probe finished too early for this check")
        status, headers, body = probe.get(t(10))
        self.assertEqual((status, headers.get("x-across-target"), headers.get("x-across-attempts")),
                         (200, "targets[1]", "2"), body)
        self.assertEqual(admin_target(label)["breaker"], "open")  # failed probe re-opens
        time.sleep(COOLDOWN_MS / 1000.0 + 0.1)
        status, headers, body = http_chat("probe")
        self.assertEqual((status, headers.get("x-across-target")), (200, "targets[0]"), body)
        self.assertEqual(admin_target(label)["breaker"], "closed")
        self.assertEqual(delta(before), {"p_slowflaky": 3, "p_a": 3})

    def test_429_is_neutral(self):
        cfg = route_header({"breaker": {"consecutive_failures": 2, "cooldown_ms": 60000},
                            "provider": "p_429", "upstream_model": "neutral-model"})
        before = STACK.counts()
        for i in range(4):
            status, headers, body = http_chat("x", cfg)
            self.assertEqual(status, 429, body)
            self.assertNotEqual(body["error"].get("code"), "circuit_open")
        self.assertEqual(delta(before), {"p_429": 4})
        self.assertEqual(admin_target("p_429/neutral-model")["breaker"], "closed")

    def test_error_rate(self):
        cfg = route_header({"breaker": {"error_rate": 0.5, "min_requests": 4, "window_ms": 60000,
                                        "cooldown_ms": 60000},
                            "provider": "p_503", "upstream_model": "erate-model"})
        before = STACK.counts()
        for i in range(3):
            self.assertEqual(http_chat("x", cfg)[0], 503)
        self.assertEqual(admin_target("p_503/erate-model")["breaker"], "closed")
        self.assertEqual(http_chat("x", cfg)[0], 503)
        self.assertEqual(admin_target("p_503/erate-model")["breaker"], "open")
        status, headers, body = http_chat("x", cfg)
        self.assertEqual((status, body["error"].get("code")), (503, "circuit_open"), body)
        self.assertEqual(delta(before), {"p_503": 4})


class ConcurrencyLimit(unittest.TestCase):
    def wait_inflight(self, before, pid, n):
        wait_until_counts = time.monotonic() + t(5)
        while delta(before).get(pid, 0) < n:
            if time.monotonic() > wait_until_counts:
                raise AssertionError("slow requests never reached the mock: %r" % delta(before))
            time.sleep(0.01)

    def test_overflow_rejected(self):
        before = STACK.counts()
        slow = [Background(http_chat, "limited") for _ in range(2)]
        for b in slow:
            b.start()
        self.wait_inflight(before, "p_limited", 2)
        start = time.monotonic()
        status, headers, body = http_chat("limited")
        self.assertEqual(status, 429, body)
        self.assertEqual(body["error"].get("code"), "concurrency_limit", body)
        self.assertIn("max_inflight 2", body["error"]["message"])
        code, _, details, trailers = grpc_call("limited")
        self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED, details)
        self.assertIn("concurrency limit", details)
        code, chunks, details, trailers = grpc_stream("limited")
        self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED, details)
        self.assertEqual(chunks, [])
        r = gw().stream(dict(user_chat("limited", "x"), stream=True))
        self.assertEqual(r.status, 429, r.raw)
        self.assertLess(time.monotonic() - start, 0.75 * LIMITED_MS / 1000.0, "overflow was queued, not rejected")
        for b in slow:
            status, headers, body = b.get(t(10))
            self.assertEqual(status, 200, body)
        self.assertEqual(delta(before), {"p_limited": 2})
        self.assertGreaterEqual(metric_sum(metrics(), "across_route_rejections_total", route="limited",
                                           reason="concurrency_limit"), 4)
        # Slots are released: a new request goes through.
        self.assertEqual(http_chat("limited")[0], 200)

    def test_bounded_queue(self):
        before = STACK.counts()
        first = Background(http_chat, "queued")
        first.start()
        self.wait_inflight(before, "p_limited", 1)
        second = Background(http_chat, "queued")
        second.start()
        label = "p_limited/queued-model"
        harness.wait_until(lambda: admin_target(label)["queued"] == 1, t(5), what="a queued request")
        self.assertEqual(admin_target(label)["inflight"], 1)
        status, headers, body = http_chat("queued")
        self.assertEqual(status, 429, body)
        self.assertIn("wait queue full", body["error"]["message"])
        self.assertEqual(first.get(t(10))[0], 200)
        self.assertEqual(second.get(t(10))[0], 200)
        self.assertEqual(delta(before), {"p_limited": 2})
        self.assertGreater(metric_sum(metrics(), "across_route_queue_wait_seconds_count", route="queued"), 0)

    def test_queue_timeout(self):
        before = STACK.counts()
        first = Background(http_chat, "queue-timeout")
        first.start()
        self.wait_inflight(before, "p_limited", 1)
        start = time.monotonic()
        status, headers, body = http_chat("queue-timeout")
        elapsed = time.monotonic() - start
        self.assertEqual(status, 429, body)
        self.assertIn("timed out in the wait queue", body["error"]["message"])
        self.assertGreaterEqual(elapsed, 0.19)
        self.assertLess(elapsed, 0.2 + t(0.5))
        self.assertEqual(first.get(t(10))[0], 200)
        self.assertEqual(delta(before), {"p_limited": 1})

    def test_fallback_on_limit(self):
        before = STACK.counts()
        slow = Background(http_chat, "limited-fb")
        slow.start()
        self.wait_inflight(before, "p_limited", 1)
        status, headers, body = http_chat("limited-fb")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), "targets[1]")
        self.assertEqual(headers.get("x-across-attempts"), "1")
        status, headers, body = slow.get(t(10))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), "targets[0]")


class Streaming(unittest.TestCase):
    def test_http_fallback_before_first_byte(self):
        before = STACK.counts()
        r = gw().stream(dict(user_chat("stream-fb", "one two three"), stream=True))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done(), r.raw[-300:])
        self.assertEqual(r.text(), "mock: one two three")
        self.assertEqual(delta(before), {"p_503": 1, "p_a": 1})
        self.assertEqual(r.headers.get("x-across-provider"), "p_a")
        self.assertEqual(r.headers.get("x-across-target"), "targets[1]",
                         "SSE response lacks x-across-target: %r" % (r.headers,))
        self.assertEqual(r.headers.get("x-across-attempts"), "2",
                         "SSE response lacks x-across-attempts: %r" % (r.headers,))

    def test_http_retry_before_first_byte(self):
        key = unique_key()
        body = dict(user_chat("retry", "a b"), stream=True, mock={"fail_first": 2, "key": key})
        before = STACK.counts()
        r = gw().stream(body)
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done())
        self.assertEqual(r.text(), "mock: a b")
        self.assertEqual(delta(before), {"p_a": 3})

    def test_grpc_fallback_before_first_byte(self):
        before = STACK.counts()
        code, chunks, details, trailers = grpc_stream("stream-fb")
        self.assertEqual(code, grpc.StatusCode.OK, details)
        text = "".join(c.choices[0].delta.content for c in chunks if c.choices)
        self.assertEqual(text, "mock: hello")
        self.assertEqual(trailers.get("x-across-target"), "targets[1]")
        self.assertEqual(trailers.get("x-across-attempts"), "2")
        self.assertEqual(delta(before), {"p_503": 1, "p_a": 1})

    def test_first_token_timeout_falls_back(self):
        before = STACK.counts()
        start = time.monotonic()
        r = gw().stream(dict(user_chat("first-token", "x"), stream=True))
        elapsed = time.monotonic() - start
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual(r.text(), "mock: x")
        self.assertLess(elapsed, 0.3 + t(1.5))
        self.assertEqual(wait_counts(before, {"p_slow": 1, "p_a": 1}), {"p_slow": 1, "p_a": 1})

    def test_grpc_retry_before_first_byte(self):
        key = unique_key()
        before = STACK.counts()
        code, chunks, details, trailers = grpc_stream("retry", extra_params={"mock": {"fail_first": 2, "key": key}})
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-attempts"), "3")
        self.assertEqual(delta(before), {"p_a": 3})

    def test_grpc_first_token_timeout_falls_back(self):
        before = STACK.counts()
        code, chunks, details, trailers = grpc_stream("first-token")
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-target"), "targets[1]")
        self.assertEqual(wait_counts(before, {"p_slow": 1, "p_a": 1}), {"p_slow": 1, "p_a": 1})

    def test_stream_idle_timeout_after_first_byte(self):
        before = STACK.counts()
        start = time.monotonic()
        r = gw().stream(dict(user_chat("idle", "x"), stream=True))
        elapsed = time.monotonic() - start
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.chunks(), r.raw)
        errors = [e for e in r.events if e["event"] == "error"]
        self.assertEqual(len(errors), 1, r.raw[-500:])
        self.assertIs(r.events[-1], errors[0])
        err = json.loads(errors[0]["data"])["error"]
        self.assertIn("stream_idle_timeout of 300ms exceeded", err["message"])
        self.assertLess(elapsed, 0.3 + t(0.6))
        time.sleep(0.1)
        self.assertEqual(delta(before), {"p_drip": 1}, "fell back after the first byte")
        code, chunks, details, trailers = grpc_stream("idle")
        self.assertTrue(chunks)
        self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED, details)
        self.assertIn("stream_idle_timeout", details)

    def test_http_error_event_after_first_byte(self):
        before = STACK.counts()
        r = gw().stream(dict(user_chat("midstream", "x"), stream=True))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.chunks(), "expected chunks before the reset")
        self.assertFalse(r.done())
        self.assertNotIn("[DONE]", r.raw)
        errors = [e for e in r.events if e["event"] == "error"]
        self.assertEqual(len(errors), 1, r.raw[-500:])
        self.assertIs(r.events[-1], errors[0])
        err = json.loads(errors[0]["data"])["error"]
        self.assertTrue(err["message"].startswith("p_midreset: "), err)
        time.sleep(0.1)
        self.assertEqual(delta(before), {"p_midreset": 1}, "fell back after the first byte")

    def test_grpc_error_after_first_byte(self):
        before = STACK.counts()
        code, chunks, details, trailers = grpc_stream("midstream")
        self.assertTrue(chunks)
        self.assertEqual(code, grpc.StatusCode.UNAVAILABLE, details)
        self.assertTrue(details.startswith("p_midreset: "), details)
        self.assertEqual(trailers.get("x-across-target"), "targets[0]")
        self.assertEqual(trailers.get("x-across-attempts"), "1")
        time.sleep(0.1)
        self.assertEqual(delta(before), {"p_midreset": 1})


class Conditional(unittest.TestCase):
    def route(self, model, headers=None, **extra):
        status, hdrs, body = http_chat(model, dict(route_header("tiered"), **(headers or {})), **extra)
        return status, hdrs.get("x-across-target"), body

    def test_metadata_header(self):
        before = STACK.counts()
        status, target, body = self.route("m", {"x-across-metadata": json.dumps({"tier": "enterprise"})})
        self.assertEqual((status, target), (200, "targets[0]"), body)
        self.assertEqual(json.loads(STACK.last_request("p_a")["body"])["model"], "premium-model")
        status, target, body = self.route("m", {"x-portkey-metadata": json.dumps({"tier": "enterprise"})})
        self.assertEqual((status, target), (200, "targets[0]"), body)
        # Metadata values are strings; $gt compares numerically.
        status, target, body = self.route("m", {"x-across-metadata": json.dumps({"level": "12"})})
        self.assertEqual((status, target), (200, "targets[2]"), body)
        self.assertEqual(delta(before), {"p_a": 2, "p_c": 1})

    def test_metadata_body_and_header_wins(self):
        status, target, body = self.route("m", metadata={"tier": "enterprise"})
        self.assertEqual((status, target), (200, "targets[0]"), body)
        status, target, body = self.route("m", {"x-across-metadata": json.dumps({"tier": "free"})},
                                          metadata={"tier": "enterprise"})
        self.assertEqual(status, 400, body)

    def test_params(self):
        status, target, body = self.route("creative-1", temperature=1.2)
        self.assertEqual((status, target), (200, "targets[1]"), body)
        status, target, body = self.route("creative-1", max_tokens=8)
        self.assertEqual((status, target), (200, "targets[2]"), body)

    def test_no_match_no_default(self):
        for label, model, extra in (("temperature too low", "creative-1", {"temperature": 0.5}),
                                    ("model mismatch", "boring", {"temperature": 1.5}),
                                    ("nothing", "m", {})):
            with self.subTest(label):
                before = STACK.counts()
                status, target, body = self.route(model, **extra)
                self.assertEqual(status, 400, body)
                self.assertEqual(body["error"]["message"],
                                 'route "tiered": no condition matched at the root and no default target is set')
                self.assertEqual(body["error"].get("code"), "no_route_match")
                self.assertEqual(delta(before), {})
        code, _, details, _ = grpc_call("m", route_header("tiered"))
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn('route "tiered": no condition matched', details)

    def test_grpc_metadata_and_params(self):
        code, _, details, trailers = grpc_call("m", {"x-across-config": "tiered",
                                                     "x-across-metadata": json.dumps({"tier": "enterprise"})})
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-target"), "targets[0]")
        code, _, details, trailers = grpc_call("creative-x", {"x-across-config": "tiered"}, temperature=1.0)
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-target"), "targets[1]")
        code, _, details, trailers = grpc_call("m", {"x-across-config": "tiered"}, metadata={"tier": "enterprise"})
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-target"), "targets[0]")

    def test_default_and_in_nin(self):
        for meta, want in (({"region": "uk"}, "targets[0]"), ({"region": "us"}, "targets[1]"),
                           ({}, "targets[1]")):
            with self.subTest(meta=meta):
                h = {"x-across-metadata": json.dumps(meta)} if meta else {}
                status, headers, body = http_chat("regional-model", h)
                self.assertEqual(status, 200, body)
                self.assertEqual(headers.get("x-across-target"), want)
        # $nin with the second clause: model differs from the alias (route by name).
        status, headers, body = http_chat("other", dict(route_header("regional"),
                                                        **{"x-across-metadata": json.dumps({"region": "jp"})}))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), "targets[0]")

    def test_invalid_metadata_header(self):
        status, _, body = http_chat("m", dict(route_header("tiered"), **{"x-across-metadata": "{not json"}))
        self.assertEqual(status, 400, body)


class RequestConfigErrors(unittest.TestCase):
    CASES = [
        ("x-across-config", {"strategy": "fallback",
                             "targets": [{"provider": "p_a"}, {"provider": "p_a", "retry": {"attempts": 9}}]},
         "x-across-config: targets[1].retry.attempts: must be between 0 and 5 (got 9)"),
        ("x-across-config", {"strategy": "fallback", "targets": [{"provider": "p_a", "weigth": 2}]},
         "weigth"),
        ("x-across-config", {"provider": "p_a", "api_key_env": "MOCK_KEY"},
         "x-across-config: api_key_env: is not allowed in a per-request config"),
        ("x-across-config", {"strategy": "fallback", "targets": [{"provider": "gorq"}, {"provider": "p_a"}]},
         'x-across-config: targets[0].provider: unknown provider "gorq"'),
        ("x-across-config", {"strategy": "conditional", "conditions": [{"query": {"metadata.t": {"$eqq": 1}},
                                                                         "then": 0}],
                             "targets": [{"provider": "p_a"}]},
         'unknown operator "$eqq"'),
        ("x-portkey-config", {"strategy": {"mode": "roundrobin"}, "targets": [{"provider": "p_a"}]},
         'x-portkey-config: strategy.mode: unknown mode "roundrobin" '
         '(expected single, fallback, loadbalance, conditional)'),
        ("x-portkey-config", {"strategy": {"mode": "fallback"}, "targets": [{"provider": "p_a", "custom_host": "http://x"}]},
         "x-portkey-config: targets[0]."),
        ("x-portkey-config", {"strategy": {"mode": "fallback"}, "targets": [{"provider": "p_a", "wieght": 1}]},
         "wieght"),
        ("x-portkey-config", {"retry": {"attempts": "many"}, "provider": "p_a"},
         "x-portkey-config: retry.attempts: must be a number"),
    ]

    def test_portkey_custom_host_named(self):
        # Portkey's custom_host is refused (docs/routing.md); the message
        # should name the field the caller sent, not its translation.
        cfg = {"strategy": {"mode": "fallback"}, "targets": [{"provider": "p_a", "custom_host": "http://x"}]}
        status, _, body = http_chat("gpt-4o-mini", portkey_header(cfg))
        self.assertEqual(status, 400, body)
        self.assertIn("targets[0].custom_host", body["error"]["message"])

    def test_http(self):
        for header, cfg, want in self.CASES:
            with self.subTest(want=want):
                before = STACK.counts()
                status, _, body = http_chat("gpt-4o-mini", {header: json.dumps(cfg)})
                self.assertEqual(status, 400, body)
                self.assertEqual(body["error"]["type"], "invalid_request_error")
                self.assertIn(want, body["error"]["message"])
                self.assertEqual(delta(before), {})

    def test_grpc(self):
        for header, cfg, want in self.CASES:
            with self.subTest(want=want):
                code, _, details, _ = grpc_call("gpt-4o-mini", {header: json.dumps(cfg)})
                self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT, details)
                self.assertIn(want, details)

    def test_invalid_json(self):
        status, _, body = http_chat("gpt-4o-mini", {"x-across-config": "{\"strategy\": "})
        self.assertEqual(status, 400, body)
        self.assertIn("x-across-config", body["error"]["message"])
        status, _, body = http_chat("gpt-4o-mini", {"x-portkey-config": "pc-abc123"})
        self.assertEqual(status, 400, body)


class StartupConfigErrors(unittest.TestCase):
    BASE = """\
providers:
  - {id: p_a, type: openai, base_url: "http://127.0.0.1:9/v1"}
  - {id: p_b, type: openai, base_url: "http://127.0.0.1:9/v1"}
"""
    CASES = [
        ("""\
routes:
  - name: smart
    strategy: fallback
    targets:
      - {provider: p_a}
      - {provider: p_b, retry: {attempts: 9}}
""", ['routes[0] ("smart"): targets[1].retry.attempts: must be between 0 and 5 (got 9)']),
        ("""\
routes:
  - name: smart
    strategy: fallback
    targets:
      - {provider: p_a}
      - {provider: gorq}
""", ['routes[0] ("smart"): targets[1].provider: unknown provider "gorq"']),
        ("""\
routes:
  - name: ok
    provider: p_a
  - name: tiered
    strategy: conditional
    conditions:
      - query: {metadata.tier: {$eq: x}}
        then: gold
    targets:
      - {name: premium, provider: p_a}
""", ['routes[1] ("tiered"): conditions[0].then: no target named "gold" among this node\'s targets']),
        ("""\
routes:
  - name: tiered
    strategy: conditional
    conditions:
      - query: {metadata.tier: {$eqq: enterprise}}
        then: premium
    targets:
      - {name: premium, provider: p_a}
""", ['conditions[0].query.metadata.tier.$eqq: unknown operator "$eqq"']),
        ("""\
routes:
  - name: lb
    strategy: loadbalance
    targets:
      - {provider: p_a, weight: 0}
      - {provider: p_b, weight: 0}
""", ['routes[0] ("lb"): targets: loadbalance needs a target with weight > 0']),
        ("""\
routes:
  - name: x
    strategy: roundrobin
    targets:
      - {provider: p_a}
      - {provider: p_b}
""", ['routes[0] ("x"): strategy: unknown strategy "roundrobin"']),
        ("""\
routes:
  - name: x
    targets:
      - {provider: p_a}
      - {provider: p_b}
""", ['routes[0] ("x"): strategy: is required for a node with 2 targets']),
        ("""\
routes:
  - name: x
    provider: p_a
  - name: x
    provider: p_b
""", ['routes[1] ("x"): name: duplicate route name']),
        ("""\
routes:
  - name: x
    models: [fast]
    provider: p_a
  - name: y
    models: [fast]
    provider: p_b
""", ['routes[1] ("y"): models[0]: "fast" already selects route "x"']),
        ("""\
routes:
  - name: x
    provider: p_a
    breaker: {consecutive_failures: 3, cooldown_ms: 0}
""", ['routes[0] ("x"): breaker.cooldown_ms: must be at least 1 (got 0)']),
        ("""\
routes:
  - name: x
    provider: p_a
    max_inflight: -1
""", ['routes[0] ("x"): max_inflight: must not be negative (got -1)']),
        ("""\
routes:
  - name: x
    strategy: fallback
    targets:
      - {provider: p_a, base_url: "http://127.0.0.1:1/v1"}
""", ['routes[0] ("x"): targets[0].base_url:']),
        ("""\
routes:
  - name: x
    strategy: fallback
    targets:
      - {provider: p_a, weigth: 2}
""", ["routes[0].targets[0]", "weigth"]),
    ]

    def test_rejected_at_startup(self):
        for routes, wants in self.CASES:
            with self.subTest(want=wants[0]):
                g = harness.Gateway(self.BASE + routes, wait=False)
                try:
                    rc = g.wait(t(15))
                    self.assertEqual(rc, 1, "gateway did not exit 1\n" + g.logs())
                    out = g.stdout() + g.stderr()
                    self.assertIn(g.config_path + ": ", out)
                    for want in wants:
                        self.assertIn(want.replace('"', '\\"'), out)
                finally:
                    g.stop()
                    g.cleanup()


class RequestConfigsDisabled(unittest.TestCase):
    def test_disabled(self):
        config = (gateway_config(STACK.mocks, STACK.closed_port,
                                 routes="routes:\n  - {name: only-a, provider: p_a}\n")
                  + "allow_request_configs: false\n")
        g = harness.Gateway(config, env={"MOCK_KEY": STACK.key})
        try:
            status, _, body, raw = g.post_json("/v1/chat/completions", user_chat("m", "x"),
                                               headers=route_header({"provider": "p_a"}))
            self.assertEqual(status, 400, raw)
            self.assertIn("per-request route configs are disabled", body["error"]["message"])
            status, _, body, raw = g.post_json("/v1/chat/completions", user_chat("m", "x"),
                                               headers=portkey_header({"provider": "p_a"}))
            self.assertEqual(status, 400, raw)
            # A route name is still fine.
            status, headers, body, raw = g.post_json("/v1/chat/completions", user_chat("m", "x"),
                                                     headers=route_header("only-a"))
            self.assertEqual(status, 200, raw)
            self.assertEqual(headers.get("x-across-target"), "root")
        finally:
            rc = g.stop()
            g.cleanup()
        self.assertEqual(rc, 0)


class Portkey(unittest.TestCase):
    def test_fallback_config(self):
        cfg = {"strategy": {"mode": "fallback", "on_status_codes": [503]},
               "targets": [{"provider": "p_503"},
                           {"provider": "p_a", "override_params": {"model": "gpt-4o", "max_tokens": 50}}]}
        before = STACK.counts()
        status, headers, body = http_chat("gpt-4o-mini", portkey_header(cfg))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), "targets[1]")
        self.assertEqual(delta(before), {"p_503": 1, "p_a": 1})
        sent = json.loads(STACK.last_request("p_a")["body"])
        self.assertEqual(sent["model"], "gpt-4o")
        self.assertEqual(sent.get("max_tokens", sent.get("max_completion_tokens")), 50, sent)
        code, _, details, trailers = grpc_call("gpt-4o-mini", portkey_header(cfg))
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(trailers.get("x-across-target"), "targets[1]")

    def test_camel_case_and_request_timeout(self):
        cfg = {"strategy": {"mode": "fallback", "onStatusCodes": [408, 429]}, "request_timeout": 300,
               "targets": [{"provider": "p_429"}, {"provider": "p_slow"}, {"provider": "p_a"}]}
        start = time.monotonic()
        status, headers, body = http_chat("gpt-4o-mini", portkey_header(cfg))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), "targets[2]")
        self.assertEqual(headers.get("x-across-attempts"), "3")
        self.assertLess(time.monotonic() - start, 0.3 + t(1.5))

    def test_loadbalance_config(self):
        cfg = {"strategy": {"mode": "loadbalance"},
               "targets": [{"provider": "p_b", "weight": 0}, {"provider": "p_a", "weight": 1},
                           {"provider": "p_c", "weight": 1}]}
        before = STACK.counts()
        seen = set()
        for i in range(30):
            status, headers, body = http_chat("gpt-4o-mini", portkey_header(cfg))
            self.assertEqual(status, 200, body)
            seen.add(headers.get("x-across-target"))
        self.assertEqual(seen, {"targets[1]", "targets[2]"})
        d = delta(before)
        self.assertNotIn("p_b", d)
        self.assertEqual(d.get("p_a", 0) + d.get("p_c", 0), 30)

    def test_retry_with_provider_header(self):
        key = unique_key()
        before = STACK.counts()
        status, headers, body = http_chat(
            "gpt-4o-mini", dict(portkey_header({"retry": {"attempts": 2, "on_status_codes": [503]}}),
                                **{"x-portkey-provider": "p_a"}),
            mock={"fail_first": 2, "key": key})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-attempts"), "3")
        self.assertEqual(delta(before), {"p_a": 3})

    def test_provider_header(self):
        for header in ("x-portkey-provider", "x-across-provider"):
            with self.subTest(header=header):
                before = STACK.counts()
                status, headers, body = http_chat("gpt-4o", {header: "p_c"})
                self.assertEqual(status, 200, body)
                self.assertEqual(headers.get("x-across-provider"), "p_c")
                self.assertEqual(delta(before), {"p_c": 1})
                self.assertEqual(json.loads(STACK.last_request("p_c")["body"])["model"], "gpt-4o")
                code, _, details, _ = grpc_call("gpt-4o", {header: "p_c"})
                self.assertEqual(code, grpc.StatusCode.OK, details)
                self.assertEqual(delta(before), {"p_c": 2})

    def test_conditional_config(self):
        cfg = {"strategy": {"mode": "conditional",
                            "conditions": [{"query": {"metadata.user_plan": {"$eq": "paid"}}, "then": "paid"}],
                            "default": "free"},
               "targets": [{"name": "paid", "provider": "p_a"}, {"name": "free", "provider": "p_b"}]}
        status, headers, _ = http_chat("gpt-4o-mini", dict(portkey_header(cfg),
                                                           **{"x-portkey-metadata": json.dumps({"user_plan": "paid"})}))
        self.assertEqual((status, headers.get("x-across-target")), (200, "targets[0]"))
        status, headers, _ = http_chat("gpt-4o-mini", portkey_header(cfg))
        self.assertEqual((status, headers.get("x-across-target")), (200, "targets[1]"))

    def test_caller_api_key(self):
        cfg = {"provider": "p_b", "api_key": "sk-caller-" + secrets.token_hex(4)}
        status, headers, body = http_chat("gpt-4o-mini", portkey_header(cfg))
        self.assertEqual(status, 200, body)
        self.assertEqual(STACK.last_request("p_b")["headers"].get("authorization"), "Bearer " + cfg["api_key"])

    def test_attempts_clamped_to_5(self):
        # Portkey clamps retry.attempts to 5: 9 gives 6 calls. Retry-After 1 ms keeps it fast.
        before = STACK.counts()
        status, headers, body = http_chat(
            "gpt-4o-mini", dict(portkey_header({"retry": {"attempts": 9}, "override_params": {"model": "clamp-model"}}),
                                **{"x-portkey-provider": "p_503"}),
            mock={"retry_after_ms": "1"})
        self.assertEqual(status, 503, body)
        self.assertEqual(headers.get("x-across-attempts"), "6")
        self.assertEqual(delta(before), {"p_503": 6})

    def test_across_header_wins(self):
        status, headers, body = http_chat("gpt-4o-mini", dict(route_header("fb"),
                                                              **{"x-portkey-config": "{not json"}))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), "targets[1]")

    def test_portkey_in_across_header(self):
        # Portkey's format is also detected in x-across-config.
        cfg = {"strategy": {"mode": "fallback"}, "targets": [{"provider": "p_503"}, {"provider": "p_a"}]}
        status, headers, body = http_chat("gpt-4o-mini", route_header(cfg))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-target"), "targets[1]")


class ZAdmin(unittest.TestCase):
    def test_admin_targets_shape(self):
        targets = admin_targets()
        self.assertTrue(targets)
        for x in targets:
            self.assertEqual(set(x), {"target", "breaker", "consecutive_failures", "inflight", "queued",
                                      "latency_ms"}, x)
            self.assertIn(x["breaker"], ("closed", "open", "half_open"))
            self.assertEqual(x["inflight"], 0, x)
            self.assertEqual(x["queued"], 0, x)
        labels = {x["target"] for x in targets}
        self.assertIn("p_a/gpt-4o-mini", labels)

    def test_metrics_families_present(self):
        m = metrics()
        for family in ("across_route_attempts_total", "across_route_attempt_errors_total",
                       "across_route_retries_total", "across_route_fallbacks_total",
                       "across_route_rejections_total", "across_route_attempt_duration_seconds",
                       "across_route_queue_wait_seconds", "across_route_breaker_state",
                       "across_route_breaker_transitions_total"):
            self.assertIn("# TYPE " + family, m)

    def test_key_not_leaked(self):
        self.assertNotIn(STACK.key, gw().stdout())
        self.assertNotIn(STACK.key, gw().stderr())
        self.assertNotIn(STACK.key, metrics())
        self.assertNotIn(STACK.key, json.dumps(admin_targets()))


if __name__ == "__main__":
    unittest.main()
