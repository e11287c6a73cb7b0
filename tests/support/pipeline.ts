/**
 * The whole product on one machine: the DHCP testbed (kea + dhcpcd in network namespaces), the
 * operator replicas and one agent per simulated node as host processes with real node-bound
 * tokens, against a running control plane. Used by the end-to-end and fault tests, the
 * benchmarks and the demo.
 *
 * @module
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { ClusterObjects } from "../../src/operator/kube/objects.ts";
import { DHCP_NODE_API_VERSION, DHCP_NODE_KIND } from "../../src/operator/nodes/dhcp_node.ts";
import type { KubernetesObject } from "../../src/shared/kube_object.ts";
import { loadKubeConfig } from "../../tools/testcluster/control_plane.ts";
import { useHttp1 } from "../../src/operator/kube/http1.ts";
import { DhcpTestbed, type TestbedLifetimes } from "../testbed/dhcp.ts";
import { type AgentIdentities, createAgentIdentities } from "./agent_identities.ts";
import { makeServingCertificate, type ServingCertificate } from "./channel.ts";
import { installProductCrds, waitFor } from "./cluster.ts";
import type { ExitWatch } from "./exits.ts";
import { startTcpProxy, type TcpProxy } from "./tcp_proxy.ts";
import {
  type ManagedProcess,
  type OperatorProcess,
  startAgentProcess,
  startOperatorProcess,
} from "./processes.ts";

const AGENT_SERVICE_ACCOUNT = "dhcp-template-agent";

/** A CiliumLoadBalancerIPPool as the example renders it. */
export type Pool = KubernetesObject & { spec: { blocks: { cidr: string }[] } };

/** How to start the pipeline. */
export interface PipelineOptions {
  /** The control plane's kubeconfig file. */
  kubeconfigPath: string;
  /** Names of the simulated nodes. */
  nodes: string[];
  /** Namespace for the agents' service account and pods and the election Lease. */
  namespace: string;
  /** Operator replicas (default 1). */
  operators?: number;
  /** Extra operator flags. */
  operatorArgs?: string[];
  /** Lifetimes the DHCP servers hand out (testbed defaults when absent). */
  lifetimes?: TestbedLifetimes;
  /** Hears every output line of every process, prefixed with its name. */
  onLine?: (line: string) => void;
  /** Hears progress. */
  progress?: (message: string) => void;
}

/** The running pipeline. */
export class Pipeline {
  readonly operators: (OperatorProcess | undefined)[] = [];
  /**
   * Every process the pipeline started (operators, agents, kea, dhcpcd): one that exits without
   * being asked to fails the test (its waits, its steps, {@link Pipeline.stop}). Nothing is
   * restarted behind the test's back.
   */
  readonly exits: ExitWatch;
  readonly agents = new Map<string, ManagedProcess>();
  readonly objects: ClusterObjects;
  /** The agents' single address for every operator replica (as a Service would be). */
  readonly service: TcpProxy = startTcpProxy([]);

  private constructor(
    readonly options: PipelineOptions,
    readonly kubeConfig: KubeConfig,
    readonly testbed: DhcpTestbed,
    readonly identities: AgentIdentities,
    readonly tls: ServingCertificate,
  ) {
    this.objects = new ClusterObjects(kubeConfig);
    this.exits = testbed.exits;
  }

  /** Installs the CRDs, starts the testbed, the operators and the agents, and waits until ready. */
  static async start(options: PipelineOptions): Promise<Pipeline> {
    const progress = options.progress ?? (() => {});
    // HTTP/1.1: an HTTP/2 connection to an apiserver that stops (GOAWAY) can crash Deno 2.9.6.
    const kubeConfig = useHttp1(loadKubeConfig(options.kubeconfigPath));
    await installProductCrds(kubeConfig);
    progress(`starting the DHCP testbed: kea + dhcpcd for ${options.nodes.join(", ")}`);
    const testbed = await DhcpTestbed.start({
      nodes: options.nodes.map((name) => ({ name })),
      lifetimes: options.lifetimes,
    });
    let identities: AgentIdentities | undefined;
    let pipeline: Pipeline | undefined;
    let tls: ServingCertificate | undefined;
    try {
      await Promise.all(options.nodes.map((node) => testbed.waitForLeases(node)));
      progress("issuing each agent a token bound to a pod on its node");
      identities = await createAgentIdentities(kubeConfig, {
        namespace: options.namespace,
        serviceAccount: AGENT_SERVICE_ACCOUNT,
        nodes: options.nodes,
        audience: "dhcp-template",
      });
      tls = await makeServingCertificate();
      const started = new Pipeline(options, kubeConfig, testbed, identities, tls);
      pipeline = started;
      progress("starting the operator and the agents");
      for (let index = 0; index < (options.operators ?? 1); index++) {
        await started.startOperator(index);
      }
      await Promise.all(options.nodes.map((node) => started.startAgent(node)));
      return started;
    } catch (error) {
      if (pipeline) {
        await pipeline.stop().catch(() => {});
      } else {
        await identities?.remove().catch(() => {});
        await tls?.remove().catch(() => {});
        await testbed.stop();
      }
      throw error;
    }
  }

