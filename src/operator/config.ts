/**
 * The operator's command line: flags, defaults, and errors that name the flag to fix.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  FlagError,
  type HostPort,
  LOG_FORMATS,
  LOG_LEVELS,
  parseBoolean,
  parseChoice,
  parseHostPort,
  parseWholeNumber,
} from "../shared/flags.ts";

/** The operator's settings. */
export interface OperatorConfig {
  /** Where agents connect (gRPC). */
  grpcListen: HostPort;
  /** Where `/metrics`, `/healthz` and `/readyz` are served. */
  metricsListen: HostPort;
  /** TLS certificate and key files, or `"plaintext"` (local use only). */
  tls: { certFile: string; keyFile: string } | "plaintext";
  /** Audience the agents' service account tokens must carry. */
  tokenAudience: string;
  /** Agent service accounts allowed to report, as `namespace:name`. */
  agentServiceAccounts: string[];
  /** Seconds between agent heartbeats. */
  heartbeatSeconds: number;
  /** TokenReviews of tokens not cached, per second (burst: twice as many). */
  tokenReviewsPerSecond: number;
  /** Whether replicas elect a leader (only the leader reconciles). */
  leaderElection: boolean;
  /** Namespace of the leader election Lease. */
  leaderElectionNamespace: string;
  /** Name of the leader election Lease. */
  leaderElectionName: string;
  /** How long a leader's claim lasts without renewal (seconds). */
  leaderElectionLeaseSeconds: number;
  /** This replica's identity in the election. */
  identity: string;
  /** Triggers within this window are reconciled together (milliseconds). */
  coalesceMs: number;
  /** CPU time one render may take (milliseconds). */
  renderTimeoutMs: number;
  /** Memory of the render process (MiB): resident memory and V8 heap limit. */
  renderMemoryMiB: number;
  /** Largest rendered output (bytes). */
  renderOutputBytes: number;
  /** The apiserver ends every watch after this many seconds; one silent 30 s longer is dead. */
  watchTimeoutSeconds: number;
  /** Path of a kubeconfig; undefined: in-cluster config or `KUBECONFIG`. */
  kubeconfig?: string;
  /** Log level. */
  logLevel: (typeof LOG_LEVELS)[number];
  /** Log format. */
  logFormat: (typeof LOG_FORMATS)[number];
}

/** The operator's usage text. */
export const OPERATOR_USAGE = `usage: dhcp-template-operator [flags]
  --grpc-listen HOST:PORT            agents connect here (default [::]:9443)
  --metrics-listen HOST:PORT         /metrics, /healthz, /readyz (default [::]:8080)
  --tls-cert FILE --tls-key FILE     serve gRPC over TLS
  --plaintext                        serve gRPC without TLS (local use only)
  --token-audience AUD               audience of agent tokens (default dhcp-template)
  --agent-service-account NS:NAME    service account agents run as (repeatable)
  --heartbeat-seconds N              agent heartbeat interval (default 30)
  --token-reviews-per-second N       reviews of unknown agent tokens (default 50, burst 2N)
  --leader-election[=false]          elect a leader among replicas (default true)
  --leader-election-namespace NS     namespace of the election Lease (default: own namespace)
  --leader-election-name NAME        name of the election Lease (default dhcp-template-operator)
  --leader-election-lease-seconds N  a silent leader is replaced after N s (default 15)
  --coalesce-ms N                    a lone change is reconciled at once; later changes within
                                     N ms are reconciled together (default 50)
  --render-timeout-ms N              CPU time limit of one render (default 2000)
  --render-output-bytes N            output limit of one render, UTF-8 bytes (default 4194304)
  --render-memory-mib N              memory limit of the render process (default 256)
  --watch-timeout-seconds N          the apiserver ends each watch after N s and it resumes;
                                     bookmarks keep it live; silent N+30 s: dead (default 300)
  --kubeconfig FILE                  cluster to manage (default: in-cluster or KUBECONFIG)
  --log-level debug|info|warn|error  (default info)
  --log-format text|json             (default text)`;

/**
 * Parses the operator's flags. `env` supplies `POD_NAME` / `POD_NAMESPACE` (identity and election
 * namespace defaults) and `HOSTNAME`.
 */
