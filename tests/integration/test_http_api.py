"""OpenAI-compatible HTTP front end against the real gateway, the built-in
echo provider and the mock upstream."""

import base64
import http.client
import json
import socket
import struct
import time
import unittest

import harness
from harness import t, user_chat

STACK = None


def setUpModule():
    global STACK
    STACK = harness.Stack()


def tearDownModule():
    problem = STACK.close()
    if problem:
        raise AssertionError(problem)


def assert_error_shape(test, body, status=None):
    test.assertIsInstance(body, dict, "error reply is not JSON: %r" % (body,))
    test.assertEqual(list(body.keys()), ["error"], body)
    err = body["error"]
    for key in ("message", "type", "param", "code"):
        test.assertIn(key, err, body)
    test.assertIsInstance(err["message"], str)
    test.assertTrue(err["message"], body)
    test.assertIsInstance(err["type"], str)
    return err


class HealthAndModels(unittest.TestCase):
    def test_healthz(self):
        status, _, body = STACK.gateway.get_json("/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"status": "ok"})

    def test_readyz(self):
        status, _, body = STACK.gateway.get_json("/readyz")
        self.assertEqual(status, 200)
        self.assertEqual(body.get("status"), "ready")

    def test_models_list(self):
        status, headers, body = STACK.gateway.get_json("/v1/models")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        self.assertEqual(body["object"], "list")
        ids = [m["id"] for m in body["data"]]
        self.assertEqual(ids, ["gpt-mock", "embed-mock", "gpt-slow", "echo"])
        by_id = {m["id"]: m for m in body["data"]}
        self.assertEqual(by_id["gpt-mock"]["owned_by"], "mock")
        self.assertEqual(by_id["echo"]["owned_by"], "echo")
        for m in body["data"]:
            self.assertEqual(m["object"], "model")
            self.assertIsInstance(m["created"], int)
            self.assertGreater(m["created"], 1600000000)

    def test_unknown_route_and_method(self):
        status, _, body = STACK.gateway.get_json("/v1/nope")
        self.assertEqual(status, 404)
        assert_error_shape(self, body)
        status, _, body = STACK.gateway.get_json("/v1/chat/completions")
        self.assertEqual(status, 405)
        assert_error_shape(self, body)


class Chat(unittest.TestCase):
    def test_unary_echo(self):
        text = "hello across gateway"
        status, headers, body, raw = STACK.gateway.post_json("/v1/chat/completions", user_chat("echo", text))
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["object"], "chat.completion")
        self.assertTrue(body["id"])
        self.assertIsInstance(body["created"], int)
        self.assertEqual(len(body["choices"]), 1)
        choice = body["choices"][0]
        self.assertEqual(choice["index"], 0)
        self.assertEqual(choice["message"]["role"], "assistant")
        self.assertEqual(choice["message"]["content"], text)
        self.assertEqual(choice["finish_reason"], "stop")
        usage = body["usage"]
        self.assertEqual(usage["total_tokens"], usage["prompt_tokens"] + usage["completion_tokens"])
        self.assertEqual(headers.get("x-across-provider"), "echo")
        self.assertEqual(headers.get("x-across-model"), "echo")
        self.assertRegex(headers.get("x-across-trace-id", ""), r"^\S+$")

    def test_unary_mock(self):
        text = "what is the capital of france"
        status, headers, body, raw = STACK.gateway.post_json("/v1/chat/completions",
                                                             user_chat("gpt-mock", text, temperature=0.5))
        self.assertEqual(status, 200, raw)
        self.assertIn(text, body["choices"][0]["message"]["content"])
        self.assertEqual(body["model"], "gpt-4o-mini")
        self.assertEqual(headers.get("x-across-provider"), "mock")
        self.assertEqual(headers.get("x-across-model"), "gpt-4o-mini")
        self.assertGreater(body["usage"]["prompt_tokens"], 0)
        last = STACK.mock.last_request()
        self.assertEqual(last["target"], "/v1/chat/completions")
        upstream = json.loads(last["body"])
        self.assertEqual(upstream["model"], "gpt-4o-mini")
        self.assertEqual(upstream["temperature"], 0.5)
        self.assertEqual(upstream["messages"], [{"role": "user", "content": text}])

    def test_extra_params_forwarded(self):
        status, _, _, raw = STACK.gateway.post_json(
            "/v1/chat/completions", user_chat("gpt-mock", "hi", some_new_param={"a": [1, 2]}))
        self.assertEqual(status, 200, raw)
        upstream = json.loads(STACK.mock.last_request()["body"])
        self.assertEqual(upstream.get("some_new_param"), {"a": [1, 2]})

    def test_malformed_json(self):
        status, _, body = STACK.gateway.request("POST", "/v1/chat/completions", b'{"model": "echo", "messages": [',
                                                {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        err = assert_error_shape(self, json.loads(body))
        self.assertEqual(err["type"], "invalid_request_error")

    def test_invalid_request(self):
        status, _, body, _ = STACK.gateway.post_json("/v1/chat/completions", {"model": "echo", "messages": []})
        self.assertEqual(status, 400)
        err = assert_error_shape(self, body)
        self.assertEqual(err["param"], "messages")

    def test_unknown_model(self):
        status, _, body, _ = STACK.gateway.post_json("/v1/chat/completions", user_chat("no-such-model", "hi"))
        self.assertEqual(status, 404)
        err = assert_error_shape(self, body)
        self.assertEqual(err["code"], "model_not_found")
        self.assertIn("no-such-model", err["message"])

    def test_oversized_body(self):
        # limits.max_body_bytes is 64 KiB in mock_config. Raw socket: the
        # gateway may answer before reading the whole body.
        payload = json.dumps(user_chat("echo", "x" * 100000)).encode()
        head = ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % len(payload)).encode()
        with socket.create_connection((harness.HOST, STACK.gateway.http_port), timeout=t(10)) as s:
            try:
                s.sendall(head + payload)
            except OSError:
                pass  # the gateway may close before reading everything
            data = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
        self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:200])
        body = data.split(b"\r\n\r\n", 1)[1]
        assert_error_shape(self, json.loads(body))
        # Still serving.
        status, _, _ = STACK.gateway.get_json("/healthz")
        self.assertEqual(status, 200)


