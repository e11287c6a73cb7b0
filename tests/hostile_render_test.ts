/**
 * Hostile lease values through the real sandboxed renderer and every DHCPTemplate in examples/:
 * text crafted to break YAML (line breaks followed by `kind: Secret`, document separators,
 * template syntax, quotes, YAML indicators, very long strings, unicode) gives either exactly the
 * objects the example renders for honest data, or a clear error — never an injected object.
 * Then templates written carelessly (values printed unquoted) show what a value can do there,
 * and that `| tojson` keeps every value a plain string.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { nodesFrom, templateSource } from "../src/cli/render.ts";
import type { RenderResult } from "../src/operator/reconcile.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";
import type { KubernetesObject } from "../src/shared/kube_object.ts";
import type { Node } from "../src/shared/model.ts";

const EXAMPLES = new URL("../examples/", import.meta.url);

/** A lease value an attacker on the network (or a broken DHCP server) could send. */
const INJECTIONS = [
  "x\nkind: Secret",
  "x\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: injected\n",
  "x\r\n---\r\napiVersion: v1\r\nkind: Secret",
  "x\n...\n---\nkind: Secret",
  "x\u2028kind: Secret",
  "x\u0085kind: Secret",
  "x\tkind: Secret",
  "x\u0000",
];

/** Values without line breaks: YAML and template syntax, quotes, size, unicode. */
const TRICKY = [
  "---",
  "...",
  "x: y",
  "kind: Secret",
  "x, kind: Secret}",
  "x # comment",
  "'",
  '"',
  "\\",
  "{{ nodes }}",
  "{% for n in nodes %}{{ n }}{% endfor %}",
  "{# comment #}",
  "&anchor x",
  "*alias",
  "!!binary aGVsbG8=",
  "!<tag:yaml.org,2002:js/function> x",
  "[",
  "{",
  "- item",
  "|",
  ">-",
  "%YAML 1.1",
  "@x",
  "`x`",
  "null",
  "true",
  "0x1F",
  "",
  " ",
  "a".repeat(100_000),
  "ノード-α",
  "🦕🔥",
  "x\u202ekind: Secret",
  "x\u200by",
  "\ufeffx",
];

/** Where a lease value reaches a template, and how to put `value` there. */
const FIELDS: Record<string, (node: Node, value: string) => void> = {
  "node name": (node, value) => node.name = value,
  "interface name": (node, value) => node.interfaces[0].name = value,
  "ssid": (node, value) => node.interfaces[0].ssid = value,
  "lease4.domain": (node, value) => node.interfaces[0].lease4!.domain = value,
  "lease4.search": (node, value) => node.interfaces[0].lease4!.search = ["ok.test", value],
  "lease4.server_id": (node, value) => node.interfaces[0].lease4!.server_id = value,
  "lease6.search": (node, value) => node.interfaces[0].lease6!.search = [value],
  "lease6.server_id": (node, value) => node.interfaces[0].lease6!.server_id = value,
  "prefix6 state": (node, value) => node.interfaces[0].lease6!.prefix6[0].state = value as "active",
};

interface Example {
  file: string;
  name: string;
  source: string;
}

async function readExamples(): Promise<Example[]> {
  const examples: Example[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (!entry.isFile || !entry.name.endsWith(".yaml")) continue;
    const text = await Deno.readTextFile(new URL(entry.name, EXAMPLES));
    if ((parse(text) as { kind?: string } | null)?.kind !== "DHCPTemplate") continue;
    examples.push({ file: entry.name, ...templateSource(text) });
  }
  return examples.sort((a, b) => a.file.localeCompare(b.file));
}

async function honestNodes(): Promise<Node[]> {
  return nodesFrom(await Deno.readTextFile(new URL("nodes.yaml", EXAMPLES)), "nodes.yaml");
}

/** What must not change whatever the values: which objects exist and where they go. */
function shape(objects: KubernetesObject[]): string[] {
  return objects.map((object) =>
    `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? "(cluster)"}`
  );
}

/** Every string anywhere in the objects (names, keys, values). */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, entry]) => [key, ...strings(entry)]);
  }
  return [];
}

function describe(result: RenderResult): string {
  return result.ok ? shape(result.objects).join("; ") : result.error.message;
}

Deno.test("hostile lease values never add an object to what the examples render", async (t) => {
  const examples = await readExamples();
  assert.ok(examples.length >= 6, `examples found: ${examples.map((e) => e.file)}`);
  const renderer = new SandboxedRenderer();
  try {
    for (const example of examples) {
      await t.step(example.file, async () => {
        const baseline = await renderer.render(example.name, example.source, await honestNodes());
        assert.ok(baseline.ok, describe(baseline));
        const expected = shape(baseline.objects);
        let rendered = 0;
        let refused = 0;

        for (const [field, put] of Object.entries(FIELDS)) {
          for (const value of INJECTIONS) {
            const nodes = await honestNodes();
            put(nodes[0], value);
            const result = await renderer.render(example.name, example.source, nodes);
            const what = `${example.file}, ${field} = ${JSON.stringify(value)}`;
            // A line break can start a document: such values are refused, whatever the template.
            assert.equal(result.ok, false, `${what} rendered: ${describe(result)}`);
            assert.match(result.error.message, /holds a line break or another control character/);
            assert.match(result.error.message, /^[^:]+: not rendered: nodes\[0\]\./, what);
          }
          for (const value of TRICKY) {
            const nodes = await honestNodes();
            put(nodes[0], value);
            const result = await renderer.render(example.name, example.source, nodes);
            const what = `${example.file}, ${field} = ${JSON.stringify(value.slice(0, 40))}`;
            if (result.ok) {
              rendered++;
              assert.deepEqual(shape(result.objects), expected, what);
              assert.ok(
                !strings(result.objects).includes("Secret"),
                `${what}: ${describe(result)}`,
              );
            } else {
              refused++;
              assert.match(result.error.message, new RegExp(`^${example.name}: `), what);
              assert.ok(result.error.message.length < 2_000, `${what}: a bounded message`);
            }
          }
        }
        console.log(`  ${example.file}: ${rendered} rendered as expected, ${refused} refused`);
      });
    }
  } finally {
    await renderer.close();
  }
});

