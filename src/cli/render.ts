/**
 * `deno task render`: renders a template offline, exactly as the operator would, and prints the
 * manifests or the error with line and column.
 *
 *   deno task render --template examples/cilium-pool-template.yaml --nodes nodes.yaml
 *   deno task render --template examples/cilium-pool-template.yaml --leases /var/lib/dhcpcd
 *
 * `--template` takes a DHCPTemplate manifest or a raw template; `--nodes` a JSON or YAML file
 * holding the `nodes` list (or an object with a `nodes` key); `--leases` a dhcpcd lease directory,
 * read as the agent reads it, giving one node (named by `--node-name`, default this host's name).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { readLeaseDirectory } from "../agent/lease_dir.ts";
import { SandboxedRenderer } from "../operator/render/sandbox.ts";
import type { Node } from "../shared/model.ts";

const USAGE = "usage: render --template <DHCPTemplate file or raw template>\n" +
  "              (--nodes <JSON/YAML file> | --leases <dhcpcd lease directory> [--node-name NAME])";

/** The template source from a file holding a DHCPTemplate manifest or a raw template. */
export function templateSource(text: string): { name: string; source: string } {
  try {
    const manifest = parse(text, { logLevel: "error" }) as {
      kind?: string;
      metadata?: { name?: string };
      spec?: { template?: unknown };
    };
    if (manifest?.kind === "DHCPTemplate" && typeof manifest.spec?.template === "string") {
      return { name: manifest.metadata?.name ?? "template", source: manifest.spec.template };
    }
  } catch {
    // not YAML: a raw template
  }
  return { name: "template", source: text };
}

/** The node list from a JSON or YAML document (`[...]` or `{nodes: [...]}`). */
export function nodesFrom(text: string, file: string): Node[] {
  const data = parse(text) as unknown;
  const nodes = Array.isArray(data) ? data : (data as { nodes?: unknown })?.nodes;
  if (!Array.isArray(nodes)) {
    throw new Error(`Cannot read nodes from "${file}": expected a list or an object with "nodes"`);
  }
  return nodes as Node[];
}

/** One node from a dhcpcd lease directory; files that cannot be read are reported on stderr. */
async function nodesFromLeases(dir: string, nodeName: string): Promise<Node[]> {
  const { interfaces, problems } = await readLeaseDirectory(dir);
  for (const problem of problems) console.error(`warning: ${problem.file}: ${problem.message}`);
  return [{ name: nodeName, interfaces }];
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      template: { type: "string" },
      nodes: { type: "string" },
      leases: { type: "string" },
      "node-name": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help || !values.template || !values.nodes === !values.leases) {
    console.error(USAGE);
    Deno.exit(values.help ? 0 : 2);
  }
  const { name, source } = templateSource(await Deno.readTextFile(values.template));
  const nodes = values.nodes
    ? nodesFrom(await Deno.readTextFile(values.nodes), values.nodes)
    : await nodesFromLeases(values.leases!, values["node-name"] ?? Deno.hostname());
  const renderer = new SandboxedRenderer();
  const result = await renderer.render(name, source, nodes);
  await renderer.close();
  if (!result.ok) {
    console.error(result.error.message);
    Deno.exit(1);
  }
  console.log(
    result.objects.map((object) => stringify(object, { version: "1.1" }).trimEnd()).map((doc) =>
      `---\n${doc}`
    ).join(
      "\n",
    ),
  );
}