export function parseOperatorArgs(
  args: string[],
  env: Record<string, string | undefined>,
): OperatorConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        "grpc-listen": { type: "string", default: "[::]:9443" },
        "metrics-listen": { type: "string", default: "[::]:8080" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "plaintext": { type: "boolean", default: false },
        "token-audience": { type: "string", default: "dhcp-template" },
        "agent-service-account": { type: "string", multiple: true },
        "heartbeat-seconds": { type: "string", default: "30" },
        "token-reviews-per-second": { type: "string", default: "50" },
        "leader-election": { type: "string", default: "true" },
        "leader-election-namespace": { type: "string" },
        "leader-election-name": { type: "string", default: "dhcp-template-operator" },
        "leader-election-lease-seconds": { type: "string", default: "15" },
        "coalesce-ms": { type: "string", default: "50" },
        "render-timeout-ms": { type: "string", default: "2000" },
        "render-output-bytes": { type: "string", default: String(4 * 1024 * 1024) },
        "render-memory-mib": { type: "string", default: "256" },
        "watch-timeout-seconds": { type: "string", default: "300" },
        "kubeconfig": { type: "string" },
        "log-level": { type: "string", default: "info" },
        "log-format": { type: "string", default: "text" },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new FlagError("help", `${(error as Error).message}\n${OPERATOR_USAGE}`);
  }
  const values = parsed.values;
  const namespace = env.POD_NAMESPACE ?? "default";
  const accounts = values["agent-service-account"] ?? [`${namespace}:dhcp-template-agent`];
  for (const account of accounts) {
    if (!/^[a-z0-9.-]+:[a-z0-9.-]+$/.test(account)) {
      throw new FlagError("agent-service-account", `"${account}" is not namespace:name`);
    }
  }
  return {
    grpcListen: parseHostPort("grpc-listen", values["grpc-listen"]),
    metricsListen: parseHostPort("metrics-listen", values["metrics-listen"]),
    tls: parseTls(values["tls-cert"], values["tls-key"], values.plaintext),
    tokenAudience: values["token-audience"],
    agentServiceAccounts: accounts,
    heartbeatSeconds: parseWholeNumber("heartbeat-seconds", values["heartbeat-seconds"], 1),
    tokenReviewsPerSecond: parseWholeNumber(
      "token-reviews-per-second",
      values["token-reviews-per-second"],
      1,
    ),
    leaderElection: parseBoolean("leader-election", values["leader-election"]),
    leaderElectionNamespace: values["leader-election-namespace"] ?? namespace,
    leaderElectionName: values["leader-election-name"],
    leaderElectionLeaseSeconds: parseWholeNumber(
      "leader-election-lease-seconds",
      values["leader-election-lease-seconds"],
      2,
    ),
    identity: env.POD_NAME ?? env.HOSTNAME ?? `operator-${crypto.randomUUID().slice(0, 8)}`,
    coalesceMs: parseWholeNumber("coalesce-ms", values["coalesce-ms"]),
    renderTimeoutMs: parseWholeNumber("render-timeout-ms", values["render-timeout-ms"], 1),
    renderOutputBytes: parseWholeNumber("render-output-bytes", values["render-output-bytes"], 1),
    renderMemoryMiB: parseWholeNumber("render-memory-mib", values["render-memory-mib"], 64),
    watchTimeoutSeconds: parseWholeNumber(
      "watch-timeout-seconds",
      values["watch-timeout-seconds"],
      1,
    ),
    kubeconfig: values.kubeconfig,
    logLevel: parseChoice("log-level", values["log-level"], LOG_LEVELS),
    logFormat: parseChoice("log-format", values["log-format"], LOG_FORMATS),
  };
}

/** TLS files or plaintext; exactly one must be chosen. */
export function parseTls(
  certFile: string | undefined,
  keyFile: string | undefined,
  plaintext: boolean,
): { certFile: string; keyFile: string } | "plaintext" {
  if (plaintext) {
    if (certFile || keyFile) {
      throw new FlagError("plaintext", "give either --plaintext or --tls-cert/--tls-key, not both");
    }
    return "plaintext";
  }
  if (!certFile || !keyFile) {
    throw new FlagError(
      certFile ? "tls-key" : "tls-cert",
      "TLS needs both --tls-cert and --tls-key (or --plaintext for local use)",
    );
  }
  return { certFile, keyFile };
}
