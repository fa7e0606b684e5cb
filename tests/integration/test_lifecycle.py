"""Process lifecycle: ready file, SIGTERM drain (in-flight streams complete,
readiness turns 503, exit 0), built-in default config."""

import http.client
import json
import signal
import threading
import time
import unittest

import grpc

import harness
from harness import grpc_chat, t, user_chat


class Lifecycle(unittest.TestCase):
    def test_default_config_and_ready_file(self):
        gw = harness.Gateway()
        try:
            with open(gw.ready_file) as f:
                ports = json.load(f)
            self.assertEqual(set(ports), {"http_port", "grpc_port"})
            self.assertNotEqual(ports["http_port"], ports["grpc_port"])
            status, _, body = gw.get_json("/v1/models")
            self.assertEqual([m["id"] for m in body["data"]], ["echo"])
            resp, _ = gw.grpc.list_models()
            self.assertEqual([m.id for m in resp.models], ["echo"])
            # stderr carries JSON log lines.
            for line in gw.stderr().splitlines():
                json.loads(line)
        finally:
            rc = gw.stop()
            logs = gw.logs()
            gw.cleanup()
        self.assertEqual(rc, 0, logs)

    def test_sigterm_when_idle_exits_promptly(self):
        gw = harness.Gateway(extra_args=["--drain_timeout_ms=20000"])
        try:
            start = time.monotonic()
            gw.signal(signal.SIGTERM)
            rc = gw.wait(t(10))
            self.assertEqual(rc, 0, gw.logs())
            self.assertLess(time.monotonic() - start, t(3), "idle gateway waited for the drain timeout")
        finally:
            gw.cleanup()

    def start_slow_streams(self, gw, words, delay_ms):
        """An HTTP and a gRPC echo stream, each ~len(words)*delay_ms long;
        returns their Background threads once both delivered a first chunk."""
        first = {"http": threading.Event(), "grpc": threading.Event()}

        def http_stream():
            def on_event(ev, _):
                first["http"].set()
                return False
            return harness.sse_request(gw.http_port, user_chat("echo", words, stream=True, echo_delay_ms=delay_ms),
                                       timeout=t(30), on_event=on_event)

        def grpc_stream():
            call = gw.grpc.chat_stream(grpc_chat("echo", words, extra_params={"echo_delay_ms": delay_ms}),
                                       timeout=t(30))
            text = []
            try:
                for c in call:
                    first["grpc"].set()
                    text += [ch.delta.content for ch in c.choices]
            except grpc.RpcError:
                pass  # call.code() says why
            return call.code(), "".join(text)

        h = harness.Background(http_stream)
        g = harness.Background(grpc_stream)
        h.start()
        g.start()
        self.assertTrue(first["http"].wait(t(10)), "no first HTTP chunk")
        self.assertTrue(first["grpc"].wait(t(10)), "no first gRPC chunk")
        return h, g

    def test_sigterm_drains_in_flight_streams(self):
        gw = harness.Gateway(extra_args=["--drain_timeout_ms=20000"])
        try:
            words = " ".join("w%d" % i for i in range(20))
            h, g = self.start_slow_streams(gw, words, 100)  # ~2 s each
            sigterm_at = time.monotonic()
            gw.signal(signal.SIGTERM)
            result = h.get(t(30))
            code, text = g.get(t(30))
            rc = gw.wait(t(30))
            # The in-flight streams completed normally, then the process
            # exited 0.
            self.assertIsNone(result.error, result.error)
            self.assertTrue(result.done(), result.raw[-300:])
            self.assertEqual(result.text(), words)
            self.assertEqual(code, grpc.StatusCode.OK)
            self.assertEqual(text, words)
            self.assertEqual(rc, 0, gw.logs())
            self.assertLess(time.monotonic() - sigterm_at, t(15))
            self.assertIsNone(gw.sanitizer_report(), gw.sanitizer_report())
            self.assertIn('"draining"', gw.stderr())
        finally:
            gw.cleanup()

    def test_drain_timeout_bounds_shutdown(self):
        gw = harness.Gateway(extra_args=["--drain_timeout_ms=1000"])
        try:
            words = " ".join("w%d" % i for i in range(100))
            h, g = self.start_slow_streams(gw, words, 100)  # ~10 s each
            sigterm_at = time.monotonic()
            gw.signal(signal.SIGTERM)
            rc = gw.wait(t(15))
            self.assertEqual(rc, 0, gw.logs())
            self.assertLess(time.monotonic() - sigterm_at, 1.0 + t(4), "drain timeout not honoured")
            # The streams were cut short, never ended as if complete.
            result = h.get(t(10))
            self.assertFalse(result.done(), "an abandoned stream ended with [DONE]")
            code, _ = g.get(t(10))
            self.assertNotEqual(code, grpc.StatusCode.OK)
        finally:
            gw.cleanup()

    def test_readyz_503_while_draining(self):
        # Load balancers and Kubernetes probe /readyz: while in-flight
        # requests drain it must answer 503 (not refuse the connection).
        gw = harness.Gateway(extra_args=["--drain_timeout_ms=20000"])
        try:
            words = " ".join("w%d" % i for i in range(20))
            h, g = self.start_slow_streams(gw, words, 100)
            gw.signal(signal.SIGTERM)
            answers = []
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline and h.is_alive():
                try:
                    conn = http.client.HTTPConnection(harness.HOST, gw.http_port, timeout=t(2))
                    conn.request("GET", "/readyz")
                    resp = conn.getresponse()
                    resp.read()
                    answers.append(resp.status)
                    conn.close()
                except OSError as e:
                    answers.append(type(e).__name__)
                if 503 in answers:
                    break
                time.sleep(0.05)
            h.get(t(30))
            g.get(t(30))
            self.assertEqual(gw.wait(t(30)), 0, gw.logs())
            self.assertIn(503, answers, "/readyz during drain answered %r (expected 503)" % sorted(set(map(str, answers))))
        finally:
            gw.cleanup()

if __name__ == "__main__":
    unittest.main()
