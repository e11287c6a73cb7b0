import assert from "node:assert/strict";
import { ManifestError, ManifestParser, parseManifests } from "./manifests.ts";

Deno.test("a stream of documents becomes objects; empty documents are skipped", () => {
  const objects = parseManifests(
    "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\n" +
      "apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: b}\n",
  );
  assert.deepEqual(objects.map((object) => object.metadata.name), ["a", "b"]);
});

Deno.test("a document without kind names the document and its line", () => {
  assert.throws(
    () =>
      parseManifests(
        "apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n",
      ),
    (error: ManifestError) => {
      assert.match(error.message, /document 2 \(output line 5\): kind is missing/);
      return true;
    },
  );
});

Deno.test("invalid YAML gives the line and column", () => {
  assert.throws(
    () => parseManifests("apiVersion: v1\nkind: [\n"),
    (error: ManifestError) => error instanceof ManifestError && error.line !== undefined,
  );
});

Deno.test("a value crafted to inject a document stays a string when quoted with tojson", () => {
  // What `domain: {{ lease.domain | tojson }}` renders for a hostile domain name.
  const domain = JSON.stringify("evil\n---\nkind: Secret");
  const objects = parseManifests(
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  domain: ${domain}\n`,
  );
  assert.equal(objects.length, 1);
  assert.equal((objects[0].data as { domain: string }).domain, "evil\n---\nkind: Secret");
});

Deno.test("a list or scalar document is rejected", () => {
  assert.throws(() => parseManifests("- a\n- b\n"), /must be a mapping/);
});

Deno.test("a re-render parses again only what changed, with lines counted in the whole stream", () => {
  const parser = new ManifestParser();
  const doc = (name: string, cidr: string) =>
    `---\napiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: ${name}\nspec:\n  blocks: [{cidr: "${cidr}"}]\n`;
  const first = parser.parse(doc("a", "2001:db8:1::/56") + doc("b", "2001:db8:2::/56"));
  const second = parser.parse(doc("a", "2001:db8:1::/56") + doc("b", "2001:db8:3::/56"));
  assert.equal(second[0], first[0], "the unchanged document is reused");
  assert.deepEqual((second[1].spec as { blocks: unknown }).blocks, [{ cidr: "2001:db8:3::/56" }]);
  assert.throws(
    () => parser.parse(doc("a", "x") + "---\napiVersion: v1\nmetadata: {name: b}\n"),
    /document 2 \(output line 9\): kind is missing/,
  );
});