  /** Starts (or restarts) operator replica `index` and waits until it is ready. */
  async startOperator(index: number): Promise<OperatorProcess> {
    const identity = `operator-${index}`;
    const operator = startOperatorProcess({
      kubeconfig: this.options.kubeconfigPath,
      identity,
      agentServiceAccount: `${this.options.namespace}:${AGENT_SERVICE_ACCOUNT}`,
      namespace: this.options.namespace,
      tls: this.tls,
      args: ["--leader-election-lease-seconds=4", ...(this.options.operatorArgs ?? [])],
      onLine: this.#prefixed(identity),
    });
    this.exits.watch(operator);
    this.operators[index] = operator;
    this.#updateService();
    await this.exits.guard(operator.ready());
    return operator;
  }

  /** Kills operator replica `index` with SIGKILL (a crash); its agents fail over. */
  async killOperator(index: number): Promise<void> {
    const operator = this.operators[index];
    this.operators[index] = undefined;
    await operator?.kill();
    this.#updateService();
  }

  /** Starts (or restarts) the agent of `node`; it reaches the operators through the service. */
  async startAgent(node: string): Promise<ManagedProcess> {
    const agent = startAgentProcess({
      nodeName: node,
      operator: this.service.address,
      leaseDir: this.testbed.leaseDir(node),
      tokenFile: this.identities.tokenFile(node),
      caFile: this.tls.caFile,
      onLine: this.#prefixed(node),
    });
    this.exits.watch(agent);
    this.agents.set(node, agent);
    await this.exits.guard(agent.ready());
    return agent;
  }

  /** Server-side applies a manifest file (e.g. an example DHCPTemplate). */
  async apply(file: string | URL): Promise<KubernetesObject> {
    return await this.objects.apply(parse(await Deno.readTextFile(file)) as KubernetesObject);
  }

  /** Deletes the DHCPTemplate `name` if it exists (its objects follow by garbage collection). */
  async deleteTemplate(name: string): Promise<void> {
    const ref = { apiVersion: "k8s.lukasdietrich.com/v1alpha1", kind: "DHCPTemplate", name };
    const template = await this.objects.get(ref).catch(() => undefined);
    if (template) await this.objects.delete(ref, template.metadata.uid!).catch(() => {});
  }

  /** The pool the product example renders for `node`, if it exists. */
  async pool(node: string): Promise<Pool | undefined> {
    return await this.objects.get({
      apiVersion: "cilium.io/v2",
      kind: "CiliumLoadBalancerIPPool",
      name: `dhcp-pool-${node}`,
    }) as Pool | undefined;
  }

  /** The DHCPNode the operator keeps for `node`, if it exists. */
  async dhcpNode(node: string): Promise<KubernetesObject | undefined> {
    return await this.objects.get({
      apiVersion: DHCP_NODE_API_VERSION,
      kind: DHCP_NODE_KIND,
      name: node,
    });
  }

  /** The CIDRs of `node`'s pool (undefined when it has none). */
  async cidrs(node: string): Promise<string[] | undefined> {
    return (await this.pool(node))?.spec.blocks.map((block) => block.cidr);
  }

  /** Waits (bounded) until `node`'s pool satisfies `check`. */
  async waitForPool(
    node: string,
    what: string,
    check: (cidrs: string[] | undefined) => boolean,
    timeoutMs = 60_000,
  ): Promise<void> {
    await this.waitFor(
      `${node}'s pool ${what}`,
      async () => check(await this.cidrs(node)),
      timeoutMs,
    );
  }

  /** {@link waitFor}, failing at once when a process of the pipeline exits unexpectedly. */
  async waitFor(
    what: string,
    check: () => Promise<boolean> | boolean,
    timeoutMs?: number,
  ): Promise<void> {
    await this.exits.guard(waitFor(what, check, timeoutMs));
  }

  /** The last lines every running process printed, for a failing test's message. */
  recentOutput(): string {
    const processes = [
      ...this.operators.flatMap((operator) => operator ?? []),
      ...this.agents.values(),
    ];
    return processes.map((process) => `--- ${process.name}\n${process.output}`).join("\n");
  }

  /**
   * Stops every process, removes the agents' identities, their Nodes and the testbed; then throws
   * if any process exited unexpectedly or did not stop cleanly.
   */
  async stop(): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.stop()));
    await Promise.all(this.operators.map((operator) => operator?.stop()));
    await this.service.stop();
    await this.identities.remove().catch(() => {});
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    // Deleting a Node lets the garbage collector remove its DHCPNode too.
    await Promise.all(this.options.nodes.map((name) => core.deleteNode({ name }).catch(() => {})));
    await this.tls.remove().catch(() => {});
    await this.testbed.stop();
    this.exits.check();
  }

  #updateService() {
    this.service.setBackends(
      this.operators.flatMap((operator) => operator ? [operator.grpcAddress] : []),
    );
  }

  #prefixed(name: string): ((line: string) => void) | undefined {
    const onLine = this.options.onLine;
    return onLine && ((line) => onLine(`${name} | ${line}`));
  }
}