class Streaming(unittest.TestCase):
    def check_framing(self, result):
        # Every event is a single "data: {...}" block separated by a blank
        # line; the stream ends with "data: [DONE]".
        self.assertEqual(result.status, 200, result.raw[:500])
        self.assertTrue(result.headers["content-type"].startswith("text/event-stream"))
        self.assertIsNone(result.error, result.error)
        self.assertTrue(result.raw.endswith("data: [DONE]\n\n"), result.raw[-300:])
        blocks = result.raw.split("\n\n")
        self.assertEqual(blocks[-1], "")
        for block in blocks[:-1]:
            self.assertTrue(block.startswith("data: "), block)
            self.assertNotIn("\n", block, "multi-line event: %r" % block)
        self.assertTrue(result.done())
        for chunk in result.chunks():
            self.assertEqual(chunk["object"], "chat.completion.chunk")
        ids = {c["id"] for c in result.chunks()}
        self.assertEqual(len(ids), 1, ids)

    def test_stream_echo(self):
        text = "one two three four five"
        result = STACK.gateway.stream(user_chat("echo", text, stream=True))
        self.check_framing(result)
        self.assertEqual(result.text(), text)
        chunks = result.chunks()
        self.assertGreaterEqual(len(chunks), 5, "echo streams word by word")
        self.assertEqual(chunks[0]["choices"][0]["delta"].get("role"), "assistant")
        finishes = [c["choices"][0].get("finish_reason") for c in chunks if c["choices"]]
        self.assertEqual(finishes[-1], "stop")
        # No usage chunk unless asked for.
        for c in chunks:
            self.assertFalse(c.get("usage"), c)
            self.assertTrue(c["choices"], "usage-only chunk without include_usage: %r" % c)
        self.assertEqual(result.headers.get("x-across-provider"), "echo")

    def test_stream_include_usage(self):
        for model in ("echo", "gpt-mock"):
            with self.subTest(model=model):
                result = STACK.gateway.stream(user_chat(model, "count these words please", stream=True,
                                                        stream_options={"include_usage": True}))
                self.check_framing(result)
                chunks = result.chunks()
                last = chunks[-1]
                self.assertEqual(last["choices"], [])
                self.assertGreater(last["usage"]["completion_tokens"], 0)
                self.assertEqual(last["usage"]["total_tokens"],
                                 last["usage"]["prompt_tokens"] + last["usage"]["completion_tokens"])
                for c in chunks[:-1]:
                    self.assertFalse(c.get("usage"), c)

    def test_stream_mock_without_usage(self):
        result = STACK.gateway.stream(user_chat("gpt-mock", "hi there", stream=True))
        self.check_framing(result)
        for c in result.chunks():
            self.assertFalse(c.get("usage"), c)
        # The gateway still asks upstream for usage (to meter tokens).
        upstream = json.loads(STACK.mock.last_request()["body"])
        self.assertTrue(upstream["stream"])
        self.assertEqual(upstream.get("stream_options"), {"include_usage": True})

    def test_stream_is_incremental(self):
        drip = 0.3
        words = 6
        result = STACK.gateway.stream(user_chat("gpt-mock", "ignored", stream=True,
                                                mock={"drip_ms": int(drip * 1000), "words": words}))
        self.check_framing(result)
        self.assertEqual(result.text().split(), ["w%d" % i for i in range(words)])
        content = [e for e in result.data_events if e["data"] != "[DONE]"]
        first, last = content[0]["t"], content[-1]["t"]
        # The upstream spreads the events over ~(n-1)*drip seconds; a gateway
        # that buffered would deliver them all at once.
        self.assertGreater(last - first, drip * (words - 2),
                           "chunks were not forwarded as they arrived: %r" % [e["t"] for e in content])

    def test_stream_echo_delay_incremental(self):
        result = STACK.gateway.stream(user_chat("echo", "a b c d e", stream=True, echo_delay_ms=150))
        self.check_framing(result)
        self.assertEqual(result.text(), "a b c d e")
        times = [e["t"] for e in result.data_events]
        self.assertGreater(times[-1] - times[0], 0.4, times)


    def test_client_disconnect_aborts_upstream(self):
        def open_upstream():
            return STACK.mock.stats()["open_connections"] - 1  # minus the asking one

        box = {}

        def on_event(ev, result):
            if len(result.events) == 2:
                box["during"] = open_upstream()
                return True  # stop reading: the connection is closed
            return False

        trace = harness.new_secret("disconnect")
        result = harness.sse_request(STACK.gateway.http_port,
                                     user_chat("gpt-mock", "x", stream=True, mock={"drip_ms": 200, "words": 100}),
                                     {"x-across-trace-id": trace}, on_event=on_event)
        self.assertEqual(len(result.events), 2)
        closed_at = time.monotonic()
        # The gateway notices on its next write and drops the upstream
        # stream (~20 s long if left running).
        harness.wait_until(lambda: open_upstream() < box["during"], t(3),
                           what="upstream connection closed after the client left (open during: %d)" % box["during"])
        entry = STACK.gateway.access_entry(trace, timeout=t(3))
        self.assertLess(time.monotonic() - closed_at, t(3))
        self.assertLess(entry.get("completion_tokens", 0), 100)


