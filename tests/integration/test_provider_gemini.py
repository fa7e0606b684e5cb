"""Google Gemini native API end to end: client → gateway → mock Gemini
(tests/mock_upstream/gemini_dialect.cc) → back, over the OpenAI-compatible
HTTP front end and gRPC, unary and streaming, plus embeddings and errors.
The mock requires the key in `x-goog-api-key`; faults travel in the body's
"mock" object, which the adapter passes through as an extra parameter."""

import json
import os
import sys
import unittest

import grpc

# Importable both by `unittest discover -s tests/integration` and by path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import grpc_chat, metadata_dict, user_chat  # noqa: E402

STACK = None
BAD_KEY = "AIzaBadKey-" + "7" * 24
# Every client-visible error text, checked for keys at the end.
SEEN = []


def config(port):
    return """\
providers:
  - id: gemini                 # the catalogue preset, pointed at the mock
    base_url: "http://127.0.0.1:%(port)d/v1beta"
    api_key_env: GEMINI_TEST_KEY
  - id: my-gemini              # another id with the gemini adapter
    type: gemini
    base_url: "http://127.0.0.1:%(port)d/v1beta"
    api_key_env: GEMINI_TEST_KEY
  - id: gemini-badkey
    type: gemini
    base_url: "http://127.0.0.1:%(port)d/v1beta"
    api_key_env: GEMINI_BAD_KEY
models:
  - name: gem-chat
    provider: gemini
    upstream_model: gemini-2.0-flash
  - name: gem-custom
    provider: my-gemini
    upstream_model: gemini-2.5-flash
  - name: gem-embed
    provider: gemini
    upstream_model: gemini-embedding-001
  - name: gem-badkey
    provider: gemini-badkey
    upstream_model: gemini-2.0-flash
""" % {"port": port}


class GeminiStack(harness.Stack):
    def __init__(self):
        self.mock_key = harness.new_secret("AIzaMock")
        self.mock = harness.Mock(["--require_key=" + self.mock_key])
        try:
            self.gateway = harness.Gateway(config(self.mock.port),
                                           env={"GEMINI_TEST_KEY": self.mock_key, "GEMINI_BAD_KEY": BAD_KEY})
        except Exception:
            self.mock.stop()
            self.mock.cleanup()
            raise


def setUpModule():
    global STACK
    STACK = GeminiStack()


def tearDownModule():
    problem = STACK.close()
    if problem:
        raise AssertionError(problem)


WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"], "additionalProperties": False}}}


def post_chat(body, headers=None):
    status, hdrs, js, raw = STACK.gateway.post_json("/v1/chat/completions", body, headers)
    if status != 200:
        SEEN.append(raw.decode("utf-8", "replace"))
    return status, hdrs, js


def last_upstream():
    last = STACK.mock.last_request()
    return last, json.loads(last["body"])


