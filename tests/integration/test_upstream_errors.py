"""Upstream failures through both front ends: status mapping, Retry-After,
timeouts, transport faults (reset, truncation, garbage, mid-stream errors),
and API-key handling. Faults are injected through the body's "mock" object,
which the gateway forwards upstream as an extra parameter."""

import json
import time
import unittest

import grpc

import harness
from harness import grpc_chat, metadata_dict, t, user_chat

STACK = None
# Every error body and message seen, checked for the API key at the end.
SEEN = []


def setUpModule():
    global STACK
    STACK = harness.Stack()


def tearDownModule():
    problem = STACK.close()
    if problem:
        raise AssertionError(problem)


def http_chat(mock, stream=False, model="gpt-mock", **extra):
    body = user_chat(model, "trigger", mock=mock, **extra)
    if stream:
        body["stream"] = True
        r = STACK.gateway.stream(body)
        SEEN.append(r.raw)
        return r
    status, headers, js, raw = STACK.gateway.post_json("/v1/chat/completions", body)
    SEEN.append(raw.decode("utf-8", "replace"))
    return status, headers, js


def grpc_error(fn, *args, **kwargs):
    try:
        result = fn(*args, **kwargs)
        if hasattr(result, "__iter__") and not isinstance(result, tuple):
            list(result)
    except grpc.RpcError as e:
        SEEN.append(e.details() or "")
        SEEN.append(repr(e.trailing_metadata()))
        return e
    raise AssertionError("gRPC call succeeded, an error was expected")


# upstream status → (HTTP status the gateway returns, gRPC code, OpenAI type)
MAPPING = {
    400: (400, grpc.StatusCode.INVALID_ARGUMENT, "invalid_request_error"),
    401: (401, grpc.StatusCode.UNAUTHENTICATED, "authentication_error"),
    403: (403, grpc.StatusCode.PERMISSION_DENIED, "permission_error"),
    404: (404, grpc.StatusCode.NOT_FOUND, None),
    429: (429, grpc.StatusCode.RESOURCE_EXHAUSTED, "rate_limit_error"),
    500: (None, grpc.StatusCode.UNAVAILABLE, None),
    503: (None, grpc.StatusCode.UNAVAILABLE, None),
}


class StatusMapping(unittest.TestCase):
    def test_http_status_mapping(self):
        for upstream, (want_http, _, want_type) in MAPPING.items():
            with self.subTest(upstream=upstream):
                status, headers, body = http_chat({"status": upstream})
                if want_http is not None:
                    self.assertEqual(status, want_http, body)
                else:
                    self.assertGreaterEqual(status, 500, body)
                    self.assertLess(status, 600, body)
                self.assertEqual(list(body), ["error"], body)
                err = body["error"]
                for key in ("message", "type", "param", "code"):
                    self.assertIn(key, err)
                self.assertTrue(err["message"].startswith("mock: "), err["message"])
                if want_type:
                    self.assertEqual(err["type"], want_type)
                self.assertEqual(headers.get("x-across-provider"), "mock")

    def test_http_stream_status_before_first_byte(self):
        # A failure before any output is a plain JSON error, not SSE.
        for upstream in (429, 503):
            with self.subTest(upstream=upstream):
                r = http_chat({"status": upstream}, stream=True)
                self.assertEqual(r.headers.get("content-type", "").split(";")[0], "application/json")
                if upstream == 429:
                    self.assertEqual(r.status, 429)
                else:
                    self.assertGreaterEqual(r.status, 500)
                self.assertTrue(r.body_json["error"]["message"].startswith("mock: "), r.body_json)

    def test_grpc_status_mapping(self):
        for upstream, (_, want_code, want_type) in MAPPING.items():
            with self.subTest(upstream=upstream):
                e = grpc_error(STACK.gateway.grpc.chat, grpc_chat("gpt-mock", "x", extra_params={"mock": {"status": upstream}}))
                self.assertEqual(e.code(), want_code, e.details())
                self.assertTrue(e.details().startswith("mock: "), e.details())
                trailers = metadata_dict(e.trailing_metadata())
                if want_type:
                    self.assertEqual(trailers.get("x-across-error-type"), want_type)
                else:
                    self.assertTrue(trailers.get("x-across-error-type"), trailers)

    def test_grpc_stream_status_mapping(self):
        for upstream in (401, 429, 503):
            with self.subTest(upstream=upstream):
                call = STACK.gateway.grpc.chat_stream(grpc_chat("gpt-mock", "x", extra_params={"mock": {"status": upstream}}))
                e = grpc_error(list, call)
                self.assertEqual(e.code(), MAPPING[upstream][1], e.details())
                self.assertTrue(e.details().startswith("mock: "), e.details())

    def test_embed_error_mapping(self):
        status, _, body, raw = STACK.gateway.post_json(
            "/v1/embeddings", {"model": "embed-mock", "input": "x", "mock": {"status": 403}})
        SEEN.append(raw.decode())
        self.assertEqual(status, 403, raw)
        self.assertTrue(body["error"]["message"].startswith("mock: "))
        e = grpc_error(STACK.gateway.grpc.embed, {"model": "embed-mock", "input": ["x"],
                                                  "extra_params": {"mock": {"status": 403}}})
        self.assertEqual(e.code(), grpc.StatusCode.PERMISSION_DENIED)


