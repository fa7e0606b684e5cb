"""gRPC front end (across.gateway.v1.Gateway, health, reflection) against the
real gateway, the echo provider and the mock upstream."""

import json
import signal
import threading
import time
import unittest

import grpc

import harness
from harness import grpc_chat, metadata_dict, t

STACK = None


def setUpModule():
    global STACK
    STACK = harness.Stack()


def tearDownModule():
    problem = STACK.close()
    if problem:
        raise AssertionError(problem)


def rpc_error(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except grpc.RpcError as e:
        return e
    raise AssertionError("call succeeded, an error was expected")


class Basics(unittest.TestCase):
    def test_list_models(self):
        resp, _ = STACK.gateway.grpc.list_models()
        models = [(m.id, m.owned_by, m.upstream_model) for m in resp.models]
        self.assertEqual(models, [("gpt-mock", "mock", "gpt-4o-mini"),
                                  ("embed-mock", "mock", "text-embedding-3-small"),
                                  ("gpt-slow", "mock-slow", "gpt-4o-mini"),
                                  ("echo", "echo", "echo")])
        self.assertGreater(resp.models[0].created, 1600000000)

    def test_chat_echo(self):
        text = "hello over grpc"
        resp, call = STACK.gateway.grpc.chat(grpc_chat("echo", text), metadata=[("x-across-trace-id", "grpc-trace-1")])
        self.assertEqual(len(resp.choices), 1)
        self.assertEqual(resp.choices[0].message.content, text)
        Role = harness.message_class("Message").DESCRIPTOR.fields_by_name["role"].enum_type
        self.assertEqual(resp.choices[0].message.role, Role.values_by_name["ROLE_ASSISTANT"].number)
        self.assertEqual(resp.provider, "echo")
        self.assertTrue(resp.id)
        self.assertGreater(resp.usage.total_tokens, 0)
        md = metadata_dict(call.initial_metadata())
        self.assertEqual(md.get("x-across-trace-id"), "grpc-trace-1")
        self.assertEqual(md.get("x-across-provider"), "echo")
        self.assertEqual(md.get("x-across-model"), "echo")

    def test_trace_id_generated(self):
        _, call = STACK.gateway.grpc.chat(grpc_chat("echo", "hi"))
        trace = metadata_dict(call.initial_metadata()).get("x-across-trace-id", "")
        self.assertRegex(trace, r"^[0-9a-zA-Z-]{8,}$")
        entry = STACK.gateway.access_entry(trace)
        self.assertEqual(entry.get("front_end"), "grpc")

    def test_chat_mock(self):
        text = "tell me something"
        resp, call = STACK.gateway.grpc.chat(grpc_chat("gpt-mock", text, max_tokens=50,
                                                       extra_params={"custom_knob": "on"}))
        self.assertIn(text, resp.choices[0].message.content)
        self.assertEqual(resp.provider, "mock")
        self.assertEqual(resp.model, "gpt-4o-mini")
        md = metadata_dict(call.initial_metadata())
        self.assertEqual(md.get("x-across-provider"), "mock")
        upstream = json.loads(STACK.mock.last_request()["body"])
        self.assertEqual(upstream["model"], "gpt-4o-mini")
        self.assertEqual(upstream["max_tokens"], 50)
        self.assertEqual(upstream["custom_knob"], "on")
        self.assertEqual(upstream["messages"], [{"role": "user", "content": text}])

    def test_chat_stream_echo(self):
        text = "alpha beta gamma delta"
        call = STACK.gateway.grpc.chat_stream(grpc_chat("echo", text), metadata=[("x-across-trace-id", "grpc-s-1")])
        chunks = list(call)
        self.assertEqual(call.code(), grpc.StatusCode.OK)
        self.assertGreaterEqual(len(chunks), 4)
        got = "".join(ch.delta.content for c in chunks for ch in c.choices)
        self.assertEqual(got, text)
        # gRPC clients always get the usage chunk, last.
        self.assertTrue(chunks[-1].HasField("usage"))
        self.assertGreater(chunks[-1].usage.completion_tokens, 0)
        self.assertEqual(len({c.id for c in chunks}), 1)
        md = metadata_dict(call.initial_metadata())
        self.assertEqual(md.get("x-across-trace-id"), "grpc-s-1")
        self.assertEqual(md.get("x-across-provider"), "echo")

    def test_chat_stream_mock_incremental(self):
        call = STACK.gateway.grpc.chat_stream(grpc_chat("gpt-mock", "x", extra_params={"mock": {"drip_ms": 250, "words": 5}}))
        start = time.monotonic()
        times, words = [], []
        for c in call:
            times.append(time.monotonic() - start)
            words += [ch.delta.content for ch in c.choices if ch.delta.content]
        self.assertEqual(call.code(), grpc.StatusCode.OK)
        self.assertEqual("".join(words).split(), ["w0", "w1", "w2", "w3", "w4"])
        self.assertGreater(times[-1] - times[0], 0.25 * 3, times)

    def test_metrics_count_grpc_requests(self):
        before = STACK.gateway.metrics()
        STACK.gateway.grpc.chat(grpc_chat("echo", "m"))
        list(STACK.gateway.grpc.chat_stream(grpc_chat("gpt-mock", "m n o")))
        after = STACK.gateway.metrics()
        ms = harness.metric_sum
        self.assertEqual(ms(after, "across_requests_total", front_end="grpc", operation="chat", status="200")
                         - ms(before, "across_requests_total", front_end="grpc", operation="chat", status="200"), 1)
        self.assertEqual(ms(after, "across_requests_total", front_end="grpc", operation="chat_stream",
                            provider="mock", status="200")
                         - ms(before, "across_requests_total", front_end="grpc", operation="chat_stream",
                              provider="mock", status="200"), 1)
        self.assertGreater(ms(after, "across_tokens_total", provider="mock", kind="completion")
                           - ms(before, "across_tokens_total", provider="mock", kind="completion"), 0)

    def test_embed(self):
        for model in ("echo", "embed-mock"):
            with self.subTest(model=model):
                resp, _ = STACK.gateway.grpc.embed({"model": model, "input": ["one", "two", "three"]})
                self.assertEqual([d.index for d in resp.data], [0, 1, 2])
                dims = len(resp.data[0].embedding)
                self.assertGreater(dims, 0)
                self.assertTrue(all(len(d.embedding) == dims for d in resp.data))
                self.assertTrue(resp.provider)

    def test_health(self):
        self.assertEqual(STACK.gateway.grpc.health(""), 1)
        self.assertEqual(STACK.gateway.grpc.health(harness.SERVICE), 1)
        e = rpc_error(STACK.gateway.grpc.health, "no.such.Service")
        self.assertEqual(e.code(), grpc.StatusCode.NOT_FOUND)

    def test_reflection_lists_services(self):
        names = STACK.gateway.grpc.reflection_services()
        self.assertIn(harness.SERVICE, names)
        self.assertIn("grpc.reflection.v1alpha.ServerReflection", names)


class Errors(unittest.TestCase):
    def test_unknown_model(self):
        e = rpc_error(STACK.gateway.grpc.chat, grpc_chat("no-such-model", "hi"))
        self.assertEqual(e.code(), grpc.StatusCode.NOT_FOUND)
        self.assertIn("no-such-model", e.details())
        trailers = metadata_dict(e.trailing_metadata())
        self.assertEqual(trailers.get("x-across-error-type"), "invalid_request_error")
        e = rpc_error(STACK.gateway.grpc.embed, {"model": "no-such-model", "input": ["x"]})
        self.assertEqual(e.code(), grpc.StatusCode.NOT_FOUND)
        call = STACK.gateway.grpc.chat_stream(grpc_chat("no-such-model", "hi"))
        e = rpc_error(list, call)
        self.assertEqual(e.code(), grpc.StatusCode.NOT_FOUND)

    def test_invalid_argument(self):
        e = rpc_error(STACK.gateway.grpc.chat, {"model": "echo"})
        self.assertEqual(e.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("messages", e.details())
        e = rpc_error(STACK.gateway.grpc.chat, grpc_chat("echo", "x", temperature=7))
        self.assertEqual(e.code(), grpc.StatusCode.INVALID_ARGUMENT)

    GARBAGE = b"\x0a\xff\xff\xff\xff\x0f\x12\x05junk" + bytes(range(256))

    def send_garbage(self, method):
        path = "/%s/%s" % (harness.SERVICE, method)
        if method == "ChatStream":
            stub = STACK.gateway.grpc.channel.unary_stream(path)
            return rpc_error(lambda: list(stub(self.GARBAGE, timeout=t(5))))
        return rpc_error(STACK.gateway.grpc.raw_unary, path, self.GARBAGE)

    def test_malformed_protobuf_server_stays_up(self):
        for method in ("Chat", "Embed", "ChatStream"):
            self.assertNotEqual(self.send_garbage(method).code(), grpc.StatusCode.OK)
        resp, _ = STACK.gateway.grpc.chat(grpc_chat("echo", "still alive"))
        self.assertEqual(resp.choices[0].message.content, "still alive")

    def test_malformed_protobuf_status(self):
        # A request that is not a valid message is the caller's fault:
        # INVALID_ARGUMENT (or INTERNAL, gRPC's own "failed to parse"), never
        # UNIMPLEMENTED, which claims the method does not exist.
        for method in ("Chat", "Embed", "ChatStream"):
            with self.subTest(method=method):
                e = self.send_garbage(method)
                self.assertIn(e.code(), (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL),
                              "%s: %s %r" % (method, e.code(), e.details()))

    def test_oversized_message(self):
        e = rpc_error(STACK.gateway.grpc.chat, grpc_chat("echo", "x" * 100000))
        self.assertEqual(e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        resp, _ = STACK.gateway.grpc.chat(grpc_chat("echo", "small"))
        self.assertEqual(resp.choices[0].message.content, "small")

    def test_unimplemented_method(self):
        e = rpc_error(STACK.gateway.grpc.raw_unary, "/%s/NoSuchMethod" % harness.SERVICE, b"")
        self.assertEqual(e.code(), grpc.StatusCode.UNIMPLEMENTED)


def open_upstream_connections():
    # Minus the connection that asks.
    return STACK.mock.stats()["open_connections"] - 1


class DeadlinesAndCancellation(unittest.TestCase):
    def test_deadline_shorter_than_upstream_latency(self):
        latency = max(3.0, t(1.5))
        deadline = 0.5
        start = time.monotonic()
        box = {}

        def call():
            box["err"] = rpc_error(STACK.gateway.grpc.chat,
                                   grpc_chat("gpt-mock", "slow", extra_params={"mock": {"latency_ms": int(latency * 1000)}}),
                                   timeout=deadline, metadata=[("x-across-trace-id", "deadline-1")])
            box["elapsed"] = time.monotonic() - start

        th = threading.Thread(target=call)
        th.start()
        # While the mock sleeps, the upstream connection is open.
        time.sleep(0.25)
        during = open_upstream_connections()
        th.join(t(5))
        self.assertEqual(box["err"].code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertLess(box["elapsed"], deadline + t(0.75))
        # The gateway gave up on the call too: its access-log line is written
        # at the deadline, not when the upstream would have answered.
        entry = STACK.gateway.access_entry("deadline-1", timeout=t(1.5))
        self.assertLess(time.monotonic() - start, latency - 0.5,
                        "gateway waited for the upstream past the client deadline")
        self.assertIn(entry.get("status"), (504, 499, 408), entry)
        # The mock notices the dropped connection once it tries to answer.
        harness.wait_until(lambda: open_upstream_connections() < during, latency + t(2),
                           what="the upstream connection to be dropped (open during: %d)" % during)

    def test_http_provider_timeout_is_bounded(self):
        # gpt-slow's provider has request_timeout_ms: 600.
        start = time.monotonic()
        e = rpc_error(STACK.gateway.grpc.chat, grpc_chat("gpt-slow", "slow", extra_params={"mock": {"latency_ms": 4000}}),
                      timeout=t(10))
        self.assertEqual(e.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertLess(time.monotonic() - start, 0.6 + t(1))
        self.assertIn("mock-slow", e.details())

    def test_cancel_stream_aborts_echo(self):
        trace = harness.new_secret("cancel-echo")
        words = " ".join("w%d" % i for i in range(60))
        call = STACK.gateway.grpc.chat_stream(grpc_chat("echo", words, extra_params={"echo_delay_ms": 100}),
                                              timeout=t(30), metadata=[("x-across-trace-id", trace)])
        start = time.monotonic()
        got = 0
        for _ in call:
            got += 1
            if got == 2:
                break
        call.cancel()
        self.assertEqual(call.code(), grpc.StatusCode.CANCELLED)
        # Full stream would take ~6 s; the gateway must stop well before.
        entry = STACK.gateway.access_entry(trace, timeout=t(2))
        self.assertLess(time.monotonic() - start, 4.0, "stream kept running after cancel")
        self.assertLess(entry.get("completion_tokens", 0), 60)
        harness.wait_until(lambda: harness.metric_sum(STACK.gateway.metrics(), "across_inflight_requests",
                                                      front_end="grpc") == 0,
                           t(2), what="grpc in-flight gauge back to 0")

    def test_cancel_stream_aborts_upstream(self):
        call = STACK.gateway.grpc.chat_stream(
            grpc_chat("gpt-mock", "x", extra_params={"mock": {"drip_ms": 200, "words": 100}}), timeout=t(40))
        got = 0
        for _ in call:
            got += 1
            if got == 2:
                break
        during = open_upstream_connections()
        requests_before = STACK.mock.stats()["requests"]
        call.cancel()
        # The mock sees its next drip write fail: the connection is gone
        # (it could not be reused mid-response).
        harness.wait_until(lambda: open_upstream_connections() < during, t(3),
                           what="upstream stream connection closed after cancel (open during: %d)" % during)
        self.assertEqual(STACK.mock.stats()["requests"], requests_before, "gateway retried after cancel")


class CancelWhileWriting(unittest.TestCase):
    """Client cancels while the gateway is busy writing chunks (no delay
    between them), so the cancellation lands outside any cancellable wait.
    Every call must still finish: access-log line, in-flight gauge back to 0,
    and a SIGTERM that exits within the drain timeout. Own gateway: a stuck
    call would otherwise hang the shared one's shutdown."""

    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack(gateway_args=["--drain_timeout_ms=2000"])

    @classmethod
    def tearDownClass(cls):
        cls.stack.gateway.stop(timeout=t(5))
        cls.stack.mock.stop()
        cls.stack.gateway.cleanup()
        cls.stack.mock.cleanup()

    def cancel_streams(self, model, prompt, extra_params=None, n=6):
        gw = self.stack.gateway
        inflight_before = harness.metric_sum(gw.metrics(), "across_inflight_requests", front_end="grpc")
        traces = []
        for i in range(n):
            trace = harness.new_secret("cw")
            traces.append(trace)
            call = gw.grpc.chat_stream(grpc_chat(model, prompt, **({"extra_params": extra_params} if extra_params else {})), timeout=t(20),
                                       metadata=[("x-across-trace-id", trace)])
            got = 0
            for _ in call:
                got += 1
                if got == 20 + 10 * i:
                    break
            call.cancel()
        missing = []
        deadline = time.monotonic() + t(3)
        while True:
            logged = {e.get("trace_id") for e in gw.access_log()}
            missing = [tr for tr in traces if tr not in logged]
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        inflight = harness.metric_sum(gw.metrics(), "across_inflight_requests", front_end="grpc")
        self.assertEqual(missing, [], "%d of %d cancelled streams never finished (no access-log line); "
                                      "grpc in-flight gauge %s (was %s)" % (len(missing), n, inflight, inflight_before))
        self.assertEqual(inflight, inflight_before)

    def test_echo(self):
        # ~30 KB prompt (the config's body limit is 64 KiB): 5000 chunks.
        self.cancel_streams("echo", " ".join("w%d" % i for i in range(5000)))

    def test_mock(self):
        self.cancel_streams("gpt-mock", "x", {"mock": {"words": 20000}})

    def test_zz_sigterm_still_exits(self):
        gw = self.stack.gateway
        start = time.monotonic()
        gw.signal(signal.SIGTERM)
        rc = gw.wait(2 + t(5))
        self.assertIsNotNone(rc, "gateway still running %.1fs after SIGTERM (drain timeout 2 s): "
                                 "a gRPC call was never finished" % (time.monotonic() - start))
        self.assertEqual(rc, 0, gw.logs())


if __name__ == "__main__":
    unittest.main()
