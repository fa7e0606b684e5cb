// Helm chart, without a helm binary: Chart.yaml fields, values.yaml against
// values.schema.json, every .Values reference resolvable, and the templates
// rendered by tests/deploy/helmrender (Go text/template + Sprig, as Helm)
// validated against the Kubernetes API schema with the same assertions as the
// Kustomize overlays, plus parity with the Kustomize base.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it, before } from "node:test";
import Ajv from "ajv";
import YAML from "yaml";
import {
  CHART_DIR,
  K8S_DIR,
  REQUIRED_KINDS,
  assertGateway,
  helmTemplate,
  helmrender,
  kustomize,
  one,
  readYAMLFile,
  validateObject,
} from "./lib.mjs";

const TEMPLATES = path.join(CHART_DIR, "templates");
const values = readYAMLFile(path.join(CHART_DIR, "values.yaml"));
const schema = JSON.parse(fs.readFileSync(path.join(CHART_DIR, "values.schema.json"), "utf8"));
const templateText = fs
  .readdirSync(TEMPLATES)
  .map((f) => fs.readFileSync(path.join(TEMPLATES, f), "utf8"))
  .join("\n");

function getPath(obj, dotted) {
  return dotted.split(".").reduce((o, k) => (o && typeof o === "object" && k in o ? o[k] : undefined), obj);
}

describe("helm chart: static checks", () => {
  it("Chart.yaml has the fields Helm 3 needs", () => {
    const chart = readYAMLFile(path.join(CHART_DIR, "Chart.yaml"));
    assert.equal(chart.apiVersion, "v2");
    assert.equal(chart.name, path.basename(CHART_DIR), "name matches the directory");
    assert.match(chart.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, "SemVer version");
    assert.equal(typeof chart.appVersion, "string", "appVersion is a string (quoted)");
    assert.equal(chart.type, "application");
    assert.ok(chart.description, "description");
    assert.match(chart.kubeVersion, /^>=\s*1\.2[4-9]/, "kubeVersion covers gRPC probes (>= 1.24)");
  });

  it("the chart has a template for every object the Kustomize base has", () => {
    for (const f of ["_helpers.tpl", "NOTES.txt", "deployment.yaml", "service.yaml", "configmap.yaml",
      "serviceaccount.yaml", "hpa.yaml", "pdb.yaml", "networkpolicy.yaml", "servicemonitor.yaml"]) {
      assert.ok(fs.existsSync(path.join(TEMPLATES, f)), `templates/${f}`);
    }
  });

  it("values.yaml is valid against values.schema.json", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    assert.ok(validate(values), JSON.stringify(validate.errors, null, 2));
  });

  it("values.schema.json rejects typos and bad values", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const bad = [
      { ...values, autoscalling: { enabled: true } },
      { ...values, probes: { ...values.probes, type: "tcp" } },
      { ...values, shutdown: { ...values.shutdown, preStopMode: "sleep" } },
      { ...values, config: { ...values.config, providers: [{ id: "x", type: "openai", api_key: "sk-..." }] } },
      { ...values, image: { ...values.image, digest: "latest" } },
    ];
    for (const v of bad) assert.equal(validate(v), false, JSON.stringify(v).slice(0, 120));
  });

  it("every .Values reference in the templates exists in values.yaml", () => {
    const refs = new Set([...templateText.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) => m[1].slice(1)));
    assert.ok(refs.size > 20, "found the references");
    const missing = [...refs].filter((r) => getPath(values, r) === undefined);
    assert.deepEqual(missing, [], "referenced but not defined in values.yaml");
  });

  it("every top-level value is used by a template", () => {
    const unused = Object.keys(values).filter((k) => !new RegExp(`\\.Values\\.${k}\\b`).test(templateText));
    assert.deepEqual(unused, [], "defined in values.yaml but never used");
  });

  it("every values.yaml key is described in the schema", () => {
    assert.deepEqual(Object.keys(values).filter((k) => !(k in schema.properties)), []);
  });
});

