"""Shared harness for the integration suites: starts the real gateway binary
and the mock upstream on ephemeral loopback ports, talks HTTP (stdlib
http.client) and gRPC (python3-grpcio with message classes built at run time
from the PROTOSET descriptor set, no codegen), collects logs, and stops
everything (SIGTERM, then SIGKILL), removing its temp dirs.

Environment (set by tools/test.sh; defaults to the bazel-bin outputs):
  GATEWAY_BIN   //gateway:across_gateway
  MOCK_BIN      //tests/mock_upstream:mock_upstream
  PROTOSET      //proto:gateway_v1_descriptor_set (gateway_v1.protoset)
  ACROSS_TEST_TIMEOUT_SCALE  multiplies every timeout (default 1, or 4 when
                             ASAN_OPTIONS is set, i.e. sanitizer builds)
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BAZEL_BIN = os.path.join(REPO, "bazel-bin")
GATEWAY_BIN = os.environ.get("GATEWAY_BIN") or os.path.join(BAZEL_BIN, "gateway", "across_gateway")
MOCK_BIN = os.environ.get("MOCK_BIN") or os.path.join(BAZEL_BIN, "tests", "mock_upstream", "mock_upstream")
PROTOSET = os.environ.get("PROTOSET") or os.path.join(BAZEL_BIN, "proto", "gateway_v1.protoset")

_default_scale = 4.0 if os.environ.get("ASAN_OPTIONS") else 1.0
SCALE = float(os.environ.get("ACROSS_TEST_TIMEOUT_SCALE") or _default_scale)

HOST = "127.0.0.1"
SERVICE = "across.gateway.v1.Gateway"


def t(seconds):
    """A timeout scaled for slow (sanitizer) builds."""
    return seconds * SCALE


def wait_until(predicate, timeout, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def _tail(path, limit=4000):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    return data[-limit:].decode("utf-8", "replace")


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


class Process:
    """A child process with stdout/stderr captured to files in its own temp dir."""

    def __init__(self, name, argv, env=None, workdir=None):
        self.name = name
        self.dir = workdir or tempfile.mkdtemp(prefix="across-%s-" % name)
        self.stdout_path = os.path.join(self.dir, "stdout.log")
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         env=full_env, cwd=self.dir)
        self.returncode = None

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stdout(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def logs(self):
        return "--- %s stderr (tail) ---\n%s\n--- %s stdout (tail) ---\n%s" % (
            self.name, _tail(self.stderr_path), self.name, _tail(self.stdout_path))

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout):
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def stop(self, timeout=None):
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        if timeout is None:
            timeout = t(10)
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            if self.wait(timeout) is None:
                self.proc.kill()
                self.wait(t(5))
        else:
            self.returncode = self.proc.poll()
        return self.returncode

    def sanitizer_report(self):
        err = self.stderr()
        for marker in SANITIZER_MARKERS:
            i = err.find(marker)
            if i >= 0:
                return err[max(0, i - 200):i + 3000]
        return None

    def cleanup(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------
# Mock upstream


class Mock(Process):
    def __init__(self, extra_args=()):
        workdir = tempfile.mkdtemp(prefix="across-mock-")
        self.port_file = os.path.join(workdir, "port")
        super().__init__("mock", [MOCK_BIN, "--port_file=" + self.port_file] + list(extra_args),
                         workdir=workdir)
        self.port = self._wait_port()
        self.base_url = "http://%s:%d" % (HOST, self.port)

    def _wait_port(self):
        def read():
            if not self.alive():
                raise AssertionError("mock upstream exited early (rc=%s)\n%s" % (self.proc.poll(), self.logs()))
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
            except OSError:
                return None
            if not text:
                return None
            try:
                value = json.loads(text)
            except ValueError:
                return None
            if isinstance(value, dict):
                value = value.get("port")
            return int(value) if value else None
        return wait_until(read, t(15), what="mock upstream port file")

    def get_json(self, path):
        status, _, body = http_request(self.port, "GET", path)
        if status != 200:
            raise AssertionError("mock %s -> %d %r" % (path, status, body[:300]))
        return json.loads(body)

    def stats(self):
        return self.get_json("/__mock/stats")

    def last_request(self):
        return self.get_json("/__mock/last_request")

    def reset(self):
        status, _, body = http_request(self.port, "POST", "/__mock/reset", b"")
        return status


# ---------------------------------------------------------------------------
# Gateway


def mock_config(mock_port, slow_timeout_ms=600):
    """Gateway config with the mock provider (plus a short-timeout alias of it)
    and the built-in echo provider."""
    return """\
