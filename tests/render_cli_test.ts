/** The offline render command as a template author runs it: --nodes, --leases, errors. */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { ia, iaPrefix, message6 } from "../src/agent/lease/test_messages.ts";

const ROOT = new URL("../", import.meta.url);
const EXAMPLE = new URL("examples/cilium-pool-template.yaml", ROOT).pathname;

async function render(...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "render", ...args],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

const cidrsOf = (stdout: string) =>
  parseAllDocuments(stdout).map((document) => {
    const pool = document.toJS() as {
      metadata: { name: string };
      spec: { blocks: { cidr: string }[] };
    };
    return `${pool.metadata.name} ${pool.spec.blocks.map((block) => block.cidr).join(",")}`;
  });

Deno.test("render --leases reads a dhcpcd lease directory as the agent does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(
      `${dir}/eth0.lease6`,
      message6([ia(25, 0, 0, [iaPrefix("2001:db8:1200::", 56, 1800, 3600)])]),
    );
    await Deno.writeFile(`${dir}/broken.lease6`, new Uint8Array([7, 0]));
    const result = await render("--template", EXAMPLE, "--leases", dir, "--node-name", "w1");
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(cidrsOf(result.stdout), ["dhcp-pool-w1 2001:db8:1200::/56"]);
    assert.match(result.stderr, /warning: .*broken.lease6: Cannot decode lease/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("render --nodes prints the manifests; a broken template prints line and column", async () => {
  const nodes = new URL("examples/nodes.yaml", ROOT).pathname;
  const good = await render("--template", EXAMPLE, "--nodes", nodes);
  assert.equal(good.code, 0, good.stderr);
  assert.ok(cidrsOf(good.stdout).length > 0);

  const template = await Deno.makeTempFile({ suffix: ".j2" });
  try {
    await Deno.writeTextFile(
      template,
      "kind: x\n{% for n in nodes %}\n{{ n.name | nosuchfilter }}{% endfor %}",
    );
    const bad = await render("--template", template, "--nodes", nodes);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /line 3/);
    assert.match(bad.stderr, /nosuchfilter/);
  } finally {
    await Deno.remove(template);
  }
});

Deno.test("render without --nodes or --leases explains its usage", async () => {
  const result = await render("--template", EXAMPLE);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /usage: render --template/);
});