class RetryAfter(unittest.TestCase):
    def test_http_retry_after(self):
        status, headers, body = http_chat({"status": 429, "retry_after": "2"})
        self.assertEqual(status, 429)
        self.assertEqual(headers.get("retry-after"), "2")
        self.assertEqual(body["error"]["type"], "rate_limit_error")

    def test_http_retry_after_ms(self):
        status, headers, _ = http_chat({"status": 429, "retry_after_ms": "1500"})
        self.assertEqual(status, 429)
        self.assertEqual(headers.get("retry-after-ms"), "1500")
        self.assertEqual(headers.get("retry-after"), "2")  # rounded up to whole seconds

    def test_grpc_retry_after_trailer(self):
        e = grpc_error(STACK.gateway.grpc.chat,
                       grpc_chat("gpt-mock", "x", extra_params={"mock": {"status": 429, "retry_after": "3"}}))
        self.assertEqual(e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        trailers = metadata_dict(e.trailing_metadata())
        self.assertTrue("retry-after-ms" in trailers or "retry-after" in trailers, trailers)
        if "retry-after-ms" in trailers:
            self.assertEqual(trailers["retry-after-ms"], "3000")
        else:
            self.assertEqual(trailers["retry-after"], "3")


class Timeouts(unittest.TestCase):
    def test_http_upstream_timeout_is_504(self):
        start = time.monotonic()
        status, headers, body = http_chat({"latency_ms": 4000}, model="gpt-slow")
        elapsed = time.monotonic() - start
        self.assertEqual(status, 504, body)
        self.assertEqual(body["error"]["type"], "timeout_error")
        self.assertTrue(body["error"]["message"].startswith("mock-slow: "), body)
        self.assertLess(elapsed, 0.6 + t(1.5))

    def test_http_stream_timeout_is_504(self):
        r = http_chat({"latency_ms": 4000}, stream=True, model="gpt-slow")
        self.assertEqual(r.status, 504, r.raw)

    def test_grpc_upstream_timeout(self):
        e = grpc_error(STACK.gateway.grpc.chat,
                       grpc_chat("gpt-slow", "x", extra_params={"mock": {"latency_ms": 4000}}), timeout=t(10))
        self.assertEqual(e.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertTrue(e.details().startswith("mock-slow: "), e.details())


class TransportFaults(unittest.TestCase):
    def assert_bad_gateway(self, status, body):
        self.assertIn(status, (502, 503, 504), body)
        self.assertTrue(body["error"]["message"].startswith("mock: "), body)

    def test_unary_reset_before_headers(self):
        self.assert_bad_gateway(*http_chat({"reset": "before_headers"})[::2])
        e = grpc_error(STACK.gateway.grpc.chat, grpc_chat("gpt-mock", "x", extra_params={"mock": {"reset": "before_headers"}}))
        self.assertEqual(e.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertTrue(e.details().startswith("mock: "), e.details())

    def test_unary_reset_mid_body(self):
        self.assert_bad_gateway(*http_chat({"reset": "mid_stream"})[::2])

    def test_unary_truncated(self):
        self.assert_bad_gateway(*http_chat({"truncate": True})[::2])
        e = grpc_error(STACK.gateway.grpc.chat, grpc_chat("gpt-mock", "x", extra_params={"mock": {"truncate": True}}))
        self.assertEqual(e.code(), grpc.StatusCode.UNAVAILABLE)

    def test_unary_garbage(self):
        self.assert_bad_gateway(*http_chat({"garbage": True})[::2])
        e = grpc_error(STACK.gateway.grpc.chat, grpc_chat("gpt-mock", "x", extra_params={"mock": {"garbage": True}}))
        self.assertIn(e.code(), (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL))
        self.assertTrue(e.details().startswith("mock: "), e.details())

    def assert_stream_failed(self, r):
        """Either an error before the first byte (JSON 5xx) or, once SSE has
        started, an explicit `event: error` — never a clean [DONE]."""
        self.assertFalse(r.done(), "failed upstream stream ended with a clean [DONE]:\n" + r.raw[-500:])
        self.assertNotIn("[DONE]", r.raw)
        if r.headers.get("content-type", "").startswith("text/event-stream"):
            self.assertEqual(r.status, 200)
            errors = [e for e in r.events if e["event"] == "error"]
            self.assertEqual(len(errors), 1, r.raw[-500:])
            self.assertIs(r.events[-1], errors[0], "events after the error event")
            body = json.loads(errors[0]["data"])
            self.assertIn("message", body["error"])
            self.assertIn("type", body["error"])
            self.assertTrue(body["error"]["message"].startswith("mock: "), body)
            return "sse"
        self.assertGreaterEqual(r.status, 500, r.raw)
        self.assertTrue(r.body_json["error"]["message"].startswith("mock: "), r.raw)
        return "json"

    def test_stream_reset_mid_stream(self):
        r = http_chat({"reset": "mid_stream", "words": 20}, stream=True)
        self.assertEqual(self.assert_stream_failed(r), "sse")
        self.assertTrue(r.chunks(), "expected some chunks before the reset")

    def test_stream_truncated(self):
        r = http_chat({"truncate": True, "words": 20}, stream=True)
        self.assert_stream_failed(r)

    def test_stream_upstream_error_event(self):
        r = http_chat({"stream_error": True, "words": 10}, stream=True)
        self.assertEqual(self.assert_stream_failed(r), "sse")

    def test_stream_garbage(self):
        r = http_chat({"garbage": True}, stream=True)
        self.assert_stream_failed(r)

    def test_stream_reset_before_headers(self):
        r = http_chat({"reset": "before_headers"}, stream=True)
        self.assertEqual(self.assert_stream_failed(r), "json")

    def test_grpc_stream_failures_are_not_ok(self):
        for fault in ({"reset": "mid_stream", "words": 20}, {"truncate": True, "words": 20},
                      {"stream_error": True, "words": 10}, {"garbage": True}):
            with self.subTest(fault=fault):
                call = STACK.gateway.grpc.chat_stream(grpc_chat("gpt-mock", "x", extra_params={"mock": fault}))
                chunks = []
                try:
                    for c in call:
                        chunks.append(c)
                except grpc.RpcError as e:
                    SEEN.append(e.details() or "")
                self.assertNotEqual(call.code(), grpc.StatusCode.OK,
                                    "failed upstream stream ended OK after %d chunks" % len(chunks))
                self.assertIn(call.code(), (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL,
                                            grpc.StatusCode.UNKNOWN), call.details())
                self.assertTrue(call.details().startswith("mock: "), call.details())

    def test_gateway_healthy_after_faults(self):
        status, _, body = http_chat({})
        self.assertEqual(status, 200, body)
        resp, _ = STACK.gateway.grpc.chat(grpc_chat("gpt-mock", "fine"))
        self.assertIn("fine", resp.choices[0].message.content)


class ApiKey(unittest.TestCase):
    def test_key_forwarded(self):
        status, _, body = http_chat({})
        self.assertEqual(status, 200, body)
        last = STACK.mock.last_request()
        self.assertEqual(last["headers"].get("authorization"), "Bearer " + STACK.mock_key)
        STACK.gateway.grpc.chat(grpc_chat("gpt-mock", "x"))
        self.assertEqual(STACK.mock.last_request()["headers"].get("authorization"), "Bearer " + STACK.mock_key)
        STACK.gateway.post_json("/v1/embeddings", {"model": "embed-mock", "input": "x"})
        self.assertEqual(STACK.mock.last_request()["headers"].get("authorization"), "Bearer " + STACK.mock_key)

    def test_client_key_does_not_override_provider_key(self):
        status, _, _, _ = STACK.gateway.post_json("/v1/chat/completions", user_chat("gpt-mock", "x"),
                                                  {"Authorization": "Bearer client-supplied-key"})
        self.assertEqual(status, 200)
        self.assertEqual(STACK.mock.last_request()["headers"].get("authorization"), "Bearer " + STACK.mock_key)

    def test_mock_headers_not_leaked_upstream(self):
        STACK.gateway.post_json("/v1/chat/completions", user_chat("gpt-mock", "x"),
                                {"x-across-trace-id": "abc", "x-secret-client-header": "1"})
        headers = STACK.mock.last_request()["headers"]
        self.assertNotIn("x-secret-client-header", headers)



class ZKeyNeverLeaks(unittest.TestCase):
    def test_key_never_logged_or_returned(self):
        # Runs last in this module (classes load in name order): by now the
        # gateway has served successes and every kind of failure.
        http_chat({"status": 401})
        key = STACK.mock_key
        for text in SEEN:
            self.assertNotIn(key, text)
        self.assertNotIn(key, STACK.gateway.stdout())
        self.assertNotIn(key, STACK.gateway.stderr())
        self.assertNotIn(key, STACK.gateway.metrics())


if __name__ == "__main__":
    unittest.main()
