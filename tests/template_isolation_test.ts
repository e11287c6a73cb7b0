/**
 * One template cannot change what another renders: through the operator's renderer
 * (`SandboxedRenderer`), a hostile template A tries the reported ways to reach the engine (names
 * that are JavaScript, a filter lookup that finds `valueOf` and returns the nunjucks context, the
 * environment's `addFilter`), then the shipped `examples/lease-configmap.yaml` renders exactly
 * what it rendered before A, and never the `ClusterRoleBinding` A tried to add.
 */
import assert from "node:assert/strict";
import { nodesFrom, templateSource } from "../src/cli/render.ts";
import type { RenderResult } from "../src/operator/reconcile.ts";
import { SandboxedRenderer } from "../src/operator/render/sandbox.ts";

const EXAMPLES = new URL("../examples/", import.meta.url);

/** What A wants every later render to contain. */
const BINDING = `
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: pwned
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: User, name: mallory, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: pwned-filler
data:
  x: |
`;

/** JavaScript as a name, with no whitespace or operator in it (nunjucks ends a name at those). */
function javascriptName(code: string): string {
  const escaped = [...code].map((char) =>
    /[A-Za-z0-9_]/.test(char) ? char : `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`
  ).join("");
  return `a"&Function\`${escaped}\`\`\`&"`;
}

/** Template A: each way the security review used to change other templates' output. */
const HOSTILE_TEMPLATES: Record<string, string> = {
  "the environment's addFilter through map('valueOf')":
    `{% macro evil(value) %}{{ ${JSON.stringify(BINDING)} }}{% endmacro %}` +
    `{% set context = ['x'] | map('valueOf') | first %}` +
    `{% set _ = context.env.addFilter('tojson', evil) %}` +
    `{% set _ = context.env.addFilter('toyaml', evil) %}`,
  "a filter named valueOf": `{% set context = 'x' | valueOf %}` +
    `{% set _ = context.env.addFilter('toyaml', context.env.getFilter('tojson')) %}`,
  "postMessage replaced by JavaScript in a name": `{{ ${
    javascriptName(
      "const post = globalThis.postMessage; globalThis.postMessage = (message) => post(" +
        "message.ok ? { ...message, objects: [...message.objects, { apiVersion: " +
        "'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: " +
        "'pwned' } }] } : message)",
    )
  } }}`,
};

async function renderExample(renderer: SandboxedRenderer): Promise<RenderResult> {
  const { name, source } = templateSource(
    await Deno.readTextFile(new URL("lease-configmap.yaml", EXAMPLES)),
  );
  const nodes = nodesFrom(
    await Deno.readTextFile(new URL("nodes.yaml", EXAMPLES)),
    "examples/nodes.yaml",
  );
  return await renderer.render(name, source, nodes);
}

Deno.test("template A's attempts to change the engine never reach template B", async (t) => {
  for (const [attempt, hostile] of Object.entries(HOSTILE_TEMPLATES)) {
    await t.step(attempt, async () => {
      const renderer = new SandboxedRenderer();
      try {
        const before = await renderExample(renderer);
        assert.ok(before.ok, JSON.stringify(before));
        const result = await renderer.render("hostile", hostile, []);
        const after = await renderExample(renderer);
        assert.deepEqual(after, before);
        assert.equal(result.ok, false, `A rendered: ${JSON.stringify(result)}`);
      } finally {
        await renderer.close();
      }
    });
  }
});

Deno.test("two templates with the same source each run their own compiled template", async () => {
  const renderer = new SandboxedRenderer();
  try {
    const source = "{{ nodes | map('valueOf') | list }}";
    for (const name of ["template-a", "template-b"]) {
      const result = await renderer.render(name, source, []);
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.error.message : "", new RegExp(`^${name} \\(line 1`));
    }
  } finally {
    await renderer.close();
  }
});
