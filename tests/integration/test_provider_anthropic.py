"""Anthropic Messages end to end: client → gateway → mock Anthropic
(POST /v1/messages, x-api-key, anthropic-version, named SSE events) → back,
over the OpenAI-compatible HTTP API and gRPC: unary and streamed chat, system
prompts, tool calls (parallel ones streamed) and tool results, images, stop
sequences, max-tokens stops, usage with cache reads, upstream errors before
and during a stream, and the request the adapter actually sent."""

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

PIXEL = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E"
         "rkJggg==")


def config(port):
    # "anthropic" is a catalogue id: type, key variable and the x-api-key
    # header come from the preset, the base URL points at the mock.
    # "claude-proxy" is a custom id of type anthropic (the loader still picks
    # x-api-key) with its own API version and max_tokens default.
    return """\
providers:
  - id: anthropic
    base_url: "http://127.0.0.1:%(port)d/v1"
    api_key_env: MOCK_KEY
  - id: claude-proxy
    type: anthropic
    base_url: "http://127.0.0.1:%(port)d/v1"
    api_key_env: MOCK_KEY
    api_version: "2024-10-22"
    default_max_tokens: 3
  - id: anthropic-badkey
    type: anthropic
    base_url: "http://127.0.0.1:%(port)d/v1"
    api_key_env: BAD_KEY
models:
  - name: claude
    provider: anthropic
    upstream_model: claude-sonnet-4-5
  - name: claude-proxy
    provider: claude-proxy
    upstream_model: claude-haiku-4-5
  - name: claude-bad
    provider: anthropic-badkey
    upstream_model: claude-sonnet-4-5
""" % {"port": port}