providers:
  - id: mock
    type: openai
    base_url: "http://127.0.0.1:%(port)d/v1"
    api_key_env: MOCK_KEY
  - id: mock-slow
    type: openai
    base_url: "http://127.0.0.1:%(port)d/v1"
    api_key_env: MOCK_KEY
    request_timeout_ms: %(slow)d
  - id: echo
    type: echo
models:
  - name: gpt-mock
    provider: mock
    upstream_model: gpt-4o-mini
  - name: embed-mock
    provider: mock
    upstream_model: text-embedding-3-small
  - name: gpt-slow
    provider: mock-slow
    upstream_model: gpt-4o-mini
  - name: echo
    provider: echo
limits:
  max_body_bytes: 65536
""" % {"port": mock_port, "slow": slow_timeout_ms}


class Gateway(Process):
    def __init__(self, config=None, env=None, extra_args=(), wait=True):
        workdir = tempfile.mkdtemp(prefix="across-gateway-")
        self.ready_file = os.path.join(workdir, "ready.json")
        argv = [GATEWAY_BIN, "--http_port=0", "--grpc_port=0", "--listen_address=" + HOST,
                "--ready_file=" + self.ready_file]
        if config is not None:
            self.config_path = os.path.join(workdir, "config.yaml")
            with open(self.config_path, "w") as f:
                f.write(config)
            argv.append("--config=" + self.config_path)
        argv += list(extra_args)
        super().__init__("gateway", argv, env=env, workdir=workdir)
        self.http_port = self.grpc_port = None
        self._grpc = None
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=None):
        def read():
            if not self.alive():
                raise AssertionError("gateway exited early (rc=%s)\n%s" % (self.proc.poll(), self.logs()))
            try:
                with open(self.ready_file) as f:
                    return json.load(f)
            except (OSError, ValueError):
                return None
        ports = wait_until(read, timeout or t(20), what="gateway ready file")
        self.http_port = int(ports["http_port"])
        self.grpc_port = int(ports["grpc_port"])
        return ports

    # -- HTTP --------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=None):
        return http_request(self.http_port, method, path, body, headers, timeout)

    def post_json(self, path, obj, headers=None, timeout=None):
        status, hdrs, body = http_request(self.http_port, "POST", path, json.dumps(obj).encode(),
                                          dict({"Content-Type": "application/json"}, **(headers or {})),
                                          timeout)
        return status, hdrs, _json_or_none(body), body

    def get_json(self, path, headers=None):
        status, hdrs, body = http_request(self.http_port, "GET", path, None, headers)
        return status, hdrs, _json_or_none(body)

    def stream(self, obj, headers=None, timeout=None):
        return sse_request(self.http_port, obj, headers, timeout)

    def metrics(self):
        status, _, body = http_request(self.http_port, "GET", "/metrics")
        if status != 200:
            raise AssertionError("/metrics -> %d" % status)
        return body.decode()

    def access_log(self):
        """The access-log lines written to stdout so far, parsed."""
        lines = []
        for line in self.stdout().splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                lines.append(json.loads(line))
            except ValueError:
                lines.append({"_unparsed": line})
        return lines

    def access_entry(self, trace_id, timeout=None):
        """Waits for the access-log line of `trace_id`."""
        def find():
            for e in self.access_log():
                if e.get("trace_id") == trace_id:
                    return e
            return None
        return wait_until(find, timeout or t(5), what="access log line for %s" % trace_id)

    # -- gRPC --------------------------------------------------------------
    @property
    def grpc(self):
        if self._grpc is None:
            self._grpc = GrpcClient("%s:%d" % (HOST, self.grpc_port))
        return self._grpc

    def stop(self, timeout=None):
        if self._grpc is not None:
            self._grpc.close()
            self._grpc = None
        return super().stop(timeout)


def _json_or_none(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


def http_request(port, method, path, body=None, headers=None, timeout=None):
    """One request on a fresh connection; returns (status, headers dict with
    lower-case names, body bytes)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout or t(10))
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


class SseResult:
    def __init__(self):
        self.status = None
        self.headers = {}
        self.raw = ""          # the decoded body
        self.events = []       # dicts: {"event": name or None, "data": str, "t": seconds since request}
        self.body_json = None  # for a non-SSE (error) reply
        self.error = None      # exception raised while reading, if any

    @property
    def data_events(self):
        return [e for e in self.events if e["event"] is None]

    def chunks(self):
        """The JSON chunks (data events other than [DONE])."""
        return [json.loads(e["data"]) for e in self.data_events if e["data"] != "[DONE]"]

    def text(self):
        out = []
        for c in self.chunks():
            for ch in c.get("choices") or []:
                out.append((ch.get("delta") or {}).get("content") or "")
        return "".join(out)

    def done(self):
        return bool(self.events) and self.events[-1]["event"] is None and self.events[-1]["data"] == "[DONE]"