class Embeddings(unittest.TestCase):
    def check(self, model):
        status, headers, body, raw = STACK.gateway.post_json("/v1/embeddings",
                                                             {"model": model, "input": ["first text", "second"]})
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["object"], "list")
        self.assertEqual([d["index"] for d in body["data"]], [0, 1])
        dims = len(body["data"][0]["embedding"])
        self.assertGreater(dims, 0)
        for d in body["data"]:
            self.assertEqual(d["object"], "embedding")
            self.assertEqual(len(d["embedding"]), dims)
            self.assertTrue(all(isinstance(x, (int, float)) for x in d["embedding"]))
        self.assertIn("prompt_tokens", body["usage"])
        # base64: little-endian float32, same vectors.
        status, _, b64, raw = STACK.gateway.post_json(
            "/v1/embeddings", {"model": model, "input": ["first text", "second"], "encoding_format": "base64"})
        self.assertEqual(status, 200, raw)
        for plain, enc in zip(body["data"], b64["data"]):
            self.assertIsInstance(enc["embedding"], str)
            floats = struct.unpack("<%df" % dims, base64.b64decode(enc["embedding"]))
            for a, b in zip(plain["embedding"], floats):
                self.assertAlmostEqual(a, b, places=5)
        return body

    def test_echo(self):
        self.check("echo")

    def test_mock(self):
        body = self.check("embed-mock")
        self.assertEqual(body["model"], "text-embedding-3-small")
        last = STACK.mock.last_request()
        self.assertTrue(last["target"].endswith("/embeddings"), last["target"])

    def test_single_string_input(self):
        status, _, body, raw = STACK.gateway.post_json("/v1/embeddings", {"model": "echo", "input": "just one"})
        self.assertEqual(status, 200, raw)
        self.assertEqual(len(body["data"]), 1)

    def test_unknown_model(self):
        status, _, body, _ = STACK.gateway.post_json("/v1/embeddings", {"model": "nope", "input": "x"})
        self.assertEqual(status, 404)
        self.assertEqual(assert_error_shape(self, body)["code"], "model_not_found")


