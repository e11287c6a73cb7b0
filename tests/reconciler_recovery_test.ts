/**
 * The DHCPTemplate reconciler under faults, against the real control plane with the real
 * sandboxed renderer and the real Cilium CRD: 100 broken templates next to a good one, the
 * apiserver down for 30 s while node data changes, and a template deleted while the reconciler
 * is down.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { ClusterObjects } from "../src/operator/kube/objects.ts";
import type { Renderer, RenderResult } from "../src/operator/reconcile.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import { TemplateReconciler } from "../src/operator/template_reconciler.ts";
import type { KubernetesObject } from "../src/shared/kube_object.ts";
import type { Node } from "../src/shared/model.ts";
import {
  installCrds,
  startApiserver,
  stopApiserver,
  testKubeConfig,
  uniqueName,
  waitFor,
} from "./support/cluster.ts";
import { nodeWithPrefix, TestNodes } from "./support/nodes.ts";
import { CILIUM_LB_IP_POOL_CRD } from "../tools/crds.ts";

const TEMPLATE_CRD = new URL("../charts/dhcp-template/crds/dhcptemplates.yaml", import.meta.url);
const EXAMPLE = new URL("../examples/cilium-pool-template.yaml", import.meta.url);
const GROUP = { group: "k8s.lukasdietrich.com", version: "v1alpha1", plural: "dhcptemplates" };

/** One finished render, in the order renders finished. */
interface RenderRecord {
  template: string;
  ok: boolean;
}

/** The real renderer, recording the order in which renders finish. */
class RecordingRenderer implements Renderer {
  readonly finished: RenderRecord[] = [];
  readonly #inner: SandboxedRenderer;
  constructor(inner: SandboxedRenderer) {
    this.#inner = inner;
  }
  async render(template: string, source: string, nodes: Node[]): Promise<RenderResult> {
    const result = await this.#inner.render(template, source, nodes);
    this.finished.push({ template, ok: result.ok });
    return result;
  }
}

type Pool = KubernetesObject & { spec: { blocks: { cidr: string }[] } };
type TemplateObject = KubernetesObject & {
  spec: { template: string };
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
};

/** Access to templates and pools of one test. */
class Fixture {
  readonly config: KubeConfig = testKubeConfig();
  readonly objects = new ClusterObjects(this.config);
  readonly custom = this.config.makeApiClient(CustomObjectsApi);
  readonly nodes = new TestNodes();
  readonly errors: string[] = [];
  readonly #created = new Set<string>();

  async setUp(): Promise<void> {
    await installCrds(this.config, CILIUM_LB_IP_POOL_CRD);
    await installCrds(this.config, TEMPLATE_CRD);
  }

  async startReconciler(renderer: Renderer): Promise<TemplateReconciler> {
    const reconciler = await TemplateReconciler.start({
      kubeConfig: this.config,
      nodes: this.nodes,
      renderer,
      retryMs: 500,
      onError: (context, error) => this.errors.push(`${context}: ${error}`),
    });
    reconciler.setLeading(true);
    return reconciler;
  }

  async createTemplate(name: string, template: string): Promise<void> {
    await this.custom.createClusterCustomObject({
      ...GROUP,
      body: {
        apiVersion: "k8s.lukasdietrich.com/v1alpha1",
        kind: "DHCPTemplate",
        metadata: { name },
        spec: { template },
      },
    });
    this.#created.add(name);
  }

  async deleteTemplate(name: string): Promise<void> {
    await this.custom.deleteClusterCustomObject({ ...GROUP, name });
    this.#created.delete(name);
  }

