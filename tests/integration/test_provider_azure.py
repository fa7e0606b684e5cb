"""Azure OpenAI end to end: client → gateway → mock Azure → back, over the
OpenAI-compatible HTTP API and gRPC. Covers both URL layouts (deployments
with api-version, and /openai/v1), both auth styles (api-key, Entra ID
bearer), streaming past Azure's prompt-annotation chunk, content filtering
(prompt: 400 code content_filter; completion: finish_reason content_filter),
embeddings and upstream errors."""

import json
import unittest

import grpc

import harness
from harness import grpc_chat, metadata_dict, user_chat

STACK = None
API_VERSION = "2024-10-21"


def config(port):
    return """\
providers:
  - id: azure
    type: azure-openai
    base_url: "http://127.0.0.1:%(port)d"
    api_key_env: MOCK_KEY
    api_version: "%(version)s"
  - id: azure-v1
    type: azure-openai
    base_url: "http://127.0.0.1:%(port)d/openai/v1"
    api_key_env: MOCK_KEY
  - id: azure-entra
    type: azure-openai
    base_url: "http://127.0.0.1:%(port)d"
    api_key_env: MOCK_KEY
    auth_header: authorization
  - id: azure-badkey
    type: azure-openai
    base_url: "http://127.0.0.1:%(port)d"
    api_key_env: BAD_KEY
models:
  - name: az-chat
    provider: azure
    upstream_model: gpt-4o-prod
  - name: az-v1
    provider: azure-v1
    upstream_model: gpt-4o-prod
  - name: az-entra
    provider: azure-entra
    upstream_model: gpt-4o-prod
  - name: az-bad
    provider: azure-badkey
    upstream_model: gpt-4o-prod
  - name: az-embed
    provider: azure
    upstream_model: embed-prod
""" % {"port": port, "version": API_VERSION}