class TraceAndLogs(unittest.TestCase):
    def test_trace_id_echoed(self):
        trace = "trace-" + harness.new_secret("t")
        status, headers, _, _ = STACK.gateway.post_json("/v1/chat/completions", user_chat("echo", "hi"),
                                                        {"x-across-trace-id": trace})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-across-trace-id"), trace)
        result = STACK.gateway.stream(user_chat("echo", "hi there", stream=True), {"x-across-trace-id": trace + "s"})
        self.assertEqual(result.headers.get("x-across-trace-id"), trace + "s")
        # Errors carry it too.
        status, headers, _, _ = STACK.gateway.post_json("/v1/chat/completions", user_chat("nope", "hi"),
                                                        {"x-across-trace-id": trace + "e"})
        self.assertEqual(status, 404)
        self.assertEqual(headers.get("x-across-trace-id"), trace + "e")

    def test_trace_id_generated(self):
        seen = set()
        for _ in range(3):
            status, headers, _, _ = STACK.gateway.post_json("/v1/chat/completions", user_chat("echo", "hi"))
            self.assertEqual(status, 200)
            trace = headers.get("x-across-trace-id", "")
            self.assertRegex(trace, r"^[0-9a-zA-Z-]{8,}$")
            seen.add(trace)
        self.assertEqual(len(seen), 3, "generated trace ids must differ")

    def test_access_log_line_per_request(self):
        secret_prompt = harness.new_secret("prompt-zebra")
        traces = []
        for model, stream in (("echo", False), ("echo", True), ("gpt-mock", False), ("nope", False)):
            trace = harness.new_secret("acc")
            traces.append((trace, model, stream))
            body = user_chat(model, "please repeat " + secret_prompt, stream=stream)
            if stream:
                STACK.gateway.stream(body, {"x-across-trace-id": trace})
            else:
                STACK.gateway.post_json("/v1/chat/completions", body, {"x-across-trace-id": trace})
        for trace, model, stream in traces:
            entry = STACK.gateway.access_entry(trace)
            self.assertEqual(entry.get("front_end"), "http")
            self.assertEqual(entry.get("model"), model)
            self.assertEqual(entry.get("status"), 404 if model == "nope" else 200)
            if stream:
                self.assertEqual(entry.get("operation"), "chat_stream")
            lines = [e for e in STACK.gateway.access_log() if e.get("trace_id") == trace]
            self.assertEqual(len(lines), 1, lines)
        out = STACK.gateway.stdout() + STACK.gateway.stderr()
        self.assertNotIn(secret_prompt, out, "prompt text leaked into gateway logs")
        for line in STACK.gateway.stdout().splitlines():
            if line.strip():
                json.loads(line)  # stdout holds JSON lines only


