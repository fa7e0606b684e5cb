"""Cohere v2 end to end: client → gateway → mock Cohere (/v2/chat SSE events,
/v2/embed) → back, over the OpenAI-compatible HTTP API and gRPC: unary and
streamed chat, tool calls (parallel ones streamed), stop reasons, usage,
embeddings, upstream errors before and during a stream, and the request the
adapter actually sent (path, Bearer key, body)."""

import json
import unittest

import grpc

import harness
from harness import grpc_chat, metadata_dict, user_chat

STACK = None

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"]},
    },
}


def config(port):
    # "cohere" is a catalogue id: type and key variable come from the preset,
    # the base URL is pointed at the mock. "cohere-badkey" sends a wrong key.
    return """\
providers:
  - id: cohere
    base_url: "http://127.0.0.1:%(port)d/v2"
    api_key_env: MOCK_KEY
  - id: cohere-badkey
    type: cohere
    base_url: "http://127.0.0.1:%(port)d/v2"
    api_key_env: BAD_KEY
models:
  - name: co-chat
    provider: cohere
    upstream_model: command-a-03-2025
  - name: co-embed
    provider: cohere
    upstream_model: embed-v4.0
  - name: co-bad
    provider: cohere-badkey
    upstream_model: command-a-03-2025
""" % {"port": port}


