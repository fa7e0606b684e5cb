// Shared helpers for the offline deployment tests (tests/deploy/*.test.mjs):
// rendering (kubectl kustomize, the helmrender stand-in for `helm template`),
// schema validation with kubernetes-models, a strict unknown-field check, and
// the assertions every rendering of the gateway must pass.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "../..");
export const K8S_DIR = path.join(REPO, "deploy/k8s");
export const CHART_DIR = path.join(REPO, "deploy/helm/across-gateway");

// Facts about the gateway every rendering must agree with.
export const GATEWAY = {
  grpcPort: 50051,
  httpPort: 8787,
  uid: 65532,
  readinessService: "across.gateway.v1.Gateway",
  configPath: "/etc/across/config.yaml",
  configDir: "/etc/across",
  providerKeysSecret: "across-gateway-provider-keys",
  // Margin between "preStop + drain" and SIGKILL.
  minSlackSeconds: 5,
};

// ---------------------------------------------------------------- processes

export function which(cmd) {
  const r = spawnSync("sh", ["-c", `command -v "${cmd}"`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

// ------------------------------------------------------------------ kubectl

export const KUBECTL = process.env.KUBECTL || "kubectl";

let kubectlInfo;
// {path, version: "1.32", kustomize: "v5.5.0" | "v2.0.3" (embedded) | null}
export function kubectl() {
  if (kubectlInfo !== undefined) return kubectlInfo;
  const p = which(KUBECTL);
  if (!p) return (kubectlInfo = null);
  const r = spawnSync(KUBECTL, ["version", "--client"], { encoding: "utf8" });
  const out = `${r.stdout}\n${r.stderr}`;
  const m = out.match(/(?:GitVersion:"v|Client Version: v)(\d+)\.(\d+)/);
  const k = out.match(/Kustomize Version: (v[\d.]+)/);
  const minor = m ? Number(m[2]) : 0;
  kubectlInfo = {
    path: p,
    version: m ? `${m[1]}.${m[2]}` : "unknown",
    minor,
    // kubectl <= 1.20 embeds kustomize v2.0.3 and does not print its version.
    kustomize: k ? k[1] : minor && minor <= 20 ? "v2.0.3" : null,
  };
  return kubectlInfo;
}

export function requireKubectl() {
  const info = kubectl();
  assert.ok(
    info,
    `'${KUBECTL}' not found: install Debian's kubernetes-client (or any kubectl), or set KUBECTL`,
  );
  return info;
}

// Components need kustomize >= 3.7 (kubectl >= 1.21).
export function kustomizeSupportsComponents() {
  const info = kubectl();
  if (!info || !info.kustomize) return false;
  const [maj, min] = info.kustomize.slice(1).split(".").map(Number);
  return maj > 3 || (maj === 3 && min >= 7);
}

// Renders a kustomization directory; returns {objects, stderr}.
export function kustomize(dir) {
  requireKubectl();
  const r = spawnSync(KUBECTL, ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `kubectl kustomize ${dir} failed:\n${r.stderr}`);
  return { objects: parseDocs(r.stdout, `kustomize ${dir}`), stderr: r.stderr };
}

// A throwaway kustomization in a temp dir. kustomize wants relative paths to
// other kustomizations, so absolute paths in `refs` are made relative.
export function tempKustomization(body, files = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "across-kust-"));
  const rel = (p) => path.relative(dir, p);
  fs.writeFileSync(path.join(dir, "kustomization.yaml"), body(rel));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

// -------------------------------------------------------------------- helm

const GOPATH_DEB = "/usr/share/gocode";
let helmrenderBin;

// Builds tests/deploy/helmrender with Debian's Go and Sprig (GOPATH mode, no
// network). Returns the binary path.
export function helmrender() {
  if (helmrenderBin) return helmrenderBin;
  assert.ok(
    which("go"),
    "'go' not found: install Debian's golang-go and golang-github-masterminds-sprig-dev (Helm chart rendering)",
  );
  assert.ok(
    fs.existsSync(path.join(GOPATH_DEB, "src/github.com/Masterminds/sprig")),
    "Sprig sources not found: apt-get install golang-github-masterminds-sprig-dev",
  );
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "across-helmrender-"));
  process.on("exit", () => fs.rmSync(outDir, { recursive: true, force: true }));
  const bin = path.join(outDir, "helmrender");
  const env = {
    ...process.env,
    GO111MODULE: "off",
    GOPATH: GOPATH_DEB,
    GOFLAGS: "",
    GOCACHE: process.env.GOCACHE || path.join(os.tmpdir(), "across-go-cache"),
  };
  const r = spawnSync("go", ["build", "-o", bin, "."], {
    cwd: path.join(HERE, "helmrender"),
    env,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `building helmrender failed:\n${r.stderr}`);
  return (helmrenderBin = bin);
}

// Renders the chart like `helm template <name> <chart> -n <ns>`.
// opts: {name, namespace, setJSON: {path: value}, valuesFiles, strict, notes, expectFailure}
export function helmTemplate(opts = {}) {
  const args = ["-name", opts.name || "across-gateway", "-namespace", opts.namespace || "across"];
  if (opts.strict !== false) args.push("-strict");
  if (opts.notes) args.push("-notes");
  for (const f of opts.valuesFiles || []) args.push("-f", f);
  for (const [k, v] of Object.entries(opts.setJSON || {})) args.push("-set-json", `${k}=${JSON.stringify(v)}`);
  args.push(opts.chartDir || CHART_DIR);
  const r = spawnSync(helmrender(), args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (opts.expectFailure) {
    assert.notEqual(r.status, 0, "rendering was expected to fail");
    return { stderr: r.stderr };
  }
  assert.equal(r.status, 0, `helmrender failed:\n${r.stderr}`);
  if (opts.notes) return { text: r.stdout };
  return { objects: parseDocs(r.stdout, "helm chart"), text: r.stdout };
}

// -------------------------------------------------------------------- YAML

export function parseDocs(text, what) {
  const docs = YAML.parseAllDocuments(text);
  const objects = [];
  for (const d of docs) {
    assert.equal(d.errors.length, 0, `${what}: YAML error: ${d.errors.map(String).join("; ")}`);
    const o = d.toJS();
    if (o === null || o === undefined) continue;
    objects.push(o);
  }
  return objects;
}

export function readYAMLFile(p) {
  return YAML.parse(fs.readFileSync(p, "utf8"));
}

// ------------------------------------------------------------------ schemas

const require = createRequire(import.meta.url);

function modelModule(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com") {
    return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  }
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

// Validates one object against the Kubernetes OpenAPI schema shipped by
// kubernetes-models (and @kubernetes-models/prometheus-operator for the
// ServiceMonitor CRD), then runs the strict unknown-field check.
export async function validateObject(obj) {
  const { apiVersion, kind } = obj;
  assert.ok(apiVersion && kind, `object without apiVersion/kind: ${JSON.stringify(obj).slice(0, 200)}`);
  const spec = modelModule(apiVersion, kind);
  let mod;
  try {
    mod = await import(spec);
  } catch (e) {
    assert.fail(`no schema for ${apiVersion} ${kind} (${spec}): ${e.message}`);
  }
  const Model = mod[kind];
  assert.ok(Model, `${spec} exports no ${kind}`);
  const name = `${kind}/${obj.metadata?.name}`;
  try {
    new Model(obj).validate();
  } catch (e) {
    assert.fail(`${name} does not match the ${apiVersion} ${kind} schema: ${e.message}`);
  }
  const unknown = unknownFields(obj, spec);
  assert.deepEqual(unknown, [], `${name} has fields the ${apiVersion} ${kind} schema does not define`);
}

// ---- strict unknown-field check --------------------------------------------
// The JSON schemas in kubernetes-models allow additional properties, as the
// Kubernetes OpenAPI documents do, so a misspelt field (readOnlyRootFileSystem)
// would pass validate() and be dropped or rejected by the API server. The
// packages' TypeScript declarations list every field with its type; index them
// and walk the object like `kubectl --validate=strict` / `kubeconform -strict`.

const typeIndex = new Map(); // long interface name -> {props: Map(name -> type)}
let indexed = false;

function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

function splitTopLevel(body, sep) {
  const parts = [];
  let depth = 0;
  let cur = "";
  for (const ch of body) {
    if (ch === "{" || ch === "<" || ch === "(") depth++;
    if (ch === "}" || ch === ">" || ch === ")") depth--;
    if (ch === sep && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  return parts;
}

function parseDeclarations(file) {
  const src = stripComments(fs.readFileSync(file, "utf8"));
  const head = src.match(/export interface (\w+)(?: extends [\w, ]+)? \{/);
  if (!head) return;
  let i = head.index + head[0].length;
  let depth = 1;
  const start = i;
  while (depth > 0 && i < src.length) {
    if (src[i] === "{") depth++;
    if (src[i] === "}") depth--;
    i++;
  }
  const body = src.slice(start, i - 1);
  const props = new Map();
  for (const decl of splitTopLevel(body, ";")) {
    const m = decl.trim().match(/^"([^"]+)"\??:\s*([\s\S]+)$/);
    if (m) props.set(m[1], m[2].replace(/\s+/g, " ").trim());
  }
  const alias = src.match(/export type \{ (\w+) as (\w+)/);
  const entry = { props };
  typeIndex.set(head[1] + "@" + file, entry);
  if (alias && alias[1] === head[1]) typeIndex.set(alias[2], entry);
}

function indexTypes() {
  if (indexed) return;
  indexed = true;
  const roots = ["kubernetes-models", "@kubernetes-models/apimachinery", "@kubernetes-models/prometheus-operator"];
  for (const r of roots) {
    const dir = path.dirname(require.resolve(`${r}/package.json`));
    const walk = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) {
          if (e.name !== "_schemas" && e.name !== "node_modules") walk(p);
        } else if (e.name.endsWith(".d.ts") && e.name !== "index.d.ts") parseDeclarations(p);
      }
    };
    walk(dir);
  }
}

function rootEntry(spec) {
  // spec like "kubernetes-models/apps/v1/Deployment"
  const parts = spec.split("/");
  const pkg = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const rest = parts.slice(pkg.split("/").length).join("/");
  const file = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), `${rest}.d.ts`);
  const kind = parts[parts.length - 1];
  return typeIndex.get(`I${kind}@${file}`);
}

function checkAgainst(value, type, where, out) {
  if (value === null || value === undefined || !type) return;
  let m;
  if ((m = type.match(/^Array<(.+)>$/))) {
    if (Array.isArray(value)) value.forEach((v, i) => checkAgainst(v, m[1], `${where}[${i}]`, out));
    return;
  }
  if ((m = type.match(/^\{ \[key: string\]: (.+); \}$/))) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) checkAgainst(v, m[1], `${where}.${k}`, out);
    return;
  }
  const entry = typeIndex.get(type);
  if (!entry || typeof value !== "object" || Array.isArray(value)) return; // primitives, unions, unknown
  for (const [k, v] of Object.entries(value)) {
    if (!entry.props.has(k)) out.push(`${where}.${k}`);
    else checkAgainst(v, entry.props.get(k), `${where}.${k}`, out);
  }
}