Deno.test("values printed with tojson/toyaml come back exactly as sent (the lease ConfigMap)", async () => {
  const { name, source } = templateSource(
    await Deno.readTextFile(new URL("lease-configmap.yaml", EXAMPLES)),
  );
  const renderer = new SandboxedRenderer();
  try {
    for (const value of TRICKY) {
      const nodes = await honestNodes();
      nodes[0].interfaces[0].ssid = value;
      nodes[0].interfaces[0].lease4!.domain = value;
      nodes[1].interfaces[0].lease4!.search = [value, value];
      const result = await renderer.render(name, source, nodes);
      assert.ok(result.ok, `${JSON.stringify(value.slice(0, 40))}: ${describe(result)}`);
      const [configMap] = result.objects;
      const data = configMap.data as Record<string, string>;
      assert.deepEqual(JSON.parse(data["nodes.json"]), nodes);
      assert.deepEqual(parse(data["node-a.yaml"]), nodes[0]);
      assert.deepEqual(parse(data["node-b.yaml"]), nodes[1]);
    }
  } finally {
    await renderer.close();
  }
});

/** A ConfigMap per node, written the way a careless author would: values printed unquoted. */
const CARELESS = `{%- for node in nodes %}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: dns-{{ loop.index }}
  labels: {domain: {{ node.interfaces[0].lease4.domain }}}
data:
  domain: {{ node.interfaces[0].lease4.domain }}
{%- endfor %}`;

/** The same, without the flow mapping. */
const CARELESS_BLOCK = CARELESS.replace(/\n {2}labels: .*/, "");

/** The same, with the flow mapping only. */
const CARELESS_FLOW = CARELESS.replace(/\ndata:\n {2}domain: .*/, "");

/** The same template, every value through `tojson`. */
const CAREFUL = CARELESS.replaceAll(".domain }}", ".domain | tojson }}");

/** The `data.domain` of a rendered ConfigMap. */
function domainOf(configMap: KubernetesObject): unknown {
  return (configMap.data as { domain?: unknown } | undefined)?.domain;
}

async function renderDomain(source: string, domain: string): Promise<RenderResult> {
  const renderer = new SandboxedRenderer();
  try {
    const nodes = await honestNodes();
    nodes[0].interfaces[0].lease4!.domain = domain;
    return await renderer.render("careless", source, nodes);
  } finally {
    await renderer.close();
  }
}

Deno.test("a careless template: unquoted values change types and keys, or fail; tojson is safe", async () => {
  // Unquoted, a value is YAML source: it can change its own type …
  const asBoolean = await renderDomain(CARELESS_BLOCK, "yes");
  assert.ok(asBoolean.ok);
  assert.equal(domainOf(asBoolean.objects[0]), "yes", "YAML 1.2 core: 'yes' stays a string");
  const asNull = await renderDomain(CARELESS_BLOCK, "null");
  assert.ok(asNull.ok);
  assert.equal(domainOf(asNull.objects[0]), null);
  const asNumber = await renderDomain(CARELESS_BLOCK, "0x1F");
  assert.ok(asNumber.ok);
  assert.equal(domainOf(asNumber.objects[0]), 31);
  // … lose its text after a comment sign …
  const cut = await renderDomain(CARELESS_BLOCK, "a.test #b");
  assert.ok(cut.ok);
  assert.equal(domainOf(cut.objects[0]), "a.test");
  // … add keys to a flow mapping (here a label: the object stays one ConfigMap) …
  const addsKey = await renderDomain(CARELESS_FLOW, "a.test, team: injected");
  assert.ok(addsKey.ok);
  assert.deepEqual(addsKey.objects[0].metadata.labels, { domain: "a.test", team: "injected" });
  assert.equal(addsKey.objects.length, 2);
  // … or break the document, which the reconciler reports with the output line.
  const broken = await renderDomain(CARELESS, "x: y");
  assert.equal(broken.ok, false);
  assert.match(
    broken.error.message,
    /^careless: Cannot read rendered document 1 \(output line 7, column 20\): Block collections are not allowed within flow collections$/,
  );
  // A line break never gets that far: it is refused before rendering.
  const injected = await renderDomain(CARELESS, "a.test\n---\napiVersion: v1\nkind: Secret");
  assert.equal(injected.ok, false);
  assert.match(injected.error.message, /nodes\[0\]\.interfaces\[0\]\.lease4\.domain holds/);

  // Through tojson every one of those values is exactly the string that was sent.
  for (const value of [...TRICKY, "yes", "a.test #b", "a.test, team: injected"]) {
    const result = await renderDomain(CAREFUL, value);
    assert.ok(result.ok, `${JSON.stringify(value.slice(0, 40))}: ${describe(result)}`);
    assert.equal(result.objects.length, 2);
    assert.equal(domainOf(result.objects[0]), value);
    assert.deepEqual(result.objects[0].metadata.labels, { domain: value });
    assert.equal(domainOf(result.objects[1]), "example.net");
  }
});
