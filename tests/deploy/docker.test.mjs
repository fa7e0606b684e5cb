// Container image, without a Docker engine: the Dockerfile's structure and
// runtime contract, its build context, the HEALTHCHECK script against a local
// HTTP server, and (when the gateway is built) the image's default config and
// the check against the real binary run as uid 65532.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { describe, it, before, after } from "node:test";
import { REPO, GATEWAY, gatewayBinary } from "./lib.mjs";

const DOCKER_DIR = path.join(REPO, "deploy/docker");
const HEALTHCHECK = path.join(DOCKER_DIR, "healthcheck.sh");

// Minimal Dockerfile parser: joins continuation lines, drops comments, splits
// into stages. Enough for the assertions below.
function parseDockerfile(text) {
  const lines = [];
  let cur = "";
  for (const raw of text.split("\n")) {
    if (/^\s*#/.test(raw) && !cur) continue;
    if (/^\s*#/.test(raw)) continue; // comment inside a continuation
    const l = raw.replace(/\s+$/, "");
    if (l.endsWith("\\")) {
      cur += l.slice(0, -1) + " ";
      continue;
    }
    cur += l;
    if (cur.trim()) lines.push(cur.trim());
    cur = "";
  }
  const args = {};
  const stages = [];
  for (const l of lines) {
    const [, instr, rest] = l.match(/^(\w+)\s+([\s\S]*)$/) || [];
    if (!instr) continue;
    const I = instr.toUpperCase();
    if (I === "ARG" && stages.length === 0) {
      const [k, v] = rest.split("=");
      args[k] = v;
      continue;
    }
    if (I === "FROM") {
      const m = rest.match(/^(\S+)(?:\s+AS\s+(\S+))?/i);
      const image = m[1].replace(/\$\{(\w+)\}/g, (_, k) => args[k] ?? "");
      stages.push({ image, name: m[2], instructions: [] });
      continue;
    }
    assert.ok(stages.length, `${I} before FROM`);
    stages.at(-1).instructions.push({ instr: I, rest });
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(fs.readFileSync(path.join(DOCKER_DIR, "Dockerfile"), "utf8"));
const [build, runtime] = dockerfile.stages;
const all = (stage, I) => stage.instructions.filter((i) => i.instr === I);
const last = (stage, I) => all(stage, I).at(-1);

function runtimePackages() {
  return fs
    .readFileSync(path.join(DOCKER_DIR, "runtime-packages.txt"), "utf8")
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean);
}

describe("Dockerfile", () => {
  it("is multi-stage: Debian 12 build, debian:12-slim runtime", () => {
    assert.equal(dockerfile.stages.length, 2);
    assert.equal(build.image, "debian:12");
    assert.equal(build.name, "build");
    assert.equal(runtime.image, "debian:12-slim");
    assert.equal(runtime.name, "runtime");
  });

  it("build stage: tools/setup.sh, the Bazel opt build, then the ldd check", () => {
    const runs = all(build, "RUN").map((r) => r.rest);
    assert.ok(runs.some((r) => /tools\/setup\.sh/.test(r)), "runs tools/setup.sh");
    const b = runs.find((r) => /bazel build/.test(r));
    assert.match(b, /bazel build -c opt\b.*\/\/gateway:across_gateway/);
    assert.match(b, /tests\/deploy\/ldd_check\.sh \/out\/across_gateway deploy\/docker\/runtime-packages\.txt/);
    const setupIdx = build.instructions.findIndex((i) => i.instr === "RUN" && /setup\.sh/.test(i.rest));
    const copyAllIdx = build.instructions.findIndex((i) => i.instr === "COPY" && /^\.\s+\./.test(i.rest));
    assert.ok(setupIdx < copyAllIdx, "toolchain layer comes before the source copy (cache)");
  });

  it("runtime stage installs exactly runtime-packages.txt, no -dev packages", () => {
    const run = all(runtime, "RUN").map((r) => r.rest).find((r) => /apt-get install/.test(r));
    assert.match(run, /source=deploy\/docker\/runtime-packages\.txt/);
    assert.match(run, /--no-install-recommends/);
    assert.match(run, /rm -rf \/var\/lib\/apt\/lists/);
    const pkgs = runtimePackages();
    assert.ok(pkgs.length >= 10);
    assert.deepEqual(pkgs.filter((p) => /-dev$|^g\+\+|^gcc|^bazel|^curl$|^wget$/.test(p)), [], "runtime list has build tools");
    assert.ok(pkgs.includes("ca-certificates"), "CA store for upstream TLS");
  });

  it("runs as 65532, exposes 8787 and 50051, has HEALTHCHECK and exec-form ENTRYPOINT", () => {
    assert.equal(last(runtime, "USER").rest, `${GATEWAY.uid}:${GATEWAY.uid}`);
    const run = all(runtime, "RUN").map((r) => r.rest).join(" ");
    assert.match(run, /useradd --system --uid 65532 --gid 65532/);
    const exposed = all(runtime, "EXPOSE").flatMap((e) => e.rest.split(/\s+/)).map((p) => p.replace(/\/tcp$/, ""));
    assert.deepEqual(exposed.sort(), [String(GATEWAY.httpPort), String(GATEWAY.grpcPort)].sort());
    const hc = last(runtime, "HEALTHCHECK").rest;
    assert.match(hc, /CMD \["\/usr\/local\/bin\/across-healthcheck"\]/);
    assert.deepEqual(JSON.parse(last(runtime, "ENTRYPOINT").rest), ["/usr/local/bin/across_gateway"]);
    assert.deepEqual(JSON.parse(last(runtime, "CMD").rest), [`--config=${GATEWAY.configPath}`]);
    assert.equal(last(runtime, "STOPSIGNAL")?.rest, "SIGTERM");
  });

  it("bakes a default config at /etc/across/config.yaml and the healthcheck", () => {
    const copies = all(runtime, "COPY").map((c) => c.rest);
    assert.ok(copies.some((c) => /deploy\/docker\/config\.yaml \/etc\/across\/config\.yaml$/.test(c)));
    assert.ok(copies.some((c) => /deploy\/docker\/healthcheck\.sh \/usr\/local\/bin\/across-healthcheck$/.test(c)));
    assert.ok(copies.some((c) => /--from=build \/out\/across_gateway \/usr\/local\/bin\/across_gateway$/.test(c)));
  });

  it("every COPY source exists and survives Dockerfile.dockerignore", () => {
    const ignore = fs
      .readFileSync(path.join(DOCKER_DIR, "Dockerfile.dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    const glob = (p) => new RegExp("^" + p.replace(/[.+^$()|[\]\\]/g, "\\$&").replace(/\*\*\//g, "\0").replace(/\*/g, "[^/]*").replace(/\0/g, "(.*/)?") + "(/|$)");
    const ignored = (rel) => ignore.some((p) => glob(p).test(rel));
    for (const stage of dockerfile.stages) {
      for (const c of all(stage, "COPY")) {
        if (/--from=/.test(c.rest)) continue;
        const parts = c.rest.split(/\s+/).filter((p) => !p.startsWith("--"));
        for (const src of parts.slice(0, -1)) {
          if (src === ".") continue;
          assert.ok(fs.existsSync(path.join(REPO, src)), `COPY source ${src} exists`);
          assert.ok(!ignored(src), `COPY source ${src} is not excluded by Dockerfile.dockerignore`);
        }
      }
    }
    for (const must of ["tools/setup.sh", "gateway/main.cc", "WORKSPACE", "tests/deploy/ldd_check.sh"]) {
      assert.ok(!ignored(must), `${must} stays in the build context`);
    }
    assert.ok(ignored(".git") && ignored("bazel-bin") && ignored("tests/deploy/node_modules"), "heavy paths excluded");
  });
});

// ---------------------------------------------------------------- healthcheck

// Async, so an HTTP server in this process can answer while it runs.
function healthcheck(port, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [HEALTHCHECK, ...args], {
      env: { PATH: process.env.PATH, ACROSS_HEALTHCHECK_PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 10000,
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (status) => resolve({ status, stderr }));
  });
}

describe("healthcheck.sh", () => {
  let server;
  let port;
  before(async () => {
    server = http.createServer((req, res) => {
      const status = { "/healthz": 200, "/readyz": 503 }[req.url] ?? 404;
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status === 200 ? "ok\n" : "no\n");
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    port = server.address().port;
  });
  after(() => server.close());

  it("exits 0 on 200 from /healthz", async () => {
    const r = await healthcheck(port);
    assert.equal(r.status, 0, r.stderr);
  });

  it("exits 1 on a non-200 status and says why", async () => {
    const r = await healthcheck(port, ["/readyz"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /GET \/readyz -> HTTP\/1\.1 503/);
  });

  it("exits 1 when nothing listens", async () => {
    const closed = http.createServer();
    await new Promise((r) => closed.listen(0, "127.0.0.1", r));
    const p = closed.address().port;
    await new Promise((r) => closed.close(r));
    const r = await healthcheck(p);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot connect/);
  });

  it("needs nothing but bash (no curl, wget, nc)", () => {
    const text = fs.readFileSync(HEALTHCHECK, "utf8").replace(/^\s*#.*$/gm, "");
    assert.doesNotMatch(text, /\b(curl|wget|nc|python3?)\b/);
    assert.match(text, /\/dev\/tcp\//);
  });
});

// ------------------------------------------------------ against the real binary

describe("the image's runtime contract, on the built gateway", () => {
  const bin = gatewayBinary();

  it("the baked-in config passes --check_config", (t) => {
    if (!bin) return t.skip("gateway binary not built (bazel build //gateway:across_gateway)");
    const r = spawnSync(bin, ["--check_config", `--config=${path.join(DOCKER_DIR, "config.yaml")}`], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });

  it("serves as uid 65532 with an empty environment; healthcheck passes; SIGTERM exits 0", async (t) => {
    if (!bin) return t.skip("gateway binary not built (bazel build //gateway:across_gateway)");
    const args = [`--config=${path.join(DOCKER_DIR, "config.yaml")}`, "--http_port=0", "--grpc_port=0", "--worker_threads=1", "--listen_address=127.0.0.1"];
    // As in the image: non-root, no HOME, nothing else in the environment.
    const asUser = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v setpriv"]).status === 0;
    const cmd = asUser ? "setpriv" : bin;
    const argv = asUser ? ["--reuid=65532", "--regid=65532", "--clear-groups", bin, ...args] : args;
    const child = spawn(cmd, argv, { env: { HOME: "/nonexistent" }, cwd: "/", stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    const exited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
    try {
      const ports = await new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`gateway did not start:\n${log}`)), 15000);
        const poll = setInterval(() => {
          const line = log.split("\n").find((l) => l.includes('"msg":"listening"'));
          if (line) {
            clearInterval(poll);
            clearTimeout(deadline);
            resolve(JSON.parse(line));
          }
        }, 50);
        child.on("exit", () => {
          clearInterval(poll);
          clearTimeout(deadline);
          reject(new Error(`gateway exited early:\n${log}`));
        });
      });
      const hc = await healthcheck(ports.http_port);
      assert.equal(hc.status, 0, `healthcheck: ${hc.stderr}`);
      const ready = await healthcheck(ports.http_port, ["/readyz"]);
      assert.equal(ready.status, 0, `readyz: ${ready.stderr}`);
      // One request through the echo model, so the counters exist.
      const chat = await fetch(`http://127.0.0.1:${ports.http_port}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "echo", messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(chat.status, 200, await chat.text());
      const metrics = await fetch(`http://127.0.0.1:${ports.http_port}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^# TYPE across_requests_total counter$/m, "Prometheus text format");
      child.kill("SIGTERM");
      const { code, signal } = await exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, log);
      assert.match(log, /"msg":"draining"/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});