export function unknownFields(obj, spec) {
  indexTypes();
  const entry = rootEntry(spec);
  if (!entry) return [];
  const out = [];
  for (const [k, v] of Object.entries(obj)) {
    if (!entry.props.has(k)) out.push(k);
    else checkAgainst(v, entry.props.get(k), k, out);
  }
  return out;
}

// --------------------------------------------------------------- quantities

// Kubernetes resource quantity -> number (cores or bytes).
export function quantity(q) {
  if (typeof q === "number") return q;
  const m = String(q).match(/^([0-9.]+)([a-zA-Z]*)$/);
  assert.ok(m, `bad quantity ${q}`);
  const n = Number(m[1]);
  const mult = {
    "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
  }[m[2]];
  assert.ok(mult !== undefined, `bad quantity suffix in ${q}`);
  return n * mult;
}

// ----------------------------------------------------------------- objects

export function byKind(objects) {
  const m = new Map();
  for (const o of objects) {
    if (!m.has(o.kind)) m.set(o.kind, []);
    m.get(o.kind).push(o);
  }
  return m;
}

export function one(objects, kind, predicate = () => true) {
  const found = objects.filter((o) => o.kind === kind && predicate(o));
  assert.equal(found.length, 1, `expected exactly one ${kind}, found ${found.length}`);
  return found[0];
}