class AzureStack(harness.Stack):
    """The mock (requiring a key) and a gateway configured for Azure."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.mock_key = harness.new_secret("az")
        self.bad_key = harness.new_secret("az-wrong")
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
    STACK = AzureStack()


def tearDownModule():
    problem = STACK.close()
    if problem:
        raise AssertionError(problem)


def chat(body):
    status, hdrs, js, raw = STACK.gateway.post_json("/v1/chat/completions", body)
    return status, hdrs, js, raw.decode("utf-8", "replace")


def last_upstream():
    req = STACK.mock.last_request()
    return req, json.loads(req["body"])


DEPLOYMENT_CHAT = "/openai/deployments/gpt-4o-prod/chat/completions?api-version=" + API_VERSION


class Layouts(unittest.TestCase):
    def test_deployments_layout_with_api_key(self):
        status, headers, body, raw = chat(user_chat("az-chat", "hello azure"))
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers.get("x-across-provider"), "azure")
        self.assertEqual(body["choices"][0]["message"]["content"], "mock: hello azure")
        self.assertEqual(body["choices"][0]["finish_reason"], "stop")
        self.assertEqual(body["usage"]["total_tokens"], 5)
        req, sent = last_upstream()
        self.assertEqual(req["target"], DEPLOYMENT_CHAT)
        self.assertEqual(req["headers"]["api-key"], STACK.mock_key)
        self.assertNotIn("authorization", req["headers"])
        self.assertEqual(sent["model"], "gpt-4o-prod")
        self.assertEqual(sent["messages"], [{"role": "user", "content": "hello azure"}])

    def test_v1_layout(self):
        status, _, body, raw = chat(user_chat("az-v1", "hello v1"))
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["choices"][0]["message"]["content"], "mock: hello v1")
        req, sent = last_upstream()
        self.assertEqual(req["target"], "/openai/v1/chat/completions")
        self.assertEqual(sent["model"], "gpt-4o-prod")
        self.assertEqual(req["headers"]["api-key"], STACK.mock_key)

    def test_entra_bearer_token(self):
        status, _, _, raw = chat(user_chat("az-entra", "hello entra"))
        self.assertEqual(status, 200, raw)
        req, _ = last_upstream()
        self.assertEqual(req["target"], "/openai/deployments/gpt-4o-prod/chat/completions"
                                        "?api-version=2024-10-21")
        self.assertEqual(req["headers"]["authorization"], "Bearer " + STACK.mock_key)
        self.assertNotIn("api-key", req["headers"])


class HttpChat(unittest.TestCase):
    def test_stream(self):
        r = STACK.gateway.stream(user_chat("az-chat", "stream from azure", stream=True,
                                           stream_options={"include_usage": True}))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done(), r.raw[-300:])
        self.assertEqual(r.text(), "mock: stream from azure")
        chunks = r.chunks()
        self.assertEqual(chunks[-1]["choices"], [])
        self.assertEqual(chunks[-1]["usage"]["completion_tokens"], 4)
        req, sent = last_upstream()
        self.assertEqual(req["target"], DEPLOYMENT_CHAT)
        self.assertIs(sent["stream"], True)
        self.assertEqual(sent["stream_options"], {"include_usage": True})

    def test_tool_call(self):
        tool = {"type": "function", "function": {"name": "get_weather",
                                                 "parameters": {"type": "object"}}}
        status, _, body, raw = chat(user_chat("az-chat", "weather?", tools=[tool]))
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["choices"][0]["finish_reason"], "tool_calls")
        call = body["choices"][0]["message"]["tool_calls"][0]
        self.assertEqual(call["function"], {"name": "get_weather", "arguments": '{"city":"Paris"}'})

        r = STACK.gateway.stream(user_chat("az-chat", "weather?", tools=[tool], stream=True))
        self.assertTrue(r.done(), r.raw[-300:])
        args = "".join(tc["function"].get("arguments", "")
                       for c in r.chunks() for ch in c["choices"]
                       for tc in ch["delta"].get("tool_calls") or [])
        self.assertEqual(json.loads(args), {"city": "Paris"})

    def test_max_tokens(self):
        status, _, body, raw = chat(user_chat("az-chat", "a b c d e", max_tokens=2))
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["choices"][0]["finish_reason"], "length")


class ContentFilter(unittest.TestCase):
    def test_prompt_filtered_http(self):
        status, _, body, raw = chat(user_chat("az-chat", "x", mock={"content_filter": "prompt"}))
        self.assertEqual(status, 400, raw)
        err = body["error"]
        self.assertEqual(err["code"], "content_filter")
        self.assertEqual(err["param"], "prompt")
        self.assertEqual(err["type"], "invalid_request_error")
        self.assertTrue(err["message"].startswith("azure: "), err)

        r = STACK.gateway.stream(user_chat("az-chat", "x", stream=True,
                                           mock={"content_filter": "prompt"}))
        self.assertEqual(r.status, 400, r.raw)
        self.assertEqual(r.body_json["error"]["code"], "content_filter")

    def test_prompt_filtered_grpc(self):
        with self.assertRaises(grpc.RpcError) as cm:
            STACK.gateway.grpc.chat(grpc_chat("az-chat", "x",
                                              extra_params={"mock": {"content_filter": "prompt"}}))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertTrue(cm.exception.details().startswith("azure: "), cm.exception.details())

    def test_completion_filtered(self):
        status, _, body, raw = chat(user_chat("az-chat", "x", mock={"content_filter": "completion"}))
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["choices"][0]["finish_reason"], "content_filter")

        r = STACK.gateway.stream(user_chat("az-chat", "x", stream=True,
                                           mock={"content_filter": "completion"}))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done(), r.raw[-300:])
        finish = [c["choices"][0]["finish_reason"] for c in r.chunks()
                  if c["choices"] and c["choices"][0].get("finish_reason")]
        self.assertEqual(finish, ["content_filter"])
        # Azure's prompt-annotation chunk (empty id, no choices) is not
        # forwarded.
        self.assertTrue(all(c["id"] for c in r.chunks()), r.raw)

        chunks = list(STACK.gateway.grpc.chat_stream(
            grpc_chat("az-chat", "x", extra_params={"mock": {"content_filter": "completion"}})))
        self.assertEqual([ch.finish_reason for c in chunks for ch in c.choices if ch.finish_reason],
                         [4])  # FINISH_REASON_CONTENT_FILTER


class Grpc(unittest.TestCase):
    def test_unary_and_stream(self):
        resp, _ = STACK.gateway.grpc.chat(grpc_chat("az-chat", "hi grpc"))
        self.assertEqual(resp.provider, "azure")
        self.assertEqual(resp.choices[0].message.content, "mock: hi grpc")
        chunks = list(STACK.gateway.grpc.chat_stream(grpc_chat("az-v1", "grpc stream")))
        self.assertEqual("".join(ch.delta.content for c in chunks for ch in c.choices),
                         "mock: grpc stream")
        self.assertEqual(chunks[-1].usage.total_tokens, 5)

    def test_embed(self):
        resp, _ = STACK.gateway.grpc.embed({"model": "az-embed", "input": ["a", "b"], "dimensions": 3})
        self.assertEqual([len(d.embedding) for d in resp.data], [3, 3])
        req, sent = last_upstream()
        self.assertEqual(req["target"],
                         "/openai/deployments/embed-prod/embeddings?api-version=" + API_VERSION)
        self.assertEqual(sent["model"], "embed-prod")


class EmbeddingsAndModels(unittest.TestCase):
    def test_embeddings_http(self):
        status, _, body, raw = STACK.gateway.post_json(
            "/v1/embeddings", {"model": "az-embed", "input": "one two three"})
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["usage"]["prompt_tokens"], 3)
        self.assertEqual(len(body["data"][0]["embedding"]), 8)

    def test_models_report_the_configuration(self):
        status, _, body = STACK.gateway.get_json("/v1/models")
        self.assertEqual(status, 200, body)
        owners = {m["id"]: m["owned_by"] for m in body["data"]}
        self.assertEqual(owners["az-chat"], "azure")
        self.assertEqual(owners["az-v1"], "azure-v1")
        self.assertEqual(owners["az-embed"], "azure")
        resp, _ = STACK.gateway.grpc.list_models()
        grpc_models = {m.id: (m.owned_by, m.upstream_model) for m in resp.models}
        self.assertEqual(grpc_models["az-chat"], ("azure", "gpt-4o-prod"))


class Errors(unittest.TestCase):

    def test_rate_limit(self):
        status, headers, body, raw = chat(user_chat("az-chat", "x",
                                                    mock={"status": 429, "retry_after_ms": "1500"}))
        self.assertEqual(status, 429, raw)
        self.assertEqual(body["error"]["type"], "rate_limit_error")
        self.assertEqual(body["error"]["message"], "azure: mock error 429")
        with self.assertRaises(grpc.RpcError) as cm:
            STACK.gateway.grpc.chat(grpc_chat("az-chat", "x", extra_params={"mock": {"status": 429}}))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertEqual(metadata_dict(cm.exception.trailing_metadata()).get("x-across-error-type"),
                         "rate_limit_error")

    def test_wrong_key(self):
        status, _, body, raw = chat(user_chat("az-bad", "x"))
        self.assertEqual(status, 401, raw)
        self.assertEqual(body["error"]["type"], "authentication_error")
        self.assertTrue(body["error"]["message"].startswith("azure-badkey: Access denied"), body)
        self.assertNotIn(STACK.bad_key, raw)

    def test_mid_stream_error(self):
        r = STACK.gateway.stream(user_chat("az-chat", "x", stream=True,
                                           mock={"stream_error": True, "words": 6}))
        self.assertEqual(r.status, 200, r.raw)
        self.assertFalse(r.done())
        errors = [e for e in r.events if e["event"] == "error"]
        self.assertEqual(len(errors), 1, r.raw[-500:])
        self.assertTrue(json.loads(errors[0]["data"])["error"]["message"].startswith("azure: "))


if __name__ == "__main__":
    unittest.main()
