/**
 * The operator and agent executables as host processes (`deno run src/.../main.ts`), for the
 * end-to-end tests, the fault tests, the benchmarks and the demo: free ports, readiness, logs,
 * graceful stop and SIGKILL. Each records how the test asked it to end, so that an
 * {@link ExitWatch} can tell a crash from a requested stop.
 *
 * @module
 */

import type { ExitRequest, WatchedProcess } from "./exits.ts";

const ROOT = new URL("../../", import.meta.url);
const OPERATOR_MAIN = new URL("src/operator/main.ts", ROOT).pathname;
const AGENT_MAIN = new URL("src/agent/main.ts", ROOT).pathname;
const READY_TIMEOUT_MS = 60_000;
const KEPT_LOG_LINES = 400;

/** A free TCP port on loopback (bound and released at once). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A running executable of ours. */
export class ManagedProcess implements WatchedProcess {
  readonly #child: Deno.ChildProcess;
  #exitRequest: ExitRequest | undefined;
  readonly #lines: string[] = [];
  readonly #done: Promise<Deno.CommandStatus>;
  readonly #pumps: Promise<void>[];

  /** Starts `deno run --allow-all <main> <args>`; each output line goes to `onLine` too. */
  constructor(
    readonly name: string,
    main: string,
    args: string[],
    env: Record<string, string>,
    readonly metricsUrl: string,
    onLine?: (line: string) => void,
  ) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", main, ...args],
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#pumps = [this.#child.stdout, this.#child.stderr].map((stream) =>
      this.#pump(stream, onLine)
    );
    this.#done = this.#child.status;
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** How the test asked the process to end (`stop` or `kill`), if it did. */
  get exitRequest(): ExitRequest | undefined {
    return this.#exitRequest;
  }

  /** The last lines the process printed. */
  get output(): string {
    return this.#lines.join("\n");
  }

  /** Resolves once `/readyz` answers 200; throws with the output when the process ends first. */
  async ready(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    this.#done.then(() => exited = true);
    while (Date.now() < deadline && !exited) {
      try {
        const response = await fetch(`${this.metricsUrl}/readyz`);
        await response.body?.cancel();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `${this.name} did not become ready (${exited ? "it exited" : `${timeoutMs} ms`}):\n` +
        this.output,
    );
  }

  /** The Prometheus metrics text. */
  async metrics(): Promise<string> {
    const response = await fetch(`${this.metricsUrl}/metrics`);
    return await response.text();
  }

  /**
   * The sum of the samples of the Prometheus metric `name` whose labels contain `labels` (e.g.
   * `result="ok"`, every sample when absent); 0 when there is none.
   */
  async metric(name: string, labels?: string): Promise<number> {
    let total = 0;
    for (const line of (await this.metrics()).split("\n")) {
      const sample = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
      if (sample?.[1] !== name || (labels && !(sample[2] ?? "").includes(labels))) continue;
      total += Number(sample[3]);
    }
    return total;
  }

  /** Stops with SIGTERM (graceful) and waits; SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<Deno.CommandStatus> {
    this.#exitRequest ??= "stop";
    this.#signal("SIGTERM");
    const timer = setTimeout(() => this.#signal("SIGKILL"), timeoutMs);
    try {
      return await this.exited();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills with SIGKILL (a crash) and waits. */
  async kill(): Promise<Deno.CommandStatus> {
    this.#exitRequest = "kill";
    this.#signal("SIGKILL");
    return await this.exited();
  }

  /** Resolves when the process has ended and its output is read. */
  async exited(): Promise<Deno.CommandStatus> {
    const status = await this.#done;
    await Promise.all(this.#pumps);
    return status;
  }

  #signal(signal: Deno.Signal) {
    try {
      this.#child.kill(signal);
    } catch {
      // already gone
    }
  }

  async #pump(stream: ReadableStream<Uint8Array>, onLine?: (line: string) => void) {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) this.#keep(line, onLine);
    }
    if (rest) this.#keep(rest, onLine);
  }

  #keep(line: string, onLine?: (line: string) => void) {
    this.#lines.push(line);
    if (this.#lines.length > KEPT_LOG_LINES) this.#lines.shift();
    onLine?.(line);
  }
}

/** How to start an operator. */
export interface OperatorProcessOptions {
  /** The cluster's kubeconfig file. */
  kubeconfig: string;
  /** This replica's identity (POD_NAME). */
  identity: string;
  /** Agent service account allowed to report, `namespace:name`. */
  agentServiceAccount: string;
  /** Namespace of the leader election Lease. */
  namespace: string;
  /** TLS files; plaintext when absent. */
  tls?: { certFile: string; keyFile: string };
  /** Further flags. */
  args?: string[];
  /** Hears every output line. */
  onLine?: (line: string) => void;
}

/** A started operator and the address agents connect to. */
export interface OperatorProcess extends ManagedProcess {
  /** `127.0.0.1:<port>` of its gRPC server. */
  readonly grpcAddress: string;
}

/** Starts the operator executable on free loopback ports (not waiting for readiness). */
export function startOperatorProcess(options: OperatorProcessOptions): OperatorProcess {
  const grpcAddress = `127.0.0.1:${freePort()}`;
  const metricsPort = freePort();
  const tlsArgs = options.tls
    ? [`--tls-cert=${options.tls.certFile}`, `--tls-key=${options.tls.keyFile}`]
    : ["--plaintext"];
  const process = new ManagedProcess(
    options.identity,
    OPERATOR_MAIN,
    [
      `--grpc-listen=${grpcAddress}`,
      `--metrics-listen=127.0.0.1:${metricsPort}`,
      `--kubeconfig=${options.kubeconfig}`,
      `--agent-service-account=${options.agentServiceAccount}`,
      `--leader-election-namespace=${options.namespace}`,
      ...tlsArgs,
      ...(options.args ?? []),
    ],
    { POD_NAME: options.identity, POD_NAMESPACE: options.namespace },
    `http://127.0.0.1:${metricsPort}`,
    options.onLine,
  );
  return Object.assign(process, { grpcAddress });
}

/** How to start an agent. */
export interface AgentProcessOptions {
  /** The node it reports for. */
  nodeName: string;
  /** The operator's gRPC address. */
  operator: string;
  /** dhcpcd's lease directory. */
  leaseDir: string;
  /** The service account token file. */
  tokenFile: string;
  /** CA file to verify the operator; plaintext when absent. */
  caFile?: string;
  /** Further flags. */
  args?: string[];
  /** Hears every output line. */
  onLine?: (line: string) => void;
}

/** Starts the agent executable (not waiting for readiness). */
export function startAgentProcess(options: AgentProcessOptions): ManagedProcess {
  const metricsPort = freePort();
  return new ManagedProcess(
    `agent ${options.nodeName}`,
    AGENT_MAIN,
    [
      `--node-name=${options.nodeName}`,
      `--operator=${options.operator}`,
      `--lease-dir=${options.leaseDir}`,
      `--token-file=${options.tokenFile}`,
      `--metrics-listen=127.0.0.1:${metricsPort}`,
      ...(options.caFile ? [`--ca-file=${options.caFile}`] : ["--plaintext"]),
      ...(options.args ?? []),
    ],
    {},
    `http://127.0.0.1:${metricsPort}`,
    options.onLine,
  );
}
