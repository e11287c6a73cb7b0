/**
 * `deno task render`: renders a template offline, exactly as the operator would, and prints the
 * manifests or the error with line and column.
 *
 *   deno task render --template examples/cilium-pool-template.yaml --nodes nodes.yaml
 *   deno task render --template examples/cilium-pool-template.yaml --leases /var/lib/dhcpcd
 *
 *   deno task render --template examples/cilium-pool-template.yaml --live
 *
 * `--template` takes a DHCPTemplate manifest or a raw template; `--nodes` a JSON or YAML file
 * holding the `nodes` list (or an object with a `nodes` key); `--leases` a dhcpcd lease directory,
 * read as the agent reads it, giving one node (named by `--node-name`, default this host's name).
 *
 * `--live` previews the template against the cluster of the kubeconfig (`--kubeconfig`, else
 * `KUBECONFIG` or `~/.kube/config`) without writing anything: rendered with the cluster's
 * `DHCPNode`s, planned as the operator plans, and printed as what it would create, update, delete
 * or refuse, with a diff of each live object against the apiserver's dry-run result. Exit code 0:
 * nothing would change; 1: something would change or is refused; 2: an error.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { parse, stringify } from "yaml";
import { readLeaseDirectory } from "../agent/lease_dir.ts";
import { useHttp1 } from "../operator/kube/http1.ts";
import { SandboxedRenderer } from "../operator/render/sandbox.ts";
import type { Node } from "../shared/model.ts";
import { previewLive } from "./live_preview.ts";
import { formatPreview, hasDifferences } from "./preview.ts";

const USAGE = "usage: render --template <DHCPTemplate file or raw template>\n" +
  "              (--nodes <JSON/YAML file> | --leases <dhcpcd lease directory> [--node-name NAME]\n" +
  "               | --live [--kubeconfig FILE])";

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

/** Previews the template against the cluster and exits 0 (no change), 1 (changes) or 2. */
async function previewAndExit(name: string, source: string, kubeconfig?: string): Promise<never> {
  const kubeConfig = new KubeConfig();
  if (kubeconfig) kubeConfig.loadFromFile(kubeconfig);
  else kubeConfig.loadFromDefault();
  useHttp1(kubeConfig);
  const renderer = new SandboxedRenderer();
  try {
    const preview = await previewLive(kubeConfig, name, source, renderer, new Date());
    if (!preview.templateExists) {
      console.log(`# no DHCPTemplate ${name} in the cluster yet: previewing it as a new template`);
    }
    console.log(`# rendered with ${preview.nodeCount} nodes from the cluster's DHCPNodes`);
    console.log(formatPreview(name, preview.entries));
    Deno.exit(hasDifferences(preview.entries) ? 1 : 0);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  } finally {
    await renderer.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      template: { type: "string" },
      nodes: { type: "string" },
      leases: { type: "string" },
      "node-name": { type: "string" },
      live: { type: "boolean" },
      kubeconfig: { type: "string" },
      help: { type: "boolean" },
    },
  });
  const sources = [values.nodes, values.leases, values.live].filter(Boolean).length;
  if (values.help || !values.template || sources !== 1) {
    console.error(USAGE);
    Deno.exit(values.help ? 0 : 2);
  }
  const { name, source } = templateSource(await Deno.readTextFile(values.template));
  if (values.live) await previewAndExit(name, source, values.kubeconfig);
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