describe("helm chart: rendered (helmrender, strict)", () => {
  before(() => {
    helmrender();
  });

  it("defaults render; every object matches its API schema", async () => {
    const { objects } = helmTemplate();
    assert.deepEqual([...new Set(objects.map((o) => o.kind))].sort(), [...REQUIRED_KINDS].sort());
    for (const o of objects) await validateObject(o);
    const { dep, hpa } = assertGateway(objects, { namespace: "across" });
    assert.equal(dep.metadata.name, "across-gateway");
    assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [values.autoscaling.minReplicas, values.autoscaling.maxReplicas]);
    assert.match(dep.spec.template.metadata.annotations["checksum/config"], /^[0-9a-f]{64}$/);
  });

  it("matches the Kustomize base where they describe the same thing", () => {
    const helm = helmTemplate().objects;
    const kust = kustomize(path.join(K8S_DIR, "base")).objects;
    const dep = (objs) => {
      const d = one(objs, "Deployment");
      const pod = structuredClone(d.spec.template.spec);
      const c = pod.containers[0];
      delete c.image;
      delete c.imagePullPolicy;
      delete pod.volumes; // ConfigMap names differ (kustomize adds a hash)
      return { strategy: d.spec.strategy, pod };
    };
    assert.deepEqual(dep(helm), dep(kust), "Deployment pod spec");
    for (const kind of ["HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor"]) {
      const spec = (objs) => {
        const s = structuredClone(one(objs, kind).spec);
        return s;
      };
      assert.deepEqual(spec(helm), spec(kust), `${kind} spec`);
    }
    assert.deepEqual(one(helm, "Service").spec, one(kust, "Service").spec, "Service spec");
    const cfg = (objs) => YAML.parse(one(objs, "ConfigMap").data["config.yaml"]);
    assert.deepEqual(cfg(helm), cfg(kust), "gateway config");
  });

  it("probes.type=http renders HTTP probes", async () => {
    const { objects } = helmTemplate({ setJSON: { "probes.type": "http" } });
    for (const o of objects) await validateObject(o);
    assertGateway(objects, { probes: "http" });
  });

  it("shutdown.preStopMode=sleepAction uses the built-in sleep", async () => {
    const { objects } = helmTemplate({ setJSON: { "shutdown.preStopMode": "sleepAction" } });
    for (const o of objects) await validateObject(o);
    const { container } = assertGateway(objects);
    assert.deepEqual(container.lifecycle.preStop, { sleep: { seconds: 5 } });
  });

  it("the grace period follows limits.drain_timeout_ms", () => {
    const { objects } = helmTemplate({ setJSON: { "config.limits.drain_timeout_ms": 60500 } });
    const { dep } = assertGateway(objects);
    assert.equal(dep.spec.template.spec.terminationGracePeriodSeconds, 5 + 61 + 10);
  });

  it("an explicit grace period shorter than preStop + drain is refused", () => {
    const { stderr } = helmTemplate({ setJSON: { "shutdown.terminationGracePeriodSeconds": 20 }, expectFailure: true });
    assert.match(stderr, /must exceed preStopSleepSeconds \+ drain/);
  });

  it("an unknown probes.type is refused", () => {
    const { stderr } = helmTemplate({ setJSON: { "probes.type": "tcp" }, expectFailure: true });
    assert.match(stderr, /probes.type must be grpc or http/);
  });

  it("autoscaling.enabled=false: fixed replicas, no HPA", async () => {
    const { objects } = helmTemplate({ setJSON: { "autoscaling.enabled": false, replicaCount: 4 } });
    for (const o of objects) await validateObject(o);
    assert.ok(!objects.some((o) => o.kind === "HorizontalPodAutoscaler"));
    assert.equal(one(objects, "Deployment").spec.replicas, 4);
  });

  it("optional objects switch off; headless Service switches on", async () => {
    const { objects } = helmTemplate({
      setJSON: {
        "serviceMonitor.enabled": false,
        "networkPolicy.enabled": false,
        "podDisruptionBudget.enabled": false,
        "serviceAccount.create": false,
        "service.headless.enabled": true,
      },
    });
    for (const o of objects) await validateObject(o);
    const kinds = objects.map((o) => o.kind);
    for (const k of ["ServiceMonitor", "NetworkPolicy", "PodDisruptionBudget", "ServiceAccount"]) {
      assert.ok(!kinds.includes(k), `${k} disabled`);
    }
    const headless = one(objects, "Service", (s) => s.spec.clusterIP === "None");
    assert.equal(headless.metadata.name, "across-gateway-headless");
    assert.equal(headless.spec.ports[0].port, 50051);
    assert.equal(one(objects, "Deployment").spec.template.spec.serviceAccountName, "default");
  });

  it("release name, digest, extra labels and rules flow through", async () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const { objects } = helmTemplate({
      name: "edge",
      namespace: "llm",
      setJSON: {
        "image.digest": digest,
        "serviceMonitor.labels": { release: "kube-prometheus-stack" },
        "networkPolicy.egress.extra": [{ to: [{ podSelector: { matchLabels: { app: "vllm" } } }], ports: [{ protocol: "TCP", port: 8000 }] }],
        podAnnotations: { "example.com/team": "llm" },
        extraEnv: [{ name: "GRPC_VERBOSITY", value: "ERROR" }],
      },
    });
    for (const o of objects) await validateObject(o);
    const { dep, sm, np, container } = assertGateway(objects, { providerKeysSecret: "edge-across-gateway-provider-keys" });
    assert.equal(dep.metadata.name, "edge-across-gateway");
    assert.equal(container.image, `registry.example.com/across/across-gateway@${digest}`);
    assert.equal(sm.metadata.labels.release, "kube-prometheus-stack");
    assert.ok(np.spec.egress.some((r) => r.ports?.[0]?.port === 8000));
    assert.equal(dep.spec.template.metadata.annotations["example.com/team"], "llm");
    assert.deepEqual(container.env, [{ name: "GRPC_VERBOSITY", value: "ERROR" }]);
  });

  it("a config change changes the pod template (rolls the pods)", () => {
    const a = one(helmTemplate().objects, "Deployment").spec.template.metadata.annotations["checksum/config"];
    const b = one(helmTemplate({ setJSON: { "config.logging.level": "debug" } }).objects, "Deployment").spec.template.metadata
      .annotations["checksum/config"];
    assert.notEqual(a, b);
  });

  it("a values file works like helm -f", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "across-values-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const f = path.join(dir, "prod.yaml");
    fs.writeFileSync(
      f,
      YAML.stringify({
        image: { tag: "0.2.0" },
        autoscaling: { minReplicas: 3, maxReplicas: 20 },
        resources: { requests: { cpu: "1", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
      }),
    );
    const { objects } = helmTemplate({ valuesFiles: [f] });
    for (const o of objects) await validateObject(o);
    const { container, hpa } = assertGateway(objects);
    assert.equal(container.image, "registry.example.com/across/across-gateway:0.2.0");
    assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [3, 20]);
  });

  it("NOTES.txt renders with the in-cluster grpcurl call", () => {
    const { text } = helmTemplate({ notes: true, namespace: "llm" });
    assert.match(text, /grpcurl -plaintext across-gateway\.llm\.svc:50051 list/);
    assert.match(text, /across-gateway-provider-keys/);
  });
});