class HttpChat(unittest.TestCase):
    def test_unary(self):
        status, headers, body = post_chat(user_chat("gem-chat", "hello gemini"))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-across-provider"), "gemini")
        self.assertEqual(body["object"], "chat.completion")
        self.assertEqual(body["model"], "gemini-2.0-flash")
        choice = body["choices"][0]
        self.assertEqual(choice["message"]["content"], "mock: hello gemini")
        self.assertEqual(choice["finish_reason"], "stop")
        self.assertEqual(body["usage"]["prompt_tokens"], 2)
        self.assertEqual(body["usage"]["completion_tokens"], 3)
        self.assertEqual(body["usage"]["total_tokens"], 5)

        last, sent = last_upstream()
        self.assertEqual(last["target"], "/v1beta/models/gemini-2.0-flash:generateContent")
        self.assertEqual(last["headers"].get("x-goog-api-key"), STACK.mock_key)
        self.assertNotIn("authorization", last["headers"])
        self.assertEqual(sent, {"contents": [{"role": "user", "parts": [{"text": "hello gemini"}]}]})

    def test_system_prompt_and_turns(self):
        status, _, body = post_chat({"model": "gem-custom", "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": "two"},
            {"role": "user", "content": "three"},
            {"role": "user", "content": "four"}],
            "temperature": 0.2, "stop": ["END"]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["choices"][0]["message"]["content"], "mock: three four")
        last, sent = last_upstream()
        self.assertEqual(last["target"], "/v1beta/models/gemini-2.5-flash:generateContent")
        # A non-preset id with type gemini still sends the key raw in x-goog-api-key.
        self.assertEqual(last["headers"].get("x-goog-api-key"), STACK.mock_key)
        self.assertEqual(sent["systemInstruction"], {"parts": [{"text": "Be terse."}]})
        self.assertEqual([c["role"] for c in sent["contents"]], ["user", "model", "user"])
        self.assertEqual(sent["contents"][2]["parts"], [{"text": "three"}, {"text": "four"}])
        self.assertEqual(sent["generationConfig"], {"temperature": 0.2, "stopSequences": ["END"]})

    def test_max_tokens_is_length(self):
        status, _, body = post_chat(user_chat("gem-chat", "a b c d e f", max_tokens=3))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["choices"][0]["finish_reason"], "length")
        self.assertEqual(body["choices"][0]["message"]["content"], "mock: a b")
        self.assertEqual(last_upstream()[1]["generationConfig"], {"maxOutputTokens": 3})

    def test_tool_call_round_trip(self):
        status, _, body = post_chat(user_chat("gem-chat", "what is the weather in Paris?",
                                              tools=[WEATHER_TOOL], tool_choice="auto"))
        self.assertEqual(status, 200, body)
        choice = body["choices"][0]
        self.assertEqual(choice["finish_reason"], "tool_calls")
        self.assertIsNone(choice["message"]["content"])
        call = choice["message"]["tool_calls"][0]
        self.assertEqual(call["id"], "call_0")
        self.assertEqual(call["function"]["name"], "get_weather")
        self.assertEqual(json.loads(call["function"]["arguments"]), {"city": "Paris"})
        sent = last_upstream()[1]
        self.assertEqual(sent["tools"], [{"functionDeclarations": [{
            "name": "get_weather", "description": "Current weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}])
        self.assertEqual(sent["toolConfig"], {"functionCallingConfig": {"mode": "AUTO"}})

        # Second leg: the call and its result go back as functionCall /
        # functionResponse parts.
        status, _, body = post_chat({"model": "gem-chat", "tools": [WEATHER_TOOL], "messages": [
            {"role": "user", "content": "what is the weather in Paris?"},
            choice["message"],
            {"role": "tool", "tool_call_id": call["id"], "content": '{"temp_c": 18}'},
            {"role": "user", "content": "thanks"}]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["choices"][0]["message"]["content"], "mock: thanks")
        sent = last_upstream()[1]
        self.assertEqual(sent["contents"][1], {"role": "model", "parts": [
            {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]})
        self.assertEqual(sent["contents"][2], {"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"temp_c": 18}}},
            {"text": "thanks"}]})

    def test_image_input(self):
        status, _, body = post_chat({"model": "gem-chat", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "describe"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["choices"][0]["message"]["content"], "mock: describe")
        self.assertEqual(last_upstream()[1]["contents"][0]["parts"], [
            {"text": "describe"},
            {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
            {"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/cat.png"}}])

    def test_stream(self):
        r = STACK.gateway.stream(user_chat("gem-chat", "hello stream world", stream=True,
                                           stream_options={"include_usage": True}))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done(), r.raw[-300:])
        chunks = r.chunks()
        self.assertEqual(r.text(), "mock: hello stream world")
        self.assertEqual(chunks[0]["choices"][0]["delta"].get("role"), "assistant")
        finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
        self.assertEqual(finishes[-1], "stop")
        self.assertEqual(chunks[-1]["choices"], [])
        self.assertEqual(chunks[-1]["usage"]["total_tokens"], 3 + 4)
        self.assertEqual(len({c["id"] for c in chunks}), 1)
        last, _ = last_upstream()
        self.assertEqual(last["target"], "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse")
        self.assertEqual(last["headers"].get("x-goog-api-key"), STACK.mock_key)

    def test_stream_tool_call(self):
        r = STACK.gateway.stream(user_chat("gem-chat", "weather in Paris please", stream=True,
                                           tools=[WEATHER_TOOL]))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done())
        calls = [tc for c in r.chunks() for ch in c["choices"] for tc in ch["delta"].get("tool_calls") or []]
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["index"], 0)
        self.assertEqual(calls[0]["id"], "call_0")
        self.assertEqual(calls[0]["function"]["name"], "get_weather")
        self.assertEqual(json.loads(calls[0]["function"]["arguments"]), {"city": "Paris"})
        self.assertEqual([c for c in r.chunks() if c["choices"]][-1]["choices"][0]["finish_reason"], "tool_calls")


class HttpEmbeddings(unittest.TestCase):
    def test_single_and_batch(self):
        status, _, body, _ = STACK.gateway.post_json("/v1/embeddings", {
            "model": "gem-embed", "input": "hello", "dimensions": 4})
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["data"]), 1)
        self.assertEqual(len(body["data"][0]["embedding"]), 4)
        last, sent = last_upstream()
        self.assertEqual(last["target"], "/v1beta/models/gemini-embedding-001:embedContent")
        self.assertEqual(sent, {"model": "models/gemini-embedding-001",
                                "content": {"parts": [{"text": "hello"}]}, "outputDimensionality": 4})

        status, _, body, _ = STACK.gateway.post_json("/v1/embeddings", {
            "model": "gem-embed", "input": ["a", "b", "c"], "encoding_format": "float"})
        self.assertEqual(status, 200, body)
        self.assertEqual([d["index"] for d in body["data"]], [0, 1, 2])
        self.assertEqual(len(body["data"][2]["embedding"]), 8)
        last, sent = last_upstream()
        self.assertEqual(last["target"], "/v1beta/models/gemini-embedding-001:batchEmbedContents")
        self.assertEqual(len(sent["requests"]), 3)
        self.assertNotIn("encoding_format", sent)


class Grpc(unittest.TestCase):
    def test_chat(self):
        resp, call = STACK.gateway.grpc.chat(grpc_chat("gem-chat", "hi over grpc"))
        self.assertEqual(resp.provider, "gemini")
        self.assertEqual(resp.choices[0].message.content, "mock: hi over grpc")
        self.assertEqual(resp.choices[0].finish_reason, 1)  # FINISH_REASON_STOP
        self.assertEqual(resp.usage.total_tokens, 3 + 4)
        self.assertEqual(metadata_dict(call.initial_metadata()).get("x-across-provider"), "gemini")

    def test_stream(self):
        chunks = list(STACK.gateway.grpc.chat_stream(grpc_chat("gem-chat", "stream over grpc")))
        text = "".join(ch.delta.content for c in chunks for ch in c.choices)
        self.assertEqual(text, "mock: stream over grpc")
        self.assertEqual([ch.finish_reason for c in chunks for ch in c.choices][-1], 1)
        self.assertEqual(len(chunks[-1].choices), 0)
        self.assertEqual(chunks[-1].usage.total_tokens, 3 + 4)

    def test_tool_call(self):
        req = grpc_chat("gem-chat", "weather?", tools=[{"type": "function", "function": {
            "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}])
        resp, _ = STACK.gateway.grpc.chat(req)
        msg = resp.choices[0].message
        self.assertEqual(resp.choices[0].finish_reason, 3)  # FINISH_REASON_TOOL_CALLS
        self.assertEqual(msg.tool_calls[0].function.name, "get_weather")
        self.assertEqual(json.loads(msg.tool_calls[0].function.arguments), {"city": "Paris"})

    def test_embed(self):
        resp, _ = STACK.gateway.grpc.embed({"model": "gem-embed", "input": ["x", "y"], "dimensions": 3})
        self.assertEqual(resp.provider, "gemini")
        self.assertEqual([len(d.embedding) for d in resp.data], [3, 3])

    def test_error(self):
        try:
            STACK.gateway.grpc.chat(grpc_chat("gem-chat", "x", extra_params={"mock": {"status": 429}}))
        except grpc.RpcError as e:
            SEEN.append(e.details() or "")
            self.assertEqual(e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
            self.assertEqual(e.details(), "gemini: mock error 429")
            self.assertEqual(metadata_dict(e.trailing_metadata()).get("x-across-error-type"), "rate_limit_error")
        else:
            self.fail("expected RESOURCE_EXHAUSTED")

    def test_stream_error_mid_stream(self):
        call = STACK.gateway.grpc.chat_stream(grpc_chat("gem-chat", "x", extra_params={
            "mock": {"stream_error": True, "words": 10}}))
        chunks = []
        with self.assertRaises(grpc.RpcError):
            for c in call:
                chunks.append(c)
        SEEN.append(call.details() or "")
        self.assertTrue(chunks, "expected the first chunk before the error")
        self.assertEqual(call.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(call.details(), "gemini: mock mid-stream error")


class Errors(unittest.TestCase):
    def test_upstream_status_mapping(self):
        for upstream, want_type in ((400, "invalid_request_error"), (403, "permission_error"),
                                    (429, "rate_limit_error"), (503, "api_error")):
            with self.subTest(upstream=upstream):
                status, _, body = post_chat(user_chat("gem-chat", "x", mock={"status": upstream}))
                if upstream < 500:
                    self.assertEqual(status, upstream, body)
                else:
                    self.assertGreaterEqual(status, 500, body)
                self.assertEqual(body["error"]["type"], want_type)
                self.assertEqual(body["error"]["message"], "gemini: mock error %d" % upstream)

    def test_retry_after(self):
        status, headers, body = post_chat(user_chat("gem-chat", "x", mock={"status": 429, "retry_after": "3"}))
        self.assertEqual(status, 429, body)
        self.assertEqual(headers.get("retry-after"), "3")

    def test_bad_key_is_401_without_the_key(self):
        status, _, body = post_chat(user_chat("gem-badkey", "x"))
        self.assertEqual(status, 401, body)
        self.assertEqual(body["error"]["type"], "authentication_error")
        self.assertEqual(body["error"]["message"], "gemini-badkey: API key not valid. Please pass a valid API key.")
        self.assertEqual(STACK.mock.last_request()["headers"].get("x-goog-api-key"), BAD_KEY)

    def test_stream_error_before_first_byte(self):
        r = STACK.gateway.stream(user_chat("gem-chat", "x", stream=True, mock={"status": 503}))
        SEEN.append(r.raw)
        self.assertGreaterEqual(r.status, 500)
        self.assertEqual(r.body_json["error"]["message"], "gemini: mock error 503")

    def test_stream_failures_end_with_an_error_event(self):
        for fault in ({"stream_error": True, "words": 10}, {"truncate": True, "words": 20},
                      {"reset": "mid_stream", "words": 20}, {"garbage": True}):
            with self.subTest(fault=fault):
                r = STACK.gateway.stream(user_chat("gem-chat", "x", stream=True, mock=fault))
                SEEN.append(r.raw)
                self.assertFalse(r.done(), r.raw[-300:])
                if r.headers.get("content-type", "").startswith("text/event-stream"):
                    errors = [e for e in r.events if e["event"] == "error"]
                    self.assertEqual(len(errors), 1, r.raw[-300:])
                    msg = json.loads(errors[0]["data"])["error"]["message"]
                else:
                    self.assertGreaterEqual(r.status, 500, r.raw)
                    msg = r.body_json["error"]["message"]
                self.assertTrue(msg.startswith("gemini: "), msg)

    def test_invalid_request_is_400_before_upstream(self):
        STACK.mock.reset()
        status, _, body = post_chat({"model": "gem-chat", "messages": [
            {"role": "user", "content": "x"}, {"role": "tool", "tool_call_id": "nope", "content": "1"}]})
        self.assertEqual(status, 400, body)
        self.assertTrue(body["error"]["message"].startswith("gemini: "), body)
        self.assertEqual(STACK.mock.stats()["requests"], 0)


class ZKeyNeverLeaks(unittest.TestCase):
    def test_keys_never_logged_or_returned(self):
        # Runs last (classes load in name order).
        for key in (STACK.mock_key, BAD_KEY):
            for text in SEEN:
                self.assertNotIn(key, text)
            self.assertNotIn(key, STACK.gateway.stdout())
            self.assertNotIn(key, STACK.gateway.stderr())
            self.assertNotIn(key, STACK.gateway.metrics())


if __name__ == "__main__":
    unittest.main()
