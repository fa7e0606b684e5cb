// Kustomize: render base, both overlays and the HTTP-probe variant with
// `kubectl kustomize`, validate every object against the Kubernetes API
// schema, and check probes, ports, resources, security and shutdown timing.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it, before } from "node:test";
import YAML from "yaml";
import {
  K8S_DIR,
  assertGateway,
  kubectl,
  kustomize,
  kustomizeSupportsComponents,
  requireKubectl,
  tempKustomization,
  validateObject,
} from "./lib.mjs";

const overlays = {
  dev: {
    namespace: "across-dev",
    hpa: [1, 2],
    image: "registry.example.com/across/across-gateway:dev",
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } },
    workerThreads: 1,
    logLevel: "debug",
  },
  prod: {
    namespace: "across",
    hpa: [3, 20],
    image: "registry.example.com/across/across-gateway:0.1.0",
    resources: { requests: { cpu: "1", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
    workerThreads: 2,
    logLevel: "info",
  },
};

describe("kustomize", () => {
  before(() => {
    const info = requireKubectl();
    console.log(`# kubectl ${info.version} (${info.path}), kustomize ${info.kustomize ?? "unknown"}`);
  });

  it("base renders and every object matches its API schema", async () => {
    const { objects } = kustomize(path.join(K8S_DIR, "base"));
    assert.equal(objects.length, 8);
    for (const o of objects) await validateObject(o);
    assertGateway(objects);
  });

  for (const [name, want] of Object.entries(overlays)) {
    describe(`overlays/${name}`, () => {
      let objects;
      before(() => {
        ({ objects } = kustomize(path.join(K8S_DIR, "overlays", name)));
      });

      it("every object matches its API schema (strict: no unknown fields)", async () => {
        for (const o of objects) await validateObject(o);
      });

      it("probes, ports, resources, security, shutdown timing", () => {
        const { container, config, hpa } = assertGateway(objects, {
          namespace: want.namespace,
          hpa: want.hpa,
          resources: want.resources,
          imageRegistry: true,
        });
        assert.equal(container.image, want.image);
        assert.equal(config.worker_threads, want.workerThreads);
        assert.equal(config.logging.level, want.logLevel);
        assert.equal(hpa.metadata.namespace, want.namespace);
      });

      it("config changes roll the pods (hashed ConfigMap name)", () => {
        const cm = objects.find((o) => o.kind === "ConfigMap");
        assert.match(cm.metadata.name, /^across-gateway-config-[a-z0-9]{10}$/);
      });
    });
  }

  it("overlays differ only where intended", () => {
    const strip = (objs) =>
      objs.map((o) => ({ kind: o.kind, name: o.metadata.name.replace(/-[a-z0-9]{10}$/, "") })).sort((a, b) =>
        `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`),
      );
    const dev = kustomize(path.join(K8S_DIR, "overlays/dev")).objects;
    const prod = kustomize(path.join(K8S_DIR, "overlays/prod")).objects;
    assert.deepEqual(strip(dev), strip(prod), "same set of objects");
  });

  // The optional HTTP-probe variant, both ways the README documents it.
  const patch = fs.readFileSync(path.join(K8S_DIR, "components/http-probes/http-probes.patch.yaml"), "utf8");

  it("http-probes patch via patchesJson6902 (any kustomize, incl. kubectl 1.20)", async () => {
    const dir = tempKustomization(
      (rel) =>
        YAML.stringify({
          bases: [rel(path.join(K8S_DIR, "overlays/prod"))],
          patchesJson6902: [
            {
              target: { group: "apps", version: "v1", kind: "Deployment", name: "across-gateway" },
              path: "http-probes.patch.yaml",
            },
          ],
        }),
      { "http-probes.patch.yaml": patch },
    );
    try {
      const { objects } = kustomize(dir);
      for (const o of objects) await validateObject(o);
      assertGateway(objects, { probes: "http", namespace: "across" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("http-probes component (kustomize >= 3.7)", async (t) => {
    if (!kustomizeSupportsComponents()) {
      t.skip(`kubectl ${kubectl().version} embeds kustomize ${kubectl().kustomize}: no components`);
      return;
    }
    const dir = tempKustomization((rel) =>
      YAML.stringify({
        resources: [rel(path.join(K8S_DIR, "overlays/dev"))],
        components: [rel(path.join(K8S_DIR, "components/http-probes"))],
      }),
    );
    try {
      const { objects } = kustomize(dir);
      for (const o of objects) await validateObject(o);
      assertGateway(objects, { probes: "http", namespace: "across-dev" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("no-servicemonitor component drops only the ServiceMonitor (kustomize >= 3.7)", async (t) => {
    if (!kustomizeSupportsComponents()) {
      t.skip(`kubectl ${kubectl().version} embeds kustomize ${kubectl().kustomize}: no components`);
      return;
    }
    const dir = tempKustomization((rel) =>
      YAML.stringify({
        resources: [rel(path.join(K8S_DIR, "overlays/prod"))],
        components: [rel(path.join(K8S_DIR, "components/no-servicemonitor"))],
      }),
    );
    try {
      const { objects } = kustomize(dir);
      const kinds = objects.map((o) => o.kind).sort();
      const full = kustomize(path.join(K8S_DIR, "overlays/prod")).objects.map((o) => o.kind).filter((k) => k !== "ServiceMonitor");
      assert.deepEqual(kinds, full.sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the strict field check catches a misspelt field", async () => {
    const { objects } = kustomize(path.join(K8S_DIR, "base"));
    const dep = structuredClone(objects.find((o) => o.kind === "Deployment"));
    const sc = dep.spec.template.spec.containers[0].securityContext;
    sc.readOnlyRootFileSystem = sc.readOnlyRootFilesystem;
    delete sc.readOnlyRootFilesystem;
    await assert.rejects(validateObject(dep), /readOnlyRootFileSystem/);
    const bad = structuredClone(objects.find((o) => o.kind === "Deployment"));
    bad.spec.template.spec.containers[0].livenessProbe.grpc.port = "grpc";
    await assert.rejects(validateObject(bad), /grpc\/port must be integer/);
  });
});