class CohereStack(harness.Stack):
    """The mock (requiring a key) and a gateway configured for Cohere."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.mock_key = harness.new_secret("co")
        self.bad_key = harness.new_secret("co-wrong")
        self.mock = harness.Mock(["--require_key=" + self.mock_key])
        try:
            self.gateway = harness.Gateway(
                config(self.mock.port),
                env={"MOCK_KEY": self.mock_key, "BAD_KEY": self.bad_key})
        except Exception:
            self.mock.stop()
            self.mock.cleanup()
            raise


def setUpModule():
    global STACK
    STACK = CohereStack()


def tearDownModule():
    problem = STACK.close()
    if problem:
        raise AssertionError(problem)


def chat(body, headers=None):
    status, hdrs, js, raw = STACK.gateway.post_json("/v1/chat/completions", body, headers)
    return status, hdrs, js, raw.decode("utf-8", "replace")


def last_upstream():
    req = STACK.mock.last_request()
    return req, json.loads(req["body"])


class HttpChat(unittest.TestCase):
    def test_unary(self):
        status, headers, body, raw = chat(user_chat("co-chat", "hello there", top_p=0.5,
                                                    max_tokens=50, stop=["zzz"]))
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers.get("x-across-provider"), "cohere")
        self.assertEqual(body["object"], "chat.completion")
        self.assertEqual(body["model"], "command-a-03-2025")
        choice = body["choices"][0]
        self.assertEqual(choice["message"]["role"], "assistant")
        self.assertEqual(choice["message"]["content"], "mock: hello there")
        self.assertEqual(choice["finish_reason"], "stop")
        # Billed units (not "tokens", which adds Cohere's own preamble).
        self.assertEqual(body["usage"]["prompt_tokens"], 2)
        self.assertEqual(body["usage"]["completion_tokens"], 3)
        self.assertEqual(body["usage"]["total_tokens"], 5)

        req, sent = last_upstream()
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["target"], "/v2/chat")
        self.assertEqual(req["headers"]["authorization"], "Bearer " + STACK.mock_key)
        self.assertEqual(sent["model"], "command-a-03-2025")
        self.assertEqual(sent["messages"], [{"role": "user", "content": "hello there"}])
        self.assertEqual(sent["p"], 0.5)
        self.assertEqual(sent["max_tokens"], 50)
        self.assertEqual(sent["stop_sequences"], ["zzz"])
        self.assertNotIn("top_p", sent)
        self.assertNotIn("stream", sent)

    def test_stop_reasons(self):
        status, _, body, raw = chat(user_chat("co-chat", "one two three four", max_tokens=2))
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["choices"][0]["finish_reason"], "length")
        self.assertEqual(body["choices"][0]["message"]["content"], "mock: one")
        status, _, body, raw = chat(user_chat("co-chat", "alpha beta gamma", stop=[" gamma"]))
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["choices"][0]["finish_reason"], "stop")
        self.assertEqual(body["choices"][0]["message"]["content"], "mock: alpha beta")

    def test_system_prompt_and_multi_turn(self):
        body = {"model": "co-chat", "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": [{"type": "text", "text": "second"},
                                         {"type": "image_url",
                                          "image_url": {"url": "data:image/png;base64,AAAA"}}]},
        ]}
        status, _, resp, raw = chat(body)
        self.assertEqual(status, 200, raw)
        self.assertEqual(resp["choices"][0]["message"]["content"], "mock: second")
        _, sent = last_upstream()
        self.assertEqual([m["role"] for m in sent["messages"]], ["system", "user", "assistant", "user"])
        self.assertEqual(sent["messages"][3]["content"][1],
                         {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}})

    def test_tool_call_round_trip(self):
        status, _, body, raw = chat(user_chat("co-chat", "what is the weather?",
                                              tools=[WEATHER_TOOL], tool_choice="required"))
        self.assertEqual(status, 200, raw)
        choice = body["choices"][0]
        self.assertEqual(choice["finish_reason"], "tool_calls")
        self.assertIsNone(choice["message"]["content"])
        calls = choice["message"]["tool_calls"]
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["type"], "function")
        self.assertEqual(calls[0]["function"], {"name": "get_weather", "arguments": '{"city":"Paris"}'})
        _, sent = last_upstream()
        self.assertEqual(sent["tool_choice"], "REQUIRED")
        self.assertEqual(sent["tools"][0]["function"]["name"], "get_weather")

        follow = {"model": "co-chat", "tools": [WEATHER_TOOL], "messages": [
            {"role": "user", "content": "what is the weather?"},
            {"role": "assistant", "content": None, "tool_calls": calls},
            {"role": "tool", "tool_call_id": calls[0]["id"], "content": "sunny"},
            {"role": "user", "content": "thanks"},
        ]}
        status, _, body, raw = chat(follow)
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["choices"][0]["message"]["content"], "mock: thanks")
        _, sent = last_upstream()
        self.assertEqual(sent["messages"][1]["tool_calls"][0]["id"], calls[0]["id"])
        self.assertEqual(sent["messages"][2],
                         {"role": "tool", "tool_call_id": calls[0]["id"], "content": "sunny"})

    def test_stream(self):
        r = STACK.gateway.stream(user_chat("co-chat", "stream me please", stream=True,
                                           stream_options={"include_usage": True}))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done(), r.raw[-300:])
        self.assertEqual(r.text(), "mock: stream me please")
        chunks = r.chunks()
        self.assertEqual(chunks[0]["choices"][0]["delta"]["role"], "assistant")
        finish = [c for c in chunks if c["choices"] and c["choices"][0].get("finish_reason")]
        self.assertEqual([c["choices"][0]["finish_reason"] for c in finish], ["stop"])
        self.assertEqual(chunks[-1]["choices"], [])
        self.assertEqual(chunks[-1]["usage"]["prompt_tokens"], 3)
        self.assertEqual(chunks[-1]["usage"]["completion_tokens"], 4)
        ids = {c["id"] for c in chunks}
        self.assertEqual(len(ids), 1, ids)
        _, sent = last_upstream()
        self.assertIs(sent["stream"], True)

    def test_stream_parallel_tool_calls(self):
        r = STACK.gateway.stream(user_chat("co-chat", "weather in parallel please", stream=True,
                                           tools=[WEATHER_TOOL]))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done(), r.raw[-300:])
        calls = {}
        for c in r.chunks():
            for ch in c["choices"]:
                for tc in ch["delta"].get("tool_calls") or []:
                    call = calls.setdefault(tc["index"], {"id": "", "name": "", "arguments": ""})
                    call["id"] += tc.get("id") or ""
                    call["name"] += (tc.get("function") or {}).get("name") or ""
                    call["arguments"] += (tc.get("function") or {}).get("arguments") or ""
        self.assertEqual(sorted(calls), [0, 1])
        self.assertEqual(json.loads(calls[0]["arguments"]), {"city": "Paris"})
        self.assertEqual(json.loads(calls[1]["arguments"]), {"city": "London"})
        self.assertTrue(calls[0]["id"] and calls[1]["id"] and calls[0]["id"] != calls[1]["id"])
        self.assertEqual(calls[1]["name"], "get_weather")
        finish = [c["choices"][0]["finish_reason"] for c in r.chunks()
                  if c["choices"] and c["choices"][0].get("finish_reason")]
        self.assertEqual(finish, ["tool_calls"])


class HttpEmbeddings(unittest.TestCase):
    def test_embeddings(self):
        status, _, body, raw = STACK.gateway.post_json(
            "/v1/embeddings", {"model": "co-embed", "input": ["one two", "three"], "dimensions": 4})
        self.assertEqual(status, 200, raw)
        self.assertEqual([d["index"] for d in body["data"]], [0, 1])
        self.assertEqual([len(d["embedding"]) for d in body["data"]], [4, 4])
        self.assertEqual(body["usage"]["prompt_tokens"], 3)
        req, sent = last_upstream()
        self.assertEqual(req["target"], "/v2/embed")
        self.assertEqual(sent, {"model": "embed-v4.0", "texts": ["one two", "three"],
                                "input_type": "search_document", "embedding_types": ["float"],
                                "output_dimension": 4})

    def test_input_type_override(self):
        status, _, _, raw = STACK.gateway.post_json(
            "/v1/embeddings", {"model": "co-embed", "input": "q", "input_type": "search_query"})
        self.assertEqual(status, 200, raw)
        _, sent = last_upstream()
        self.assertEqual(sent["input_type"], "search_query")


class Grpc(unittest.TestCase):
    def test_unary(self):
        resp, call = STACK.gateway.grpc.chat(grpc_chat("co-chat", "hi grpc"))
        self.assertEqual(resp.provider, "cohere")
        self.assertEqual(resp.choices[0].message.content, "mock: hi grpc")
        self.assertEqual(resp.choices[0].finish_reason, 1)  # FINISH_REASON_STOP
        self.assertEqual(resp.usage.total_tokens, 5)

    def test_stream(self):
        chunks = list(STACK.gateway.grpc.chat_stream(grpc_chat("co-chat", "grpc stream")))
        text = "".join(ch.delta.content for c in chunks for ch in c.choices)
        self.assertEqual(text, "mock: grpc stream")
        self.assertTrue(all(c.provider == "cohere" for c in chunks))
        self.assertEqual(chunks[-1].usage.completion_tokens, 3)

    def test_embed(self):
        resp, _ = STACK.gateway.grpc.embed({"model": "co-embed", "input": ["a", "b c"]})
        self.assertEqual(len(resp.data), 2)
        self.assertEqual(len(resp.data[0].embedding), 8)
        self.assertEqual(resp.usage.prompt_tokens, 3)

    def test_errors(self):
        with self.assertRaises(grpc.RpcError) as cm:
            STACK.gateway.grpc.chat(grpc_chat("co-chat", "x", extra_params={"mock": {"status": 429}}))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertEqual(cm.exception.details(), "cohere: mock error 429")
        trailers = metadata_dict(cm.exception.trailing_metadata())
        self.assertEqual(trailers.get("x-across-error-type"), "rate_limit_error")

        call = STACK.gateway.grpc.chat_stream(
            grpc_chat("co-chat", "x", extra_params={"mock": {"stream_error": True, "words": 5}}))
        got = []
        with self.assertRaises(grpc.RpcError):
            for c in call:
                got.append(c)
        self.assertEqual(call.code(), grpc.StatusCode.UNAVAILABLE, call.details())
        self.assertTrue(call.details().startswith("cohere: "), call.details())
        self.assertIn("mock mid-stream error", call.details())
        self.assertTrue(got, "chunks before the error were delivered")


class Errors(unittest.TestCase):
    def test_status_before_output(self):
        status, headers, body, raw = chat(user_chat("co-chat", "x", mock={"status": 429, "retry_after": "3"}))
        self.assertEqual(status, 429, raw)
        self.assertEqual(body["error"]["type"], "rate_limit_error")
        self.assertEqual(body["error"]["message"], "cohere: mock error 429")
        status, _, body, raw = chat(user_chat("co-chat", "x", mock={"status": 400}))
        self.assertEqual(status, 400, raw)
        self.assertEqual(body["error"]["message"], "cohere: mock error 400")

    def test_mid_stream_error_event(self):
        r = STACK.gateway.stream(user_chat("co-chat", "x", stream=True,
                                           mock={"stream_error": True, "words": 5}))
        self.assertEqual(r.status, 200, r.raw)
        self.assertFalse(r.done())
        errors = [e for e in r.events if e["event"] == "error"]
        self.assertEqual(len(errors), 1, r.raw[-500:])
        message = json.loads(errors[0]["data"])["error"]["message"]
        self.assertTrue(message.startswith("cohere: "), message)
        self.assertIn("mock mid-stream error", message)
        self.assertTrue(r.text(), "content before the error was delivered")

    def test_wrong_key(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                body = user_chat("co-bad", "x")
                if stream:
                    r = STACK.gateway.stream(dict(body, stream=True))
                    status, err, raw = r.status, (r.body_json or {}).get("error", {}), r.raw
                else:
                    status, _, js, raw = chat(body)
                    err = js["error"]
                self.assertEqual(status, 401, raw)
                self.assertEqual(err["type"], "authentication_error")
                self.assertEqual(err["message"], "cohere-badkey: invalid api token")
                self.assertNotIn(STACK.bad_key, raw)


if __name__ == "__main__":
    unittest.main()