export function selects(selector, labels) {
  return Object.entries(selector || {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector || {}).length > 0;
}

export const REQUIRED_KINDS = [
  "ServiceAccount",
  "ConfigMap",
  "Deployment",
  "Service",
  "HorizontalPodAutoscaler",
  "PodDisruptionBudget",
  "NetworkPolicy",
  "ServiceMonitor",
];

// The checks every rendering of the gateway must pass (Kustomize overlays and
// the Helm chart alike). Returns the interesting objects for further checks.
// opts.probes: "grpc" | "http"
export function assertGateway(objects, opts = {}) {
  const probes = opts.probes || "grpc";
  const kinds = new Set(objects.map((o) => o.kind));
  for (const k of REQUIRED_KINDS) assert.ok(kinds.has(k), `no ${k} rendered`);

  const dep = one(objects, "Deployment");
  const pod = dep.spec.template.spec;
  const podLabels = dep.spec.template.metadata.labels;
  assert.ok(selects(dep.spec.selector.matchLabels, podLabels), "Deployment selector does not match its pod labels");

  // --- one namespace for everything (overlays/helm set it)
  if (opts.namespace) {
    for (const o of objects) assert.equal(o.metadata.namespace ?? opts.namespace, opts.namespace, `${o.kind}/${o.metadata.name} namespace`);
  }

  // --- service account
  const sa = one(objects, "ServiceAccount");
  assert.equal(pod.serviceAccountName, sa.metadata.name, "pod uses the rendered ServiceAccount");
  assert.equal(sa.automountServiceAccountToken, false, "ServiceAccount automountServiceAccountToken");
  assert.equal(pod.automountServiceAccountToken, false, "pod automountServiceAccountToken");

  // --- container
  assert.equal(pod.containers.length, 1, "one container");
  const c = pod.containers[0];
  assert.ok(c.image && !/:latest$/.test(c.image), `image must be pinned, got ${c.image}`);
  if (opts.imageRegistry) assert.ok(c.image.includes("/"), `image ${c.image} has no registry`);
  assert.ok(c.args.includes(`--config=${GATEWAY.configPath}`), "--config flag");

  // --- security
  const psc = pod.securityContext || {};
  const csc = c.securityContext || {};
  assert.equal(psc.runAsNonRoot, true, "pod runAsNonRoot");
  assert.equal(psc.runAsUser, GATEWAY.uid, "pod runAsUser");
  assert.equal(psc.seccompProfile?.type, "RuntimeDefault", "pod seccompProfile");
  assert.equal(csc.runAsNonRoot, true, "container runAsNonRoot");
  assert.equal(csc.runAsUser, GATEWAY.uid, "container runAsUser");
  assert.equal(csc.readOnlyRootFilesystem, true, "readOnlyRootFilesystem");
  assert.equal(csc.allowPrivilegeEscalation, false, "allowPrivilegeEscalation");
  assert.notEqual(csc.privileged, true, "privileged");
  assert.deepEqual(csc.capabilities?.drop, ["ALL"], "capabilities.drop");
  assert.ok(!csc.capabilities?.add?.length, "no added capabilities");
  assert.equal(csc.seccompProfile?.type, "RuntimeDefault", "container seccompProfile");
  assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, "no host namespaces");

  // --- resources
  const res = c.resources || {};
  for (const r of ["cpu", "memory"]) {
    assert.ok(res.requests?.[r] !== undefined, `requests.${r}`);
    assert.ok(res.limits?.[r] !== undefined, `limits.${r}`);
    assert.ok(quantity(res.limits[r]) >= quantity(res.requests[r]), `limits.${r} >= requests.${r}`);
  }
  if (opts.resources) assert.deepEqual(res, opts.resources, "resources");

  // --- ports
  const port = (n) => c.ports.find((p) => p.name === n);
  assert.equal(port("grpc")?.containerPort, GATEWAY.grpcPort, "grpc containerPort");
  assert.equal(port("http")?.containerPort, GATEWAY.httpPort, "http containerPort");

  // --- config: mounted, parseable, consistent with the pod
  const cmVol = pod.volumes.find((v) => v.configMap);
  assert.ok(cmVol, "config volume");
  const mount = c.volumeMounts.find((m) => m.name === cmVol.name);
  assert.equal(mount?.mountPath, GATEWAY.configDir, "config mount path");
  assert.equal(mount?.readOnly, true, "config mount read-only");
  const cm = one(objects, "ConfigMap", (o) => o.metadata.name === cmVol.configMap.name);
  assert.ok(cm.data?.["config.yaml"], "ConfigMap has config.yaml");
  const config = YAML.parse(cm.data["config.yaml"]);
  assert.equal(config.listeners?.grpc?.port, GATEWAY.grpcPort, "config grpc port");
  assert.equal(config.listeners?.http?.port, GATEWAY.httpPort, "config http port");
  for (const p of config.providers || []) {
    assert.ok(!("api_key" in p) && !("key" in p), `provider ${p.id}: keys belong in the Secret, not the config`);
  }
  const cpuLimit = Math.ceil(quantity(res.limits.cpu));
  assert.ok(
    Number.isInteger(config.worker_threads) && config.worker_threads >= 1 && config.worker_threads <= cpuLimit,
    `worker_threads (${config.worker_threads}) must be 1..ceil(cpu limit) = ${cpuLimit}; 0 would size by the node`,
  );

  // --- provider keys
  const ef = (c.envFrom || []).find((e) => e.secretRef);
  assert.equal(ef?.secretRef?.name, opts.providerKeysSecret || GATEWAY.providerKeysSecret, "envFrom secretRef name");
  assert.equal(ef?.secretRef?.optional, true, "envFrom secretRef optional");
  assert.ok(!objects.some((o) => o.kind === "Secret"), "no Secret objects: keys are created out of band");

  // --- probes
  const handlers = (p) => ["exec", "httpGet", "tcpSocket", "grpc"].filter((h) => p && p[h]);
  for (const name of ["startupProbe", "livenessProbe", "readinessProbe"]) {
    assert.ok(c[name], `${name} present`);
    assert.equal(handlers(c[name]).length, 1, `${name} has exactly one handler`);
  }
  if (probes === "grpc") {
    for (const name of ["startupProbe", "livenessProbe"]) {
      assert.equal(c[name].grpc?.port, GATEWAY.grpcPort, `${name} grpc port`);
      assert.ok(!c[name].grpc.service, `${name} checks the server-wide health service ""`);
    }
    assert.equal(c.readinessProbe.grpc?.port, GATEWAY.grpcPort, "readinessProbe grpc port");
    assert.equal(c.readinessProbe.grpc?.service, GATEWAY.readinessService, "readinessProbe grpc service");
  } else {
    assert.equal(c.livenessProbe.httpGet?.path, "/healthz", "liveness path");
    assert.equal(c.startupProbe.httpGet?.path, "/healthz", "startup path");
    assert.equal(c.readinessProbe.httpGet?.path, "/readyz", "readiness path");
    for (const name of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const p = c[name].httpGet.port;
      assert.ok(p === "http" || p === GATEWAY.httpPort, `${name} on the HTTP port`);
    }
  }
  // Readiness must notice a drain quickly; liveness must not kill slow pods.
  const rp = c.readinessProbe;
  assert.ok((rp.periodSeconds ?? 10) * (rp.failureThreshold ?? 3) <= 15, "readiness reacts within 15 s");

  // --- graceful termination
  const preStop = c.lifecycle?.preStop;
  let sleepSeconds;
  if (preStop?.sleep) sleepSeconds = Number(preStop.sleep.seconds);
  else {
    const cmd = preStop?.exec?.command || [];
    assert.ok(/(^|\/)sleep$/.test(cmd[0] || ""), `preStop runs sleep, got ${JSON.stringify(cmd)}`);
    sleepSeconds = Number(cmd[1]);
  }
  assert.ok(sleepSeconds >= 1 && sleepSeconds <= 30, `preStop sleep ${sleepSeconds}s`);
  const drainSeconds = Math.ceil((config.limits?.drain_timeout_ms ?? 0) / 1000);
  assert.ok(drainSeconds > 0, "limits.drain_timeout_ms set");
  const grace = pod.terminationGracePeriodSeconds;
  assert.ok(
    grace >= sleepSeconds + drainSeconds + GATEWAY.minSlackSeconds,
    `terminationGracePeriodSeconds ${grace} < preStop ${sleepSeconds} + drain ${drainSeconds} + ${GATEWAY.minSlackSeconds}`,
  );

  // --- rollout keeps capacity
  assert.equal(dep.spec.strategy?.rollingUpdate?.maxUnavailable, 0, "rolling update maxUnavailable 0");

  // --- Service
  const svcs = objects.filter((o) => o.kind === "Service" && o.spec.clusterIP !== "None");
  assert.equal(svcs.length, 1, "one ClusterIP Service");
  const svc = svcs[0];
  assert.ok(selects(svc.spec.selector, podLabels), "Service selects the pods");
  const sp = (n) => svc.spec.ports.find((p) => p.name === n);
  assert.equal(sp("grpc")?.port, GATEWAY.grpcPort, "Service grpc port");
  assert.equal(sp("grpc")?.targetPort, "grpc", "Service grpc targetPort");
  assert.equal(sp("grpc")?.appProtocol, "kubernetes.io/h2c", "Service grpc appProtocol");
  assert.equal(sp("http")?.port, GATEWAY.httpPort, "Service http port");
  assert.equal(sp("http")?.targetPort, "http", "Service http targetPort");
  assert.equal(sp("http")?.appProtocol, "http", "Service http appProtocol");

  // --- HPA
  const hpa = one(objects, "HorizontalPodAutoscaler");
  assert.equal(hpa.apiVersion, "autoscaling/v2");
  assert.deepEqual(
    { kind: hpa.spec.scaleTargetRef.kind, name: hpa.spec.scaleTargetRef.name },
    { kind: "Deployment", name: dep.metadata.name },
    "HPA targets the Deployment",
  );
  assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.minReplicas <= hpa.spec.maxReplicas, "HPA bounds");
  const cpu = hpa.spec.metrics.find((m) => m.type === "Resource" && m.resource.name === "cpu");
  assert.equal(cpu?.resource.target.type, "Utilization", "HPA CPU utilization target");
  assert.equal(dep.spec.replicas, undefined, "no Deployment replicas while an HPA owns the count");
  if (opts.hpa) assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], opts.hpa, "HPA min/max");

  // --- PDB
  const pdb = one(objects, "PodDisruptionBudget");
  assert.equal(pdb.apiVersion, "policy/v1");
  assert.ok(selects(pdb.spec.selector.matchLabels, podLabels), "PDB selects the pods");
  assert.ok(pdb.spec.maxUnavailable !== undefined || pdb.spec.minAvailable !== undefined, "PDB budget");
  if (pdb.spec.minAvailable !== undefined) {
    assert.ok(Number(pdb.spec.minAvailable) < hpa.spec.minReplicas, "PDB minAvailable < minReplicas (else drains block)");
  }

  // --- NetworkPolicy
  const np = one(objects, "NetworkPolicy");
  assert.ok(selects(np.spec.podSelector.matchLabels, podLabels), "NetworkPolicy selects the pods");
  assert.deepEqual([...np.spec.policyTypes].sort(), ["Egress", "Ingress"], "NetworkPolicy policyTypes");
  const inPorts = new Set(np.spec.ingress.flatMap((r) => (r.ports || []).map((p) => p.port)));
  assert.ok(inPorts.has(GATEWAY.grpcPort) && inPorts.has(GATEWAY.httpPort), "ingress admits grpc and http");
  const egPorts = np.spec.egress.flatMap((r) => (r.ports || []).map((p) => `${p.protocol}/${p.port}`));
  assert.ok(egPorts.includes("UDP/53") && egPorts.includes("TCP/53"), "egress allows DNS");
  assert.ok(egPorts.includes("TCP/443"), "egress allows HTTPS to providers");

  // --- ServiceMonitor
  const sm = one(objects, "ServiceMonitor");
  assert.ok(selects(sm.spec.selector.matchLabels, svc.metadata.labels), "ServiceMonitor selects the Service");
  const ep = sm.spec.endpoints[0];
  assert.equal(ep.port, "http", "ServiceMonitor scrapes the http port");
  assert.equal(ep.path, "/metrics", "ServiceMonitor path");
  assert.ok(sp(ep.port), "ServiceMonitor port exists on the Service");

  return { dep, container: c, config, svc, hpa, pdb, np, sm, cm, sa };
}