class AnthropicStack(harness.Stack):
    """The mock (requiring a key) and a gateway configured for Anthropic."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.mock_key = harness.new_secret("sk-ant")
        self.bad_key = harness.new_secret("sk-ant-wrong")
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
    STACK = AnthropicStack()


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


def stream_calls(result):
    """Tool calls reassembled from streamed deltas, by index."""
    calls = {}
    for c in result.chunks():
        for ch in c["choices"]:
            for tc in ch["delta"].get("tool_calls") or []:
                call = calls.setdefault(tc["index"], {"id": "", "name": "", "arguments": ""})
                call["id"] += tc.get("id") or ""
                call["name"] += (tc.get("function") or {}).get("name") or ""
                call["arguments"] += (tc.get("function") or {}).get("arguments") or ""
    return calls


def finish_reasons(result):
    return [c["choices"][0]["finish_reason"] for c in result.chunks()
            if c["choices"] and c["choices"][0].get("finish_reason")]


class HttpChat(unittest.TestCase):
    def test_unary_with_system_prompt(self):
        body = {"model": "claude", "temperature": 0.5, "user": "u-42", "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hello there"},
        ]}
        status, headers, resp, raw = chat(body)
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers.get("x-across-provider"), "anthropic")
        self.assertEqual(resp["object"], "chat.completion")
        self.assertEqual(resp["model"], "claude-sonnet-4-5")
        self.assertTrue(resp["id"].startswith("msg_mock_"), resp["id"])
        self.assertGreater(resp["created"], 1600000000)
        choice = resp["choices"][0]
        self.assertEqual(choice["message"]["role"], "assistant")
        self.assertEqual(choice["message"]["content"], "mock: hello there")
        self.assertEqual(choice["finish_reason"], "stop")
        self.assertEqual(resp["usage"]["prompt_tokens"], 4)  # system + user words
        self.assertEqual(resp["usage"]["completion_tokens"], 3)
        self.assertEqual(resp["usage"]["total_tokens"], 7)

        req, sent = last_upstream()
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["target"], "/v1/messages")
        self.assertEqual(req["headers"]["x-api-key"], STACK.mock_key)
        self.assertEqual(req["headers"]["anthropic-version"], "2023-06-01")
        self.assertNotIn("authorization", req["headers"])
        self.assertEqual(sent, {
            "model": "claude-sonnet-4-5",
            "max_tokens": 4096,
            "system": "be brief",
            "messages": [{"role": "user", "content": "hello there"}],
            "temperature": 0.5,
            "metadata": {"user_id": "u-42"},
        })

    def test_multi_turn_merges_same_role_turns(self):
        body = {"model": "claude", "messages": [
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {"role": "developer", "content": "answer in one word"},
            {"role": "user", "content": "second"},
            {"role": "user", "content": [{"type": "text", "text": "third"}]},
        ]}
        status, _, resp, raw = chat(body)
        self.assertEqual(status, 200, raw)
        self.assertEqual(resp["choices"][0]["message"]["content"], "mock: second third")
        _, sent = last_upstream()
        self.assertEqual(sent["system"], "answer in one word")
        self.assertEqual([m["role"] for m in sent["messages"]], ["user", "assistant", "user"])
        self.assertEqual(sent["messages"][2]["content"],
                         [{"type": "text", "text": "second"}, {"type": "text", "text": "third"}])

    def test_stop_reasons(self):
        status, _, resp, raw = chat(user_chat("claude", "one two three four", max_tokens=2))
        self.assertEqual(status, 200, raw)
        self.assertEqual(resp["choices"][0]["finish_reason"], "length")
        self.assertEqual(resp["choices"][0]["message"]["content"], "mock: one")
        _, sent = last_upstream()
        self.assertEqual(sent["max_tokens"], 2)

        status, _, resp, raw = chat(user_chat("claude", "alpha beta END gamma", stop=["END"]))
        self.assertEqual(status, 200, raw)
        self.assertEqual(resp["choices"][0]["finish_reason"], "stop")
        self.assertEqual(resp["choices"][0]["message"]["content"], "mock: alpha beta ")
        _, sent = last_upstream()
        self.assertEqual(sent["stop_sequences"], ["END"])

    def test_image_input(self):
        body = {"model": "claude", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + PIXEL}},
            {"type": "image_url", "image_url": {"url": "https://example.com/ant.jpg"}},
            {"type": "text", "text": "describe"},
        ]}]}
        status, _, resp, raw = chat(body)
        self.assertEqual(status, 200, raw)
        self.assertEqual(resp["choices"][0]["message"]["content"], "mock: describe")
        _, sent = last_upstream()
        self.assertEqual(sent["messages"][0]["content"], [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PIXEL}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/ant.jpg"}},
            {"type": "text", "text": "describe"},
        ])

        bad = {"model": "claude", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "ftp://example.com/ant.jpg"}}]}]}
        status, _, resp, raw = chat(bad)
        self.assertEqual(status, 400, raw)
        self.assertTrue(resp["error"]["message"].startswith("anthropic: "), raw)
        self.assertEqual(resp["error"]["param"], "messages[0].content[0].image_url.url")

    def test_tool_call_round_trip(self):
        status, _, resp, raw = chat(user_chat("claude", "what is the weather?",
                                              tools=[WEATHER_TOOL], tool_choice="required",
                                              parallel_tool_calls=False))
        self.assertEqual(status, 200, raw)
        choice = resp["choices"][0]
        self.assertEqual(choice["finish_reason"], "tool_calls")
        self.assertIsNone(choice["message"]["content"])
        calls = choice["message"]["tool_calls"]
        self.assertEqual(len(calls), 1)
        self.assertTrue(calls[0]["id"].startswith("toolu_mock_"), calls)
        self.assertEqual(calls[0]["type"], "function")
        self.assertEqual(calls[0]["function"], {"name": "get_weather", "arguments": '{"city":"Paris"}'})
        _, sent = last_upstream()
        self.assertEqual(sent["tool_choice"], {"type": "any", "disable_parallel_tool_use": True})
        self.assertEqual(sent["tools"], [{
            "name": "get_weather", "description": "Weather for a city",
            "input_schema": WEATHER_TOOL["function"]["parameters"]}])

        follow = {"model": "claude", "tools": [WEATHER_TOOL], "messages": [
            {"role": "user", "content": "what is the weather?"},
            {"role": "assistant", "content": None, "tool_calls": calls},
            {"role": "tool", "tool_call_id": calls[0]["id"], "content": "18C and sunny"},
        ]}
        status, _, resp, raw = chat(follow)
        self.assertEqual(status, 200, raw)
        self.assertEqual(resp["choices"][0]["message"]["content"], "mock: 18C and sunny")
        self.assertEqual(resp["choices"][0]["finish_reason"], "stop")
        _, sent = last_upstream()
        self.assertEqual(sent["messages"][1], {"role": "assistant", "content": [
            {"type": "tool_use", "id": calls[0]["id"], "name": "get_weather", "input": {"city": "Paris"}}]})
        self.assertEqual(sent["messages"][2], {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": calls[0]["id"], "content": "18C and sunny"}]})

    def test_stream(self):
        r = STACK.gateway.stream(user_chat("claude", "stream me please", stream=True,
                                           stream_options={"include_usage": True}))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done(), r.raw[-300:])
        self.assertEqual(r.text(), "mock: stream me please")
        chunks = r.chunks()
        self.assertEqual(chunks[0]["choices"][0]["delta"]["role"], "assistant")
        self.assertEqual(finish_reasons(r), ["stop"])
        self.assertEqual(chunks[-1]["choices"], [])
        self.assertEqual(chunks[-1]["usage"]["prompt_tokens"], 3)
        self.assertEqual(chunks[-1]["usage"]["completion_tokens"], 4)
        self.assertEqual(chunks[-1]["usage"]["total_tokens"], 7)
        ids = {c["id"] for c in chunks}
        self.assertEqual(len(ids), 1, ids)
        self.assertTrue(ids.pop().startswith("msg_mock_"))
        req, sent = last_upstream()
        self.assertIs(sent["stream"], True)
        self.assertEqual(req["headers"]["accept"], "text/event-stream")

        # Without include_usage the client gets no usage chunk.
        r = STACK.gateway.stream(user_chat("claude", "quiet", stream=True))
        self.assertTrue(r.done(), r.raw[-300:])
        self.assertTrue(all(c["choices"] for c in r.chunks()))

    def test_stream_parallel_tool_calls(self):
        r = STACK.gateway.stream(user_chat("claude", "weather twice please", stream=True,
                                           tools=[WEATHER_TOOL]))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done(), r.raw[-300:])
        # The text block comes first; tool calls are numbered among
        # themselves (content blocks 1 and 2 → tool calls 0 and 1).
        self.assertEqual(r.text(), "Checking both cities.")
        calls = stream_calls(r)
        self.assertEqual(sorted(calls), [0, 1])
        self.assertEqual(json.loads(calls[0]["arguments"]), {"city": "Paris"})
        self.assertEqual(json.loads(calls[1]["arguments"]), {"city": "London"})
        self.assertTrue(calls[0]["id"].startswith("toolu_mock_"), calls)
        self.assertNotEqual(calls[0]["id"], calls[1]["id"])
        self.assertEqual([calls[0]["name"], calls[1]["name"]], ["get_weather", "get_weather"])
        self.assertEqual(finish_reasons(r), ["tool_calls"])

    def test_cache_usage_and_extra_params(self):
        # Provider-specific fields pass through: a cache_control'd system
        # array and top_k. The mock counts cache_control'd words as cache reads.
        body = user_chat("claude", "summarize", top_k=5, system=[
            {"type": "text", "text": "a long shared document here",
             "cache_control": {"type": "ephemeral"}}])
        status, _, resp, raw = chat(body)
        self.assertEqual(status, 200, raw)
        self.assertEqual(resp["usage"]["prompt_tokens"], 6)  # 1 input + 5 cached
        self.assertEqual(resp["usage"]["prompt_tokens_details"]["cached_tokens"], 5)
        _, sent = last_upstream()
        self.assertEqual(sent["top_k"], 5)
        self.assertEqual(sent["system"][0]["cache_control"], {"type": "ephemeral"})

    def test_custom_id_provider(self):
        status, headers, resp, raw = chat(user_chat("claude-proxy", "one two three four five"))
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers.get("x-across-provider"), "claude-proxy")
        self.assertEqual(resp["choices"][0]["finish_reason"], "length")  # default_max_tokens: 3
        req, sent = last_upstream()
        self.assertEqual(req["headers"]["x-api-key"], STACK.mock_key)
        self.assertNotIn("authorization", req["headers"])
        self.assertEqual(req["headers"]["anthropic-version"], "2024-10-22")
        self.assertEqual(sent["max_tokens"], 3)
        self.assertEqual(sent["model"], "claude-haiku-4-5")

    def test_embeddings_unsupported(self):
        status, _, body, raw = STACK.gateway.post_json("/v1/embeddings", {"model": "claude", "input": "x"})
        self.assertEqual(status, 501, raw)
        self.assertEqual(body["error"]["message"], "anthropic: embeddings are not supported")


class Grpc(unittest.TestCase):
    def test_unary(self):
        resp, call = STACK.gateway.grpc.chat(grpc_chat("claude", "hi grpc"))
        self.assertEqual(resp.provider, "anthropic")
        self.assertEqual(resp.model, "claude-sonnet-4-5")
        self.assertEqual(resp.choices[0].message.content, "mock: hi grpc")
        self.assertEqual(resp.choices[0].finish_reason, 1)  # FINISH_REASON_STOP
        self.assertEqual(resp.usage.prompt_tokens, 2)
        self.assertEqual(resp.usage.total_tokens, 5)
        self.assertEqual(metadata_dict(call.initial_metadata()).get("x-across-provider"), "anthropic")

    def test_stream(self):
        chunks = list(STACK.gateway.grpc.chat_stream(grpc_chat("claude", "grpc stream")))
        text = "".join(ch.delta.content for c in chunks for ch in c.choices)
        self.assertEqual(text, "mock: grpc stream")
        self.assertTrue(all(c.provider == "anthropic" for c in chunks))
        self.assertEqual(chunks[-1].usage.completion_tokens, 3)
        self.assertEqual(chunks[-1].usage.prompt_tokens, 2)

    def test_stream_tool_calls(self):
        req = grpc_chat("claude", "weather twice", tools=[{
            "type": "function", "function": {"name": "get_weather",
                                             "parameters": {"type": "object"}}}])
        chunks = list(STACK.gateway.grpc.chat_stream(req))
        args = {}
        for c in chunks:
            for ch in c.choices:
                for tc in ch.delta.tool_calls:
                    args[tc.index] = args.get(tc.index, "") + tc.function.arguments
        self.assertEqual({k: json.loads(v) for k, v in args.items()},
                         {0: {"city": "Paris"}, 1: {"city": "London"}})
        finish = [ch.finish_reason for c in chunks for ch in c.choices if ch.finish_reason]
        self.assertEqual(finish, [3])  # FINISH_REASON_TOOL_CALLS

    def test_embed_unimplemented(self):
        with self.assertRaises(grpc.RpcError) as cm:
            STACK.gateway.grpc.embed({"model": "claude", "input": ["a"]})
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNIMPLEMENTED)
        self.assertEqual(cm.exception.details(), "anthropic: embeddings are not supported")

    def test_errors(self):
        with self.assertRaises(grpc.RpcError) as cm:
            STACK.gateway.grpc.chat(grpc_chat("claude", "x", extra_params={"mock": {"status": 429}}))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertEqual(cm.exception.details(), "anthropic: mock error 429")
        trailers = metadata_dict(cm.exception.trailing_metadata())
        self.assertEqual(trailers.get("x-across-error-type"), "rate_limit_error")

        call = STACK.gateway.grpc.chat_stream(
            grpc_chat("claude", "x", extra_params={"mock": {"stream_error": True, "words": 5}}))
        got = []
        with self.assertRaises(grpc.RpcError):
            for c in call:
                got.append(c)
        self.assertEqual(call.code(), grpc.StatusCode.UNAVAILABLE, call.details())
        self.assertEqual(call.details(), "anthropic: mock mid-stream error")
        self.assertTrue(got, "chunks before the error were delivered")


class Errors(unittest.TestCase):
    def test_status_before_output(self):
        status, headers, body, raw = chat(user_chat("claude", "x", mock={"status": 429, "retry_after": "3"}))
        self.assertEqual(status, 429, raw)
        self.assertEqual(body["error"]["type"], "rate_limit_error")
        self.assertEqual(body["error"]["message"], "anthropic: mock error 429")
        status, _, body, raw = chat(user_chat("claude", "x", mock={"status": 400}))
        self.assertEqual(status, 400, raw)
        self.assertEqual(body["error"]["type"], "invalid_request_error")
        self.assertEqual(body["error"]["message"], "anthropic: mock error 400")

    def test_overloaded_becomes_503(self):
        status, _, body, raw = chat(user_chat("claude", "x", mock={"status": 529}))
        self.assertEqual(status, 503, raw)
        self.assertEqual(body["error"]["type"], "api_error")
        self.assertEqual(body["error"]["code"], "overloaded_error")
        self.assertEqual(body["error"]["message"], "anthropic: mock error 529")

    def test_mid_stream_error_event(self):
        r = STACK.gateway.stream(user_chat("claude", "x", stream=True,
                                           mock={"stream_error": True, "words": 5}))
        self.assertEqual(r.status, 200, r.raw)
        self.assertFalse(r.done())
        errors = [e for e in r.events if e["event"] == "error"]
        self.assertEqual(len(errors), 1, r.raw[-500:])
        self.assertIs(r.events[-1], errors[0])
        message = json.loads(errors[0]["data"])["error"]["message"]
        self.assertEqual(message, "anthropic: mock mid-stream error")
        self.assertTrue(r.text(), "content before the error was delivered")

    def test_truncated_and_garbage_streams_fail(self):
        for fault in ({"truncate": True, "words": 20}, {"garbage": True}):
            with self.subTest(fault=fault):
                r = STACK.gateway.stream(user_chat("claude", "x", stream=True, mock=fault))
                self.assertFalse(r.done(), r.raw[-300:])
                if r.headers.get("content-type", "").startswith("text/event-stream"):
                    errors = [e for e in r.events if e["event"] == "error"]
                    self.assertEqual(len(errors), 1, r.raw[-500:])
                    message = json.loads(errors[0]["data"])["error"]["message"]
                else:
                    self.assertGreaterEqual(r.status, 500, r.raw)
                    message = r.body_json["error"]["message"]
                self.assertTrue(message.startswith("anthropic: "), message)

    def test_wrong_key(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                body = user_chat("claude-bad", "x")
                if stream:
                    r = STACK.gateway.stream(dict(body, stream=True))
                    status, err, raw = r.status, (r.body_json or {}).get("error", {}), r.raw
                else:
                    status, _, js, raw = chat(body)
                    err = js["error"]
                self.assertEqual(status, 401, raw)
                self.assertEqual(err["type"], "authentication_error")
                self.assertEqual(err["message"], "anthropic-badkey: invalid x-api-key")
                self.assertNotIn(STACK.bad_key, raw)


if __name__ == "__main__":
    unittest.main()