def sse_request(port, obj, headers=None, timeout=None, on_event=None):
    """POSTs a streaming chat request and reads the SSE reply incrementally,
    timestamping each event. `on_event(event, result)` may return True to
    stop reading (the connection is then closed)."""
    result = SseResult()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout or t(20))
    start = time.monotonic()
    try:
        conn.request("POST", "/v1/chat/completions", body=json.dumps(obj).encode(),
                     headers=dict({"Content-Type": "application/json"}, **(headers or {})))
        resp = conn.getresponse()
        result.status = resp.status
        result.headers = {k.lower(): v for k, v in resp.getheaders()}
        if not result.headers.get("content-type", "").startswith("text/event-stream"):
            body = resp.read()
            result.raw = body.decode("utf-8", "replace")
            result.body_json = _json_or_none(body)
            return result
        raw = []
        event_name, data_lines = None, []
        try:
            while True:
                line = resp.readline()
                if not line:
                    break
                text = line.decode("utf-8")
                raw.append(text)
                stripped = text.rstrip("\r\n")
                if stripped == "":
                    if data_lines or event_name:
                        ev = {"event": event_name, "data": "\n".join(data_lines),
                              "t": time.monotonic() - start}
                        result.events.append(ev)
                        event_name, data_lines = None, []
                        if on_event is not None and on_event(ev, result):
                            break
                    continue
                if stripped.startswith("data:"):
                    value = stripped[5:]
                    data_lines.append(value[1:] if value.startswith(" ") else value)
                elif stripped.startswith("event:"):
                    event_name = stripped[6:].strip()
                # comments (":...") and other fields are ignored
        except (http.client.IncompleteRead, ConnectionError, socket.timeout, OSError) as e:
            result.error = e
        result.raw = "".join(raw)
        return result
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# Prometheus text


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """[(name, {labels}, value)] for every sample."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = dict(_LABEL.findall(m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def metric_sum(text, name, **labels):
    total = 0.0
    for n, l, v in parse_metrics(text):
        if n == name and all(l.get(k) == str(val) for k, val in labels.items()):
            total += v
    return total


# ---------------------------------------------------------------------------
# gRPC


_pool = None
_classes = {}


def _load_pool():
    global _pool
    if _pool is None:
        from google.protobuf import descriptor_pb2, descriptor_pool
        with open(PROTOSET, "rb") as f:
            fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
        pool = descriptor_pool.DescriptorPool()
        for fd in fds.file:
            pool.Add(fd)
        _pool = pool
    return _pool


def message_class(name):
    """Message class for across.gateway.v1.<name> (or a full name)."""
    full = name if "." in name else "across.gateway.v1." + name
    if full not in _classes:
        from google.protobuf import message_factory
        desc = _load_pool().FindMessageTypeByName(full)
        if hasattr(message_factory, "GetMessageClass"):
            _classes[full] = message_factory.GetMessageClass(desc)
        else:
            _classes[full] = message_factory.MessageFactory(_load_pool()).GetPrototype(desc)
    return _classes[full]


def make(name, obj=None):
    """A message from a dict in proto3 JSON form (field names or jsonNames)."""
    from google.protobuf import json_format
    msg = message_class(name)()
    if obj:
        json_format.ParseDict(obj, msg)
    return msg


def to_dict(msg):
    from google.protobuf import json_format
    return json_format.MessageToDict(msg, preserving_proto_field_name=True)


class GrpcClient:
    def __init__(self, target):
        import grpc
        self.grpc = grpc
        self.channel = grpc.insecure_channel(target, options=[
            ("grpc.max_send_message_length", 16 << 20),
            ("grpc.max_receive_message_length", 16 << 20),
            ("grpc.enable_retries", 0),
        ])
        self._stubs = {}

    def close(self):
        self.channel.close()

    def _unary(self, method, req_cls, resp_cls):
        key = ("u", method)
        if key not in self._stubs:
            self._stubs[key] = self.channel.unary_unary(
                "/%s/%s" % (SERVICE, method), request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=message_class(resp_cls).FromString)
        return self._stubs[key]

    def chat(self, req, timeout=None, metadata=None):
        """Returns (ChatResponse, call) — raises grpc.RpcError on failure."""
        stub = self._unary("Chat", "ChatRequest", "ChatResponse")
        return stub.with_call(_msg("ChatRequest", req), timeout=timeout or t(10), metadata=metadata)

    def embed(self, req, timeout=None, metadata=None):
        stub = self._unary("Embed", "EmbedRequest", "EmbedResponse")
        return stub.with_call(_msg("EmbedRequest", req), timeout=timeout or t(10), metadata=metadata)

    def list_models(self, timeout=None):
        stub = self._unary("ListModels", "ListModelsRequest", "ListModelsResponse")
        return stub.with_call(make("ListModelsRequest"), timeout=timeout or t(10))

    def chat_stream(self, req, timeout=None, metadata=None):
        """The streaming call object (an iterator of ChatChunk and a grpc.Call)."""
        stub = self.channel.unary_stream(
            "/%s/ChatStream" % SERVICE, request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=message_class("ChatChunk").FromString)
        return stub(_msg("ChatRequest", req), timeout=timeout or t(20), metadata=metadata)

    def raw_unary(self, method, payload, timeout=None):
        """Sends `payload` bytes as they are (identity serializer)."""
        stub = self.channel.unary_unary(method)
        return stub.with_call(payload, timeout=timeout or t(10))

    def health(self, service="", timeout=None):
        stub = self.channel.unary_unary("/grpc.health.v1.Health/Check")
        svc = service.encode()
        req = (b"\n" + _varint(len(svc)) + svc) if svc else b""
        resp = stub(req, timeout=timeout or t(5))
        fields = decode_fields(resp)
        return fields.get(1, [0])[0]  # 1 SERVING, 2 NOT_SERVING

    def reflection_services(self, timeout=None):
        stub = self.channel.stream_stream("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
        responses = stub(iter([b":\x00"]), timeout=timeout or t(5))
        names = []
        for resp in responses:
            fields = decode_fields(resp)
            for list_resp in fields.get(6, []):        # list_services_response
                for svc in decode_fields(list_resp).get(1, []):  # repeated ServiceResponse
                    names += [n.decode() for n in decode_fields(svc).get(1, [])]
            break
        return names


def _msg(name, req):
    return req if not isinstance(req, dict) else make(name, req)


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def decode_fields(data):
    """Minimal protobuf decoder: {field number: [value (int or bytes)]}."""
    fields = {}
    i = 0

    def varint():
        nonlocal i
        shift = value = 0
        while True:
            b = data[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value

    while i < len(data):
        key = varint()
        num, wire = key >> 3, key & 7
        if wire == 0:
            val = varint()
        elif wire == 2:
            n = varint()
            val = bytes(data[i:i + n])
            i += n
        elif wire == 1:
            val = bytes(data[i:i + 8])
            i += 8
        elif wire == 5:
            val = bytes(data[i:i + 4])
            i += 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        fields.setdefault(num, []).append(val)
    return fields


def metadata_dict(md):
    return {k: v for k, v in (md or ())}


def new_secret(prefix):
    return "%s-%s" % (prefix, secrets.token_hex(12))


def user_chat(model, text, **extra):
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    body.update(extra)
    return body


def grpc_chat(model, text, **extra):
    req = {"model": model, "messages": [{"role": "ROLE_USER", "content": text}]}
    req.update(extra)
    return req


class Stack:
    """A mock upstream plus a gateway configured with it (mock_config)."""

    def __init__(self, gateway_args=(), config=None):
        self.mock_key = new_secret("sk-mock")
        # The mock rejects (401) any request without the configured key.
        self.mock = Mock(["--require_key=" + self.mock_key])
        try:
            self.gateway = Gateway(config if config is not None else mock_config(self.mock.port),
                                   env={"MOCK_KEY": self.mock_key}, extra_args=gateway_args)
        except Exception:
            self.mock.stop()
            self.mock.cleanup()
            raise

    def close(self):
        """Stops both; returns a problem description or None."""
        problems = []
        rc = self.gateway.stop()
        report = self.gateway.sanitizer_report()
        if rc != 0 or report:
            problems.append("gateway exit code %s on SIGTERM\n%s\n%s" % (rc, report or "", self.gateway.logs()))
        mrc = self.mock.stop()
        report = self.mock.sanitizer_report()
        if mrc not in (0, -signal.SIGTERM) or report:
            problems.append("mock exit code %s\n%s\n%s" % (mrc, report or "", self.mock.logs()))
        self.gateway.cleanup()
        self.mock.cleanup()
        return "\n".join(problems) or None


class Background(threading.Thread):
    """Runs fn in a thread, keeping its result or exception."""

    def __init__(self, fn, *args, **kwargs):
        super().__init__(daemon=True)
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.result = self.exc = None

    def run(self):
        try:
            self.result = self.fn(*self.args, **self.kwargs)
        except BaseException as e:  # noqa: BLE001 - reported by get()
            self.exc = e

    def get(self, timeout):
        self.join(timeout)
        if self.is_alive():
            raise AssertionError("background call still running after %.1fs" % timeout)
        if self.exc is not None:
            raise self.exc
        return self.result
