"""AWS Bedrock end to end: client → gateway → mock Bedrock → back, over the
OpenAI-compatible HTTP API and gRPC. The gateway signs every request with
SigV4 (checked here with an independent Python signer against what the mock
received), speaks Converse / ConverseStream (binary event-stream frames) and
InvokeModel for Titan and Cohere embeddings, and maps Bedrock's errors.
Credentials come from the environment variables the config names and must
never show up in a response."""

import hashlib
import hmac
import json
import os
import shutil
import tempfile
import unittest
import sys
import urllib.parse

import grpc

# Runnable as tests/integration/test_provider_bedrock.py from the repo root
# as well as through `unittest discover -s tests/integration`.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import grpc_chat, metadata_dict, t, user_chat  # noqa: E402

STACK = None
SEEN = []  # every response body / error text, checked for credentials
MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0"
CONVERSE = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
REGION = "eu-west-3"
FINISH_REASON_TOOL_CALLS = 3  # gateway.proto FinishReason


def config(port):
    return """\
providers:
  - id: bedrock
    type: bedrock
    region: %(region)s
    base_url: "http://127.0.0.1:%(port)d"
    aws_access_key_id_env: ACROSS_BEDROCK_AKID
    aws_secret_access_key_env: ACROSS_BEDROCK_SECRET
    aws_session_token_env: ACROSS_BEDROCK_TOKEN
    default_max_tokens: 777
  - id: bedrock-nocreds
    type: bedrock
    region: us-east-1
    base_url: "http://127.0.0.1:%(port)d"
    aws_access_key_id_env: ACROSS_BEDROCK_UNSET_ID
    aws_secret_access_key_env: ACROSS_BEDROCK_UNSET_SECRET
models:
  - name: claude
    provider: bedrock
    upstream_model: %(model)s
  - name: titan
    provider: bedrock
    upstream_model: amazon.titan-embed-text-v2:0
  - name: cohere-embed
    provider: bedrock
    upstream_model: cohere.embed-english-v3
  - name: claude-nocreds
    provider: bedrock-nocreds
    upstream_model: %(model)s
""" % {"port": port, "region": REGION, "model": MODEL_ID}