class KeepAlive(unittest.TestCase):
    def test_many_requests_one_connection(self):
        self.assertEqual(STACK.mock.reset(), 200)
        conn = http.client.HTTPConnection(harness.HOST, STACK.gateway.http_port, timeout=t(10))
        try:
            sock = None
            n = 6
            for i in range(n):
                body = json.dumps(user_chat("gpt-mock", "request %d" % i, stream=(i % 2 == 1))).encode()
                conn.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                data = resp.read()
                self.assertEqual(resp.status, 200, data[:300])
                self.assertFalse(resp.will_close, "gateway closed a keep-alive connection")
                if sock is None:
                    sock = conn.sock
                self.assertIs(conn.sock, sock, "client had to reconnect")
            for path in ("/healthz", "/v1/models", "/metrics"):
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(resp.status, 200)
                self.assertIs(conn.sock, sock)
        finally:
            conn.close()
        stats = STACK.mock.stats()
        self.assertEqual(stats["requests"], n)
        self.assertLessEqual(stats["connections"], 2, "upstream connections are not reused: %r" % stats)


class Metrics(unittest.TestCase):
    NAMES = ("across_requests_total", "across_request_duration_seconds", "across_upstream_duration_seconds",
             "across_time_to_first_token_seconds", "across_tokens_total", "across_inflight_requests",
             "across_gateway_overhead_seconds")

    def test_metrics_move(self):
        before = STACK.gateway.metrics()
        self.assertEqual(STACK.gateway.post_json("/v1/chat/completions", user_chat("gpt-mock", "a b c"))[0], 200)
        self.assertEqual(STACK.gateway.stream(user_chat("echo", "d e f", stream=True)).status, 200)
        self.assertEqual(STACK.gateway.post_json("/v1/chat/completions", user_chat("nope", "x"))[0], 404)
        status, headers, text = STACK.gateway.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        after = text.decode()
        names = {n for n, _, _ in harness.parse_metrics(after)}
        for name in self.NAMES:
            self.assertTrue(any(n == name or n.startswith(name + "_") for n in names), "%s missing" % name)
            self.assertIn("# TYPE " + name, after)
        ms = harness.metric_sum
        self.assertGreaterEqual(ms(after, "across_requests_total") - ms(before, "across_requests_total"), 3)
        self.assertGreaterEqual(ms(after, "across_requests_total", provider="mock", status="200")
                                - ms(before, "across_requests_total", provider="mock", status="200"), 1)
        self.assertGreaterEqual(ms(after, "across_requests_total", status="404")
                                - ms(before, "across_requests_total", status="404"), 1)
        self.assertGreater(ms(after, "across_tokens_total") - ms(before, "across_tokens_total"), 0)
        self.assertGreaterEqual(ms(after, "across_request_duration_seconds_count")
                                - ms(before, "across_request_duration_seconds_count"), 3)
        self.assertGreaterEqual(ms(after, "across_upstream_duration_seconds_count", provider="mock")
                                - ms(before, "across_upstream_duration_seconds_count", provider="mock"), 1)
        self.assertGreaterEqual(ms(after, "across_time_to_first_token_seconds_count")
                                - ms(before, "across_time_to_first_token_seconds_count"), 1)
        self.assertGreaterEqual(ms(after, "across_gateway_overhead_seconds_count")
                                - ms(before, "across_gateway_overhead_seconds_count"), 3)
        # Nothing in flight now (the /metrics request itself is not counted).
        self.assertEqual(ms(after, "across_inflight_requests"), 0)


if __name__ == "__main__":
    unittest.main()