  async deleteAllTemplates(): Promise<void> {
    for (const name of [...this.#created]) await this.deleteTemplate(name).catch(() => {});
  }

  async template(name: string): Promise<TemplateObject | undefined> {
    return await this.objects.get({
      apiVersion: "k8s.lukasdietrich.com/v1alpha1",
      kind: "DHCPTemplate",
      name,
    }) as TemplateObject | undefined;
  }

  async ready(name: string) {
    return (await this.template(name))?.status?.conditions?.find((c) => c.type === "Ready");
  }

  async pool(name: string): Promise<Pool | undefined> {
    return await this.objects.get({
      apiVersion: "cilium.io/v2",
      kind: "CiliumLoadBalancerIPPool",
      name,
    }) as Pool | undefined;
  }

  async cidrs(name: string): Promise<string[] | undefined> {
    return (await this.pool(name))?.spec.blocks.map((block) => block.cidr);
  }
}

async function exampleSource(): Promise<string> {
  return (parse(await Deno.readTextFile(EXAMPLE)) as TemplateObject).spec.template;
}

/** A broken template, what its Ready message must say, and why it is broken. */
interface Broken {
  source: string;
  message: RegExp;
}

/**
 * 100 templates broken in the ways authors break them. Each first emits two good lines, so the
 * reported line shows that positions are real.
 */
function brokenTemplates(): Broken[] {
  const lead = "{# a template #}\n{% set x = 1 %}\n";
  const kinds: ((i: number) => Broken)[] = [
    // A filter that does not exist: a compile error on line 3.
    (i) => ({
      source: `${lead}{{ nodes | nosuchfilter${i} }}`,
      message: /nosuchfilter\d+.*\(line 3, column \d+\)/,
    }),
    // A tag left open.
    (i) => ({
      source: `${lead}{% for n in nodes %}{{ ${i} }}`,
      message: /\(line 3\): unexpected end of template: a block .* is not closed/,
    }),
    // A runtime error: a node name is no IP prefix.
    (i) => ({
      source: `${lead}{% for n in nodes %}{{ n.name | ipsubnet(64, ${i}) }}{% endfor %}`,
      message: /\(line 3, column \d+\)/,
    }),
    // Output that is not YAML.
    (i) => ({
      source: `${lead}apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x${i}\ndata: [`,
      message: /Cannot read rendered document 1 \(output line 6, column 1\): Flow map/,
    }),
    // An object without metadata.name.
    (i) => ({
      source: `${lead}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {i: "${i}"}\n`,
      message: /document 1 \(output line 4\): metadata\.name is missing or not a string/,
    }),
    // A document that is a list.
    (i) => ({
      source: `${lead}---\n- ${i}\n`,
      message: /document 1 \(output line 4\): a document must be a mapping/,
    }),
  ];
  const broken = Array.from({ length: 98 }, (_, i) => kinds[i % kinds.length](i));
  // Two endless loops, stopped by the renderer's 2 s limit.
  for (const i of [0, 1]) {
    broken.splice(30 + 40 * i, 0, {
      source:
        `{% for a in range(100000) %}{% for b in range(100000) %}{{ "" }}{% endfor %}{% endfor %}{# ${i} #}`,
      message: /rendering was stopped at the CPU limit of 2000 ms/,
    });
  }
  return broken;
}

Deno.test("100 broken templates: each reports where it broke, the good one keeps working", async () => {
  const fixture = new Fixture();
  await fixture.setUp();
  const prefix = uniqueName("bad");
  const [a, b] = [`${prefix}-a`, `${prefix}-b`];
  fixture.nodes.nodes = [
    nodeWithPrefix(a, "2001:db8:2100::"),
    nodeWithPrefix(b, "2001:db8:2200::"),
  ];
  const sandbox = new SandboxedRenderer();
  const renderer = new RecordingRenderer(sandbox);
  const reconciler = await fixture.startReconciler(renderer);
  const broken = brokenTemplates();
  assert.equal(broken.length, 100);
  const brokenName = (index: number) => `${prefix}-broken-${String(index).padStart(3, "0")}`;
  const good = `${prefix}-good`;
  try {
    // The good template is created last: every broken one is ahead of it.
    for (const [index, template] of broken.entries()) {
      await fixture.createTemplate(brokenName(index), template.source);
    }
    await fixture.createTemplate(good, await exampleSource());

    await waitFor(
      "the good template's pools",
      async () => (await fixture.cidrs(`dhcp-pool-${b}`))?.[0] === "2001:db8:2200::/56",
      120_000,
    );
    assert.deepEqual(await fixture.cidrs(`dhcp-pool-${a}`), ["2001:db8:2100::/56"]);
    await waitFor(
      "the good template Ready",
      async () => (await fixture.ready(good))?.status === "True",
    );

    // Every broken template says Ready=False, why, and where.
    for (const [index, template] of broken.entries()) {
      const name = brokenName(index);
      await waitFor(
        `${name} RenderFailed`,
        async () => (await fixture.ready(name))?.reason === "RenderFailed",
      );
      const ready = await fixture.ready(name);
      assert.equal(ready?.status, "False", name);
      assert.match(ready!.message, template.message, `${name}: ${ready!.message}`);
      assert.match(ready!.message, /objects left as they were$/, name);
    }

    // A node change: the good pool follows even though every broken template fails again.
    await reconciler.idle();
    const mark = renderer.finished.length;
    const started = performance.now();
    fixture.nodes.nodes = [
      nodeWithPrefix(a, "2001:db8:2100::"),
      nodeWithPrefix(b, "2001:db8:2b00::"),
    ];
    reconciler.nodesChanged();
    await waitFor(
      "the good pool to follow the node change",
      async () => (await fixture.cidrs(`dhcp-pool-${b}`))?.[0] === "2001:db8:2b00::/56",
      120_000,
    );
    const latencyMs = performance.now() - started;
    const sinceChange = renderer.finished.slice(mark);
    const goodAt = sinceChange.findIndex((record) => record.template === good);
    assert.ok(goodAt >= 0, "the good template rendered after the change");
    assert.ok(sinceChange[goodAt].ok);
    const brokenBefore = sinceChange.slice(0, goodAt).filter((record) => !record.ok).length;
    console.log(
      `  node change → good pool applied in ${latencyMs.toFixed(0)} ms, ` +
        `after ${brokenBefore} of the 100 broken renders (2 of which hit the 2 s limit)`,
    );
    // One pass at most: the good template never waits for broken ones to be retried.
    assert.ok(brokenBefore <= broken.length, `${brokenBefore} broken renders came first`);
    assert.ok(
      sinceChange.slice(0, goodAt).every((record) => record.template !== good),
      "the good template rendered once",
    );
    await reconciler.idle();
    assert.equal((await fixture.ready(good))?.status, "True");
    assert.deepEqual(await fixture.cidrs(`dhcp-pool-${a}`), ["2001:db8:2100::/56"]);
    for (const index of [0, 30, 99]) {
      assert.equal((await fixture.ready(brokenName(index)))?.reason, "RenderFailed");
    }
  } finally {
    await reconciler.stop();
    await sandbox.close();
    await fixture.deleteAllTemplates();
  }
});

Deno.test("apiserver down for 30 s while node data changes: the reconciler recovers by itself", async () => {
  const fixture = new Fixture();
  await fixture.setUp();
  const prefix = uniqueName("outage");
  const [a, b, c, d] = ["a", "b", "c", "d"].map((suffix) => `${prefix}-${suffix}`);
  const pool = (node: string) => `dhcp-pool-${node}`;
  fixture.nodes.nodes = [
    nodeWithPrefix(a, "2001:db8:3100::"),
    nodeWithPrefix(b, "2001:db8:3200::"),
    nodeWithPrefix(c, "2001:db8:3300::"),
  ];
  const renderer = new SandboxedRenderer();
  const reconciler = await fixture.startReconciler(renderer);
  const template = uniqueName("outage-template");
  try {
    await fixture.createTemplate(template, await exampleSource());
    await waitFor(
      "3 pools",
      async () => (await fixture.cidrs(pool(c)))?.[0] === "2001:db8:3300::/56",
    );
    await reconciler.idle();
    const uids = await Promise.all(
      [a, c].map(async (node) => (await fixture.pool(pool(node)))?.metadata.uid),
    );

    await stopApiserver();
    try {
      // Node data changes while the apiserver is away: b moves, d appears, a and c stay.
      fixture.nodes.nodes = [
        nodeWithPrefix(a, "2001:db8:3100::"),
        nodeWithPrefix(b, "2001:db8:3b00::"),
        nodeWithPrefix(c, "2001:db8:3300::"),
        nodeWithPrefix(d, "2001:db8:3400::"),
      ];
      reconciler.nodesChanged();
      await new Promise((resolve) => setTimeout(resolve, 30_000));
    } finally {
      await startApiserver();
    }

    await waitFor(
      "the pools to converge after the outage",
      async () =>
        (await fixture.cidrs(pool(b)))?.[0] === "2001:db8:3b00::/56" &&
        (await fixture.cidrs(pool(d)))?.[0] === "2001:db8:3400::/56",
      // A request hung on a dropped connection gives up after 30 s, a silent watch after 90 s.
      180_000,
    );
    assert.ok(fixture.errors.length > 0, "the outage was noticed (and retried)");
    // Nothing that should stay was deleted and recreated.
    assert.deepEqual(
      await Promise.all([a, c].map(async (node) => (await fixture.pool(pool(node)))?.metadata.uid)),
      uids,
    );
    await waitFor("Ready again", async () => (await fixture.ready(template))?.status === "True");

    // The watches are back: a deleted pool is restored, a later node change arrives.
    const deleted = await fixture.pool(pool(a));
    await fixture.objects.delete(
      { apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool", name: pool(a) },
      deleted!.metadata.uid!,
    );
    await waitFor(
      "the deleted pool to be restored by the watch",
      async () => {
        const restored = await fixture.pool(pool(a));
        return restored !== undefined && restored.metadata.uid !== deleted!.metadata.uid;
      },
    );
    fixture.nodes.nodes = fixture.nodes.nodes.filter((node) => node.name !== c);
    reconciler.nodesChanged();
    await waitFor(
      "the removed node's pool to go",
      async () => (await fixture.pool(pool(c))) === undefined,
    );
    assert.ok(await fixture.pool(pool(b)));
  } finally {
    await reconciler.stop();
    await renderer.close();
    await fixture.deleteAllTemplates();
  }
});

Deno.test("a template deleted while the reconciler is down: its objects are collected, not recreated", async () => {
  const fixture = new Fixture();
  await fixture.setUp();
  const prefix = uniqueName("gc");
  const [a, b] = [`${prefix}-a`, `${prefix}-b`];
  fixture.nodes.nodes = [
    nodeWithPrefix(a, "2001:db8:4100::"),
    nodeWithPrefix(b, "2001:db8:4200::"),
  ];
  const renderer = new SandboxedRenderer();
  let reconciler = await fixture.startReconciler(renderer);
  const doomed = uniqueName("gc-doomed");
  const control = uniqueName("gc-control");
  const source = await exampleSource();
  try {
    await fixture.createTemplate(doomed, source);
    await fixture.createTemplate(control, source.replace("dhcp-pool-", "ctl-pool-"));
    await waitFor(
      "both templates' pools",
      async () =>
        (await fixture.pool(`dhcp-pool-${b}`)) !== undefined &&
        (await fixture.pool(`ctl-pool-${b}`)) !== undefined,
    );
    await reconciler.idle();
    await reconciler.stop();

    // Deleted while nothing reconciles; the reconciler comes back before the collector is done.
    await fixture.deleteTemplate(doomed);
    reconciler = await fixture.startReconciler(renderer);
    fixture.nodes.nodes = [
      nodeWithPrefix(a, "2001:db8:4100::"),
      nodeWithPrefix(b, "2001:db8:4b00::"),
    ];
    reconciler.nodesChanged();
    await waitFor(
      "the control template to follow the node change",
      async () => (await fixture.cidrs(`ctl-pool-${b}`))?.[0] === "2001:db8:4b00::/56",
    );
    await waitFor(
      "the garbage collector to remove the deleted template's pools",
      async () =>
        (await fixture.pool(`dhcp-pool-${a}`)) === undefined &&
        (await fixture.pool(`dhcp-pool-${b}`)) === undefined,
      60_000,
    );

    // More node changes: the deleted template's pools stay gone.
    fixture.nodes.nodes = [
      nodeWithPrefix(a, "2001:db8:4a00::"),
      nodeWithPrefix(b, "2001:db8:4b00::"),
    ];
    reconciler.nodesChanged();
    await waitFor(
      "the control template's second change",
      async () => (await fixture.cidrs(`ctl-pool-${a}`))?.[0] === "2001:db8:4a00::/56",
    );
    await reconciler.idle();
    assert.equal(await fixture.pool(`dhcp-pool-${a}`), undefined);
    assert.equal(await fixture.pool(`dhcp-pool-${b}`), undefined);
    assert.equal(await fixture.template(doomed), undefined);
  } finally {
    await reconciler.stop();
    await renderer.close();
    await fixture.deleteAllTemplates();
  }
  assert.deepEqual(fixture.errors.filter((error) => !error.startsWith("event")), []);
});