class BedrockStack(harness.Stack):
    """The mock (requiring a SigV4 header for the access key id) and a
    gateway configured for Bedrock."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.mock_key = "AKIA" + harness.new_secret("x")[2:].upper().replace("-", "")[:16]
        self.secret = harness.new_secret("aws-secret")
        self.token = harness.new_secret("aws-session-token")
        self.mock = harness.Mock(["--require_key=" + self.mock_key])
        try:
            env = {"ACROSS_BEDROCK_AKID": self.mock_key,
                   "ACROSS_BEDROCK_SECRET": self.secret,
                   "ACROSS_BEDROCK_TOKEN": self.token}
            self.gateway = harness.Gateway(config(self.mock.port), env=env)
        except Exception:
            self.mock.stop()
            self.mock.cleanup()
            raise


def setUpModule():
    global STACK
    STACK = BedrockStack()


def tearDownModule():
    problem = STACK.close()
    leaks = [s for s in SEEN if STACK.secret in s or STACK.token in s]
    if problem:
        raise AssertionError(problem)
    if leaks:
        raise AssertionError("AWS credentials leaked into a response: %r" % leaks[:1])


def chat(body):
    status, hdrs, js, raw = STACK.gateway.post_json("/v1/chat/completions", body)
    text = raw.decode("utf-8", "replace")
    SEEN.append(text)
    return status, hdrs, js, text


def stream(body):
    r = STACK.gateway.stream(body)
    SEEN.append(r.raw)
    return r


def last_upstream():
    req = STACK.mock.last_request()
    return req, json.loads(req["body"])


def grpc_fails(fn, *args, **kwargs):
    try:
        result = fn(*args, **kwargs)
        if hasattr(result, "__iter__") and not isinstance(result, tuple):
            list(result)
    except grpc.RpcError as e:
        SEEN.append(e.details() or "")
        SEEN.append(repr(e.trailing_metadata()))
        return e
    raise AssertionError("gRPC call succeeded, an error was expected")


def sigv4(secret, method, target, headers, body, region, service="bedrock"):
    """An independent SigV4 signer (docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_sigv-create-signed-request.html): the canonical URI encodes the
    wire path once more (non-S3 rule)."""
    path, _, query = target.partition("?")
    canonical_uri = "/".join(urllib.parse.quote(seg, safe="-_.~") for seg in path.split("/"))
    names = ["host", "x-amz-date"] + (["x-amz-security-token"] if "x-amz-security-token" in headers else [])
    canonical_headers = "".join("%s:%s\n" % (n, headers[n].strip()) for n in names)
    signed = ";".join(names)
    creq = "\n".join([method, canonical_uri, query, canonical_headers, signed,
                      hashlib.sha256(body.encode()).hexdigest()])
    date = headers["x-amz-date"]
    scope = "%s/%s/%s/aws4_request" % (date[:8], region, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return signed, hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()


TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}}


class Signing(unittest.TestCase):
    def test_request_is_signed_and_translated(self):
        body = user_chat("claude", "hello bedrock")
        body["messages"].insert(0, {"role": "system", "content": "Be brief."})
        status, headers, js, raw = chat(body)
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers.get("x-across-provider"), "bedrock")
        self.assertEqual(js["choices"][0]["message"]["content"], "mock: hello bedrock")
        self.assertEqual(js["choices"][0]["finish_reason"], "stop")
        self.assertEqual(js["usage"], dict(js["usage"], prompt_tokens=4, completion_tokens=3,
                                           total_tokens=7))
        self.assertTrue(js["id"].startswith("chatcmpl-mock-req-"), js["id"])

        req, sent = last_upstream()
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["target"], CONVERSE)
        h = req["headers"]
        self.assertRegex(h["x-amz-date"], r"^\d{8}T\d{6}Z$")
        self.assertEqual(h["x-amz-security-token"], STACK.token)
        self.assertEqual(h["content-type"], "application/json")
        signed, signature = sigv4(STACK.secret, "POST", req["target"], h, req["body"], REGION)
        self.assertEqual(h["authorization"],
                         "AWS4-HMAC-SHA256 Credential=%s/%s/%s/bedrock/aws4_request, "
                         "SignedHeaders=%s, Signature=%s"
                         % (STACK.mock_key, h["x-amz-date"][:8], REGION, signed, signature))
        self.assertEqual(sent, {
            "messages": [{"role": "user", "content": [{"text": "hello bedrock"}]}],
            "system": [{"text": "Be brief."}],
            "inferenceConfig": {"maxTokens": 777},  # the provider's default_max_tokens
        })

    def test_inference_config_and_extra_params(self):
        status, _, js, raw = chat(user_chat("claude", "a b c d e f", max_tokens=3, temperature=0.2,
                                            top_p=0.5, stop=["END"], top_k=7))
        self.assertEqual(status, 200, raw)
        self.assertEqual(js["choices"][0]["finish_reason"], "length")
        self.assertEqual(js["choices"][0]["message"]["content"], "mock: a b")
        _, sent = last_upstream()
        self.assertEqual(sent["inferenceConfig"], {"maxTokens": 3, "temperature": 0.2, "topP": 0.5,
                                                   "stopSequences": ["END"]})
        self.assertEqual(sent["additionalModelRequestFields"], {"top_k": 7})


class HttpChat(unittest.TestCase):
    def test_stream(self):
        r = stream(user_chat("claude", "stream from bedrock", stream=True,
                             stream_options={"include_usage": True}))
        self.assertEqual(r.status, 200, r.raw)
        self.assertTrue(r.done(), r.raw[-300:])
        self.assertEqual(r.text(), "mock: stream from bedrock")
        chunks = r.chunks()
        self.assertEqual(chunks[0]["choices"][0]["delta"].get("role"), "assistant")
        finish = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
        self.assertEqual(finish[-1], "stop")
        self.assertEqual(chunks[-1]["choices"], [])
        self.assertEqual(chunks[-1]["usage"]["completion_tokens"], 4)
        self.assertEqual(len({c["id"] for c in chunks}), 1)
        req, _ = last_upstream()
        self.assertEqual(req["target"], CONVERSE + "-stream")
        self.assertEqual(req["headers"]["accept"], "application/vnd.amazon.eventstream")

    def test_tool_call_round_trip(self):
        status, _, js, raw = chat(user_chat("claude", "weather in Paris?", tools=[TOOL],
                                            tool_choice="required"))
        self.assertEqual(status, 200, raw)
        choice = js["choices"][0]
        self.assertEqual(choice["finish_reason"], "tool_calls")
        call = choice["message"]["tool_calls"][0]
        self.assertEqual(call["function"], {"name": "get_weather", "arguments": '{"city":"Paris"}'})
        self.assertTrue(call["id"].startswith("tooluse_mock_"), call)
        _, sent = last_upstream()
        self.assertEqual(sent["toolConfig"]["toolChoice"], {"any": {}})
        self.assertEqual(sent["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"],
                         TOOL["function"]["parameters"])

        # Send the result back: the tool message becomes a toolResult block.
        body = user_chat("claude", "weather in Paris?", tools=[TOOL])
        body["messages"] += [choice["message"],
                             {"role": "tool", "tool_call_id": call["id"], "content": "sunny 24C"}]
        status, _, js, raw = chat(body)
        self.assertEqual(status, 200, raw)
        self.assertEqual(js["choices"][0]["message"]["content"], "mock: sunny 24C")
        _, sent = last_upstream()
        self.assertEqual(sent["messages"][1], {"role": "assistant", "content": [
            {"toolUse": {"toolUseId": call["id"], "name": "get_weather", "input": {"city": "Paris"}}}]})
        self.assertEqual(sent["messages"][2], {"role": "user", "content": [
            {"toolResult": {"toolUseId": call["id"], "content": [{"text": "sunny 24C"}]}}]})

    def test_streamed_tool_call(self):
        r = stream(user_chat("claude", "weather?", tools=[TOOL], stream=True))
        self.assertTrue(r.done(), r.raw[-300:])
        calls = [tc for c in r.chunks() for ch in c["choices"]
                 for tc in ch["delta"].get("tool_calls") or []]
        self.assertEqual(calls[0]["index"], 0)
        self.assertEqual(calls[0]["function"]["name"], "get_weather")
        self.assertTrue(calls[0]["id"].startswith("tooluse_mock_"))
        self.assertTrue(all(c["index"] == 0 for c in calls))
        args = "".join(c["function"].get("arguments", "") for c in calls)
        self.assertEqual(json.loads(args), {"city": "Paris"})
        finish = [ch["finish_reason"] for c in r.chunks() for ch in c["choices"] if ch["finish_reason"]]
        self.assertEqual(finish, ["tool_calls"])

    def test_image_input(self):
        png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
        body = {"model": "claude", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "what is this"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + png}}]}]}
        status, _, js, raw = chat(body)
        self.assertEqual(status, 200, raw)
        self.assertEqual(js["choices"][0]["message"]["content"], "mock: what is this")
        _, sent = last_upstream()
        self.assertEqual(sent["messages"][0]["content"][1],
                         {"image": {"format": "png", "source": {"bytes": png}}})

        body["messages"][0]["content"][1]["image_url"]["url"] = "https://example.com/cat.png"
        status, _, js, raw = chat(body)
        self.assertEqual(status, 400, raw)
        self.assertEqual(js["error"]["message"],
                         "bedrock: image URLs are not supported; send a data URL")
        self.assertEqual(js["error"]["type"], "invalid_request_error")


class Grpc(unittest.TestCase):
    def test_unary(self):
        resp, call = STACK.gateway.grpc.chat(grpc_chat("claude", "hello grpc"))
        d = harness.to_dict(resp)
        self.assertEqual(d["provider"], "bedrock")
        self.assertEqual(d["model"], MODEL_ID)
        self.assertEqual(d["choices"][0]["message"]["content"], "mock: hello grpc")
        self.assertEqual(d["choices"][0]["finish_reason"], "FINISH_REASON_STOP")
        self.assertEqual(d["usage"]["total_tokens"], 5)
        self.assertEqual(metadata_dict(call.initial_metadata()).get("x-across-provider"), "bedrock")

    def test_stream_with_tools(self):
        tool = {"type": "function", "function": {"name": "get_weather",
                                                 "parameters": {"type": "object"}}}
        chunks = list(STACK.gateway.grpc.chat_stream(
            grpc_chat("claude", "weather please", tools=[tool])))
        calls = [tc for c in chunks for ch in c.choices for tc in ch.delta.tool_calls]
        self.assertEqual(calls[0].id[:13], "tooluse_mock_")
        self.assertEqual(calls[0].function.name, "get_weather")
        self.assertEqual(json.loads("".join(tc.function.arguments for tc in calls)), {"city": "Paris"})
        finish = [ch.finish_reason for c in chunks for ch in c.choices if ch.finish_reason]
        self.assertEqual(finish, [FINISH_REASON_TOOL_CALLS])
        self.assertGreater(chunks[-1].usage.total_tokens, 0)

    def test_stream_text(self):
        chunks = list(STACK.gateway.grpc.chat_stream(grpc_chat("claude", "one two three")))
        text = "".join(ch.delta.content for c in chunks for ch in c.choices)
        self.assertEqual(text, "mock: one two three")
        self.assertEqual(chunks[-1].usage.completion_tokens, 4)


class Errors(unittest.TestCase):
    def test_http_status_mapping(self):
        for upstream, want_type in ((400, "invalid_request_error"), (403, "permission_error"),
                                    (404, "not_found_error"), (429, "rate_limit_error"),
                                    (503, "api_error")):
            with self.subTest(upstream=upstream):
                status, _, js, raw = chat(user_chat("claude", "x", mock={"status": upstream}))
                self.assertEqual(status, upstream, raw)
                self.assertEqual(js["error"]["type"], want_type)
                self.assertEqual(js["error"]["message"], "bedrock: mock error %d" % upstream)

    def test_retry_after(self):
        status, headers, js, raw = chat(user_chat("claude", "x", mock={"status": 429, "retry_after": "2"}))
        self.assertEqual(status, 429, raw)
        self.assertEqual(headers.get("retry-after"), "2")
        self.assertEqual(js["error"]["code"], "ThrottlingException")

    def test_grpc_errors(self):
        e = grpc_fails(STACK.gateway.grpc.chat,
                       grpc_chat("claude", "x", extra_params={"mock": {"status": 429}}))
        self.assertEqual(e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertEqual(e.details(), "bedrock: mock error 429")
        e = grpc_fails(STACK.gateway.grpc.chat_stream,
                       grpc_chat("claude", "x", extra_params={"mock": {"status": 400}}))
        self.assertEqual(e.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_stream_error_before_first_byte(self):
        r = stream(user_chat("claude", "x", stream=True, mock={"status": 503}))
        self.assertGreaterEqual(r.status, 500, r.raw)
        self.assertEqual(r.body_json["error"]["message"], "bedrock: mock error 503")

    def test_mid_stream_exception(self):
        r = stream(user_chat("claude", "x", stream=True, mock={"stream_error": True, "words": 10}))
        self.assertFalse(r.done(), r.raw[-300:])
        self.assertTrue(r.text().startswith("w0"), r.raw[-300:])
        errors = [e for e in r.events if e["event"] == "error"]
        self.assertEqual(len(errors), 1, r.raw[-500:])
        self.assertEqual(json.loads(errors[0]["data"])["error"]["message"],
                         "bedrock: mock mid-stream error")

        call = STACK.gateway.grpc.chat_stream(
            grpc_chat("claude", "x", extra_params={"mock": {"stream_error": True, "words": 10}}))
        e = grpc_fails(list, call)
        self.assertEqual(e.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(e.details(), "bedrock: mock mid-stream error")

    def test_stream_transport_faults(self):
        for fault in ({"truncate": True, "words": 20}, {"garbage": True},
                      {"reset": "mid_stream", "words": 20}):
            with self.subTest(fault=fault):
                call = STACK.gateway.grpc.chat_stream(grpc_chat("claude", "x", extra_params={"mock": fault}))
                e = grpc_fails(list, call)
                self.assertEqual(e.code(), grpc.StatusCode.UNAVAILABLE, e.details())
                self.assertTrue(e.details().startswith("bedrock: "), e.details())

    def test_missing_credentials(self):
        status, _, js, raw = chat(user_chat("claude-nocreds", "x"))
        self.assertEqual(status, 500, raw)
        self.assertEqual(js["error"]["message"],
                         "bedrock-nocreds: AWS credentials are not set "
                         "(ACROSS_BEDROCK_UNSET_ID, ACROSS_BEDROCK_UNSET_SECRET)")


class Embeddings(unittest.TestCase):
    def test_titan_one_call_per_input(self):
        STACK.mock.reset()
        status, _, js, raw = STACK.gateway.post_json(
            "/v1/embeddings", {"model": "titan", "input": ["hello world", "three word text"],
                               "dimensions": 4})
        SEEN.append(raw.decode())
        self.assertEqual(status, 200, raw)
        self.assertEqual([d["index"] for d in js["data"]], [0, 1])
        self.assertEqual(len(js["data"][0]["embedding"]), 4)
        self.assertEqual(js["usage"]["prompt_tokens"], 5)
        stats = STACK.mock.stats()
        self.assertEqual(stats["by_path"], {"/model/amazon.titan-embed-text-v2%3A0/invoke": 2})
        _, sent = last_upstream()
        self.assertEqual(sent, {"inputText": "three word text", "dimensions": 4})

    def test_cohere_batch(self):
        status, _, js, raw = STACK.gateway.post_json(
            "/v1/embeddings", {"model": "cohere-embed", "input": ["a b", "c"]})
        SEEN.append(raw.decode())
        self.assertEqual(status, 200, raw)
        self.assertEqual(len(js["data"]), 2)
        self.assertEqual(js["usage"]["prompt_tokens"], 3)
        req, sent = last_upstream()
        self.assertEqual(req["target"], "/model/cohere.embed-english-v3/invoke")
        self.assertEqual(sent, {"texts": ["a b", "c"], "input_type": "search_document"})

    def test_grpc_embed_and_unsupported_model(self):
        resp, _ = STACK.gateway.grpc.embed({"model": "titan", "input": ["x y"]})
        self.assertEqual(len(resp.data), 1)
        self.assertEqual(len(resp.data[0].embedding), 8)
        e = grpc_fails(STACK.gateway.grpc.embed, {"model": "claude", "input": ["x"]})
        self.assertEqual(e.code(), grpc.StatusCode.UNIMPLEMENTED)
        self.assertIn("bedrock: embeddings are supported for", e.details())


class Config(unittest.TestCase):
    def run_gateway(self, text):
        d = tempfile.mkdtemp(prefix="across-bedrock-config-")
        try:
            path = os.path.join(d, "config.yaml")
            with open(path, "w") as f:
                f.write(text)
            ready = os.path.join(d, "ready.json")
            proc = harness.Process("gateway", [harness.GATEWAY_BIN, "--config=" + path,
                                               "--http_port=0", "--grpc_port=0",
                                               "--listen_address=127.0.0.1",
                                               "--ready_file=" + ready], workdir=d)
            try:
                harness.wait_until(
                    lambda: os.path.exists(ready) or not proc.alive(), t(15), what="gateway start")
                return os.path.exists(ready), proc.stderr()
            finally:
                proc.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_region_required(self):
        ok, stderr = self.run_gateway(
            "providers:\n  - id: bedrock\n    type: bedrock\nmodels:\n"
            "  - name: m\n    provider: bedrock\n")
        self.assertFalse(ok)
        self.assertIn("providers[0].region", stderr)

    def test_preset_id_and_region_suffice(self):
        ok, stderr = self.run_gateway(
            "providers:\n  - id: bedrock\n    region: us-west-2\nmodels:\n"
            "  - name: m\n    provider: bedrock\n")
        self.assertTrue(ok, stderr)


if __name__ == "__main__":
    unittest.main()
