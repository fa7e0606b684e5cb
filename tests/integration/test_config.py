"""Config loading: invalid files make the gateway exit 1 with one error line
that names the file, the field and the reason; valid ones start."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import t

VALID = """\
providers:
  - id: local
    type: openai
    base_url: "http://127.0.0.1:9/v1"
  - id: echo
    type: echo
models:
  - name: echo
    provider: echo
  - name: local-model
    provider: local
"""


class ConfigErrors(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="across-config-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_gateway(self, text, name="config.yaml", extra=()):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        ready = os.path.join(self.dir, "ready.json")
        proc = subprocess.run(
            [harness.GATEWAY_BIN, "--config=" + path, "--http_port=0", "--grpc_port=0",
             "--listen_address=127.0.0.1", "--ready_file=" + ready] + list(extra),
            stdin=subprocess.DEVNULL, capture_output=True, timeout=t(15))
        return path, proc, ready

    def assert_rejected(self, text, *fragments):
        path, proc, ready = self.run_gateway(text)
        stderr = proc.stderr.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 1, "exit code %s, stderr:\n%s" % (proc.returncode, stderr))
        self.assertFalse(os.path.exists(ready), "ready file written for an invalid config")
        self.assertIn(path, stderr)
        for fragment in fragments:
            self.assertIn(fragment, stderr)
        # The error is a JSON log line at level error.
        lines = [json.loads(l) for l in stderr.splitlines() if l.startswith("{")]
        self.assertTrue(any(l.get("level") == "error" and path in l.get("msg", "") for l in lines), stderr)
        return stderr

    def test_bad_yaml(self):
        self.assert_rejected("providers: [\n  - id: x\n    type: {{\n", "YAML", "line")

    def test_top_level_not_a_mapping(self):
        self.assert_rejected("- just\n- a list\n", "mapping")

    def test_unknown_field(self):
        self.assert_rejected(VALID + "bogus_setting: 3\n", "bogus_setting")

    def test_unknown_nested_field(self):
        self.assert_rejected(VALID.replace("    type: echo\n", "    type: echo\n    colour: blue\n"), "colour")

    def test_model_with_unknown_provider(self):
        self.assert_rejected(VALID + "  - name: orphan\n    provider: nowhere\n", "models[2].provider", "nowhere")

    def test_bad_port(self):
        self.assert_rejected("listeners:\n  http: {port: 70000}\n" + VALID, "listeners.http.port")

    def test_port_not_a_number(self):
        self.assert_rejected("listeners:\n  grpc: {port: lots}\n" + VALID, "port")

    def test_unknown_provider_type(self):
        self.assert_rejected(VALID.replace("type: openai", "type: telepathy"), "providers[0].type", "telepathy")

    def test_missing_base_url(self):
        self.assert_rejected(VALID.replace('    base_url: "http://127.0.0.1:9/v1"\n', ""), "providers[0].base_url")

    def test_bad_base_url_scheme(self):
        self.assert_rejected(VALID.replace("http://127.0.0.1:9/v1", "ftp://example/v1"), "providers[0].base_url")

    def test_duplicate_model(self):
        self.assert_rejected(VALID + "  - name: echo\n    provider: echo\n", "models[2].name", "duplicate")

    def test_bad_log_level(self):
        self.assert_rejected(VALID + "logging: {level: chatty}\n", "logging.level")

    def test_missing_file(self):
        path = os.path.join(self.dir, "does-not-exist.yaml")
        proc = subprocess.run([harness.GATEWAY_BIN, "--config=" + path, "--http_port=0", "--grpc_port=0"],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=t(15))
        self.assertEqual(proc.returncode, 1)
        self.assertIn(path, proc.stderr.decode())

    def test_check_config_valid(self):
        path, proc, _ = self.run_gateway(VALID, extra=["--check_config"])
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())

    def test_valid_config_serves_its_models(self):
        gw = harness.Gateway(VALID)
        try:
            status, _, body = gw.get_json("/v1/models")
            self.assertEqual(status, 200)
            self.assertEqual([m["id"] for m in body["data"]], ["echo", "local-model"])
            # A provider that cannot be reached is a 502 naming it, not a hang.
            status, _, body, raw = gw.post_json("/v1/chat/completions",
                                                harness.user_chat("local-model", "hi"), timeout=t(15))
            self.assertEqual(status, 502, raw)
            self.assertTrue(body["error"]["message"].startswith("local: "), body)
        finally:
            rc = gw.stop()
            logs = gw.logs()
            gw.cleanup()
        self.assertEqual(rc, 0, logs)


if __name__ == "__main__":
    unittest.main()
