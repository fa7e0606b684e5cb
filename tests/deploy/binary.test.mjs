// The runtime image's library list (ldd_check.sh) and the configs the
// deployment ships, checked against the built gateway. Without a built
// binary the ldd check runs on a stand-in linked with the same libraries as
// third_party/BUILD.bazel, and the config checks are skipped.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it, after } from "node:test";
import {
  HERE,
  K8S_DIR,
  REPO,
  gatewayBinary,
  helmTemplate,
  skippedBinaries,
  kustomize,
  which,
} from "./lib.mjs";

const LDD_CHECK = path.join(HERE, "ldd_check.sh");
const PACKAGES = path.join(REPO, "deploy/docker/runtime-packages.txt");
const bin = gatewayBinary();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "across-deploy-bin-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function lddCheck(binary, packages = PACKAGES) {
  return spawnSync("bash", [LDD_CHECK, binary, packages], { encoding: "utf8" });
}

// -l flags of every non-test library target in third_party/BUILD.bazel.
function thirdPartyLinkFlags() {
  const text = fs.readFileSync(path.join(REPO, "third_party/BUILD.bazel"), "utf8");
  const flags = [];
  for (const block of text.split(/\ncc_library\(/).slice(1)) {
    const name = block.match(/name = "([^"]+)"/)?.[1] ?? "";
    if (/gtest|gmock|benchmark/.test(name)) continue;
    for (const m of block.matchAll(/"(-l[^"]+)"/g)) flags.push(m[1]);
  }
  return flags;
}

// A stand-in binary that needs every library the gateway's BUILD files link
// (Bazel links with -no-as-needed, so all of them end up in DT_NEEDED).
function linkProbe() {
  const src = path.join(tmp, "probe.cc");
  const out = path.join(tmp, "link_probe");
  fs.writeFileSync(src, "int main() { return 0; }\n");
  const r = spawnSync("g++", ["-o", out, src, "-Wl,--no-as-needed", ...thirdPartyLinkFlags(), "-pthread", "-lstdc++", "-lm"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `linking the probe failed (build deps installed? tools/setup.sh --build):\n${r.stderr}`);
  return out;
}

describe("runtime libraries (ldd_check.sh)", () => {
  it("every library the gateway loads comes from a listed package", (t) => {
    // The real binary when built; else a probe linked like third_party/BUILD.bazel.
    let target = bin;
    if (!target) {
      assert.ok(which("g++"), "no gateway binary and no g++ for the link probe (tools/setup.sh --build)");
      target = linkProbe();
      t.diagnostic("gateway binary not built: checked a probe linked like third_party/BUILD.bazel");
      for (const s of skippedBinaries) t.diagnostic(`passed over ${s}`);
    }
    const r = lddCheck(target);
    console.log(r.stdout.trimEnd());
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("fails, naming the package, when the list lacks one", () => {
    const target = bin || (which("g++") ? linkProbe() : "/usr/bin/grpc_cpp_plugin");
    const list = path.join(tmp, "short-list.txt");
    fs.writeFileSync(list, fs.readFileSync(PACKAGES, "utf8").replace(/^libprotobuf32$/m, ""));
    const r = lddCheck(target, list);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /FAIL: package libprotobuf32 \(for libprotobuf\.so\.32\) is not in/);
  });

  it("fails on a package name Debian does not have", () => {
    const target = bin || "/bin/true";
    const list = path.join(tmp, "typo-list.txt");
    fs.writeFileSync(list, fs.readFileSync(PACKAGES, "utf8") + "libgrpc++1.99\n");
    const r = lddCheck(target, list);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /lists 'libgrpc\+\+1\.99', which is not a known Debian package/);
  });

  it("rejects bad usage", () => {
    assert.equal(spawnSync("bash", [LDD_CHECK]).status, 2);
    assert.equal(spawnSync("bash", [LDD_CHECK, path.join(tmp, "nope")]).status, 2);
  });
});

describe("shipped configs pass the gateway's own --check_config", () => {
  const check = (t, name, text) => {
    if (!bin) return t.skip("gateway binary not built");
    const f = path.join(tmp, `${name}.yaml`);
    fs.writeFileSync(f, text);
    const r = spawnSync(bin, ["--check_config", `--config=${f}`], { encoding: "utf8" });
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  };
  const configMap = (objects) => objects.find((o) => o.kind === "ConfigMap").data["config.yaml"];

  it("deploy/docker/config.yaml", (t) =>
    check(t, "docker", fs.readFileSync(path.join(REPO, "deploy/docker/config.yaml"), "utf8")));
  for (const overlay of ["dev", "prod"]) {
    it(`overlays/${overlay} ConfigMap`, (t) => {
      if (!bin) return t.skip("gateway binary not built");
      check(t, `kustomize-${overlay}`, configMap(kustomize(path.join(K8S_DIR, "overlays", overlay)).objects));
    });
  }
  it("Helm chart ConfigMap (default values)", (t) => {
    if (!bin) return t.skip("gateway binary not built");
    check(t, "helm", configMap(helmTemplate().objects));
  });
  it("Helm chart ConfigMap (debug logging, one worker)", (t) => {
    if (!bin) return t.skip("gateway binary not built");
    check(t, "helm-custom", configMap(helmTemplate({ setJSON: { "config.logging.level": "debug", "config.worker_threads": 1 } }).objects));
  });
});
