/**
 * Starts and stops the real control plane (`testcluster` binary: etcd, kube-apiserver,
 * kube-controller-manager on loopback) from Deno: used by the test runner, the demo and the
 * benchmarks.
 *
 * @module
 */
import { KubeConfig } from "@kubernetes/client-node";
import { ensureTestclusterBinary, lines } from "./build.ts";

/** A running control plane. */
export interface ControlPlane {
  /** Path of the admin kubeconfig (static token with group `system:masters`). */
  readonly kubeconfigPath: string;
  /** Base URL of the fault-injection endpoint (`POST /stop-apiserver`, `/start-apiserver`). */
  readonly controlUrl: string;
  /** The directory holding etcd's data, certificates, kubeconfig and component logs. */
  readonly dir: string;
  /** Resolves when the control plane process has exited (after `stop()`, or on its own). */
  readonly exited: Promise<Deno.CommandStatus>;
  /** Stops everything and removes `dir`; waits until the processes have exited. */
  stop(): Promise<void>;
}

/** The control plane did not come up. */
export class ControlPlaneError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ControlPlaneError";
  }
}

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Receives progress lines (build progress, where the logs are). */
  progress?: (line: string) => void;
  /** How long to wait for readiness after the binary started (default 3 minutes). */
  readyTimeoutMs?: number;
}

/** Builds the binary when needed, starts the control plane and waits until it is ready. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const progress = options.progress ?? ((line: string) => console.error(line));
  const binary = await ensureTestclusterBinary(progress);
  const dir = await Deno.makeTempDir({ prefix: "dhcpt-cluster-" });
  const child = new Deno.Command(binary, {
    args: ["-dir", dir],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const stderrTail: string[] = [];
  const stderrDone = (async () => {
    for await (const line of lines(child.stderr)) {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
    }
  })();

  const stop = async (keepLogs = false) => {
    await stdin.close().catch(() => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await child.status;
    clearTimeout(timer);
    await stderrDone;
    if (!keepLogs) await Deno.remove(dir, { recursive: true }).catch(() => {});
  };

  const announced: Record<string, string> = {};
  const reader = lines(child.stdout);
  const ready = (async () => {
    for await (const line of reader) {
      const [key, ...rest] = line.split(" ");
      if (key === "ready") return true;
      announced[key] = rest.join(" ");
    }
    return false;
  })();
  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const isReady = await Promise.race([ready, timedOut]);
  clearTimeout(timer);
  if (!isReady || !announced.kubeconfig || !announced.control) {
    await stop(true);
    throw new ControlPlaneError(
      `Cannot start the control plane (${binary}) within ${timeoutMs / 1000} s; ` +
        `its logs are in ${dir}\n${stderrTail.join("\n")}`,
    );
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  (async () => {
    for await (const _ of reader) { /* nothing else is announced after "ready" */ }
  })();
  progress(`testcluster: ready, KUBECONFIG=${announced.kubeconfig}`);
  return {
    kubeconfigPath: announced.kubeconfig,
    controlUrl: announced.control,
    dir,
    exited: child.status,
    stop: () => stop(),
  };
}

/** Loads a kubeconfig file into a client-node `KubeConfig`. */
export function loadKubeConfig(path: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(path);
  return config;
}