// ------------------------------------------------------------------ binary

// The built gateway, if any: $GATEWAY_BIN (set by tools/test.sh) or
// $ACROSS_GATEWAY_BINARY if set, else the usual Bazel output paths. null if none.
// Returns a private copy, so a concurrent `bazel build` replacing the output
// cannot pull the file away in the middle of a test.
let binaryCopy;
// Candidates passed over, for diagnostics.
export const skippedBinaries = [];

// An ASan/UBSan/TSan build (`bazel build --config=asan` leaves one in
// bazel-bin) links sanitizer runtimes the image never ships: not the binary
// the image is built from.
function isSanitizerBuild(p) {
  const r = spawnSync("ldd", [p], { encoding: "utf8" });
  return /\blib(a|ub|t|hwa|l)san\.so/.test(r.stdout || "");
}

export function gatewayBinary() {
  if (binaryCopy !== undefined) return binaryCopy;
  const explicit = process.env.GATEWAY_BIN || process.env.ACROSS_GATEWAY_BINARY;
  // An explicit path is authoritative: missing means "no binary".
  const candidates = explicit
    ? [explicit]
    : [
        path.join(REPO, "bazel-bin/gateway/across_gateway"),
        path.join(REPO, "bazel-out/k8-opt/bin/gateway/across_gateway"),
        path.join(REPO, "bazel-out/k8-fastbuild/bin/gateway/across_gateway"),
      ];
  for (const c of candidates) {
    try {
      if (!fs.statSync(c).isFile()) continue;
      if (isSanitizerBuild(c)) {
        skippedBinaries.push(`${c} (sanitizer build)`);
        continue;
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "across-gateway-bin-"));
      fs.chmodSync(dir, 0o755); // the docker test runs it as uid 65532
      const copy = path.join(dir, "across_gateway");
      fs.copyFileSync(c, copy);
      fs.chmodSync(copy, 0o755);
      process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
      return (binaryCopy = copy);
    } catch {
      // gone or unreadable: next
    }
  }
  return (binaryCopy = null);
}
