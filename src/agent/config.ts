/**
 * The agent's command line: flags, defaults, and errors that name the flag to fix.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  FlagError,
  type HostPort,
  LOG_FORMATS,
  LOG_LEVELS,
  parseChoice,
  parseHostPort,
  parseWholeNumber,
} from "../shared/flags.ts";

/** The agent's settings. */
export interface AgentConfig {
  /** dhcpcd's lease directory (read only). */
  leaseDir: string;
  /** The operator's gRPC address. */
  operator: HostPort;
  /** The projected service account token, re-read when it rotates. */
  tokenFile: string;
  /** CA file to verify the operator's certificate, or `"plaintext"` (local use only). */
  tls: { caFile: string } | "plaintext";
  /** The Kubernetes node this agent reports for. */
  nodeName: string;
  /** Where `/metrics`, `/healthz` and `/readyz` are served. */
  metricsListen: HostPort;
  /**
   * Coalescing window (milliseconds): a lease file change after a quiet window is read at once;
   * later changes within the window are read together when it ends.
   */
  coalesceMs: number;
  /** Interfaces that are wireless (their lease files carry an SSID suffix). */
  wireless: string[];
  /** Log level. */
  logLevel: (typeof LOG_LEVELS)[number];
  /** Log format. */
  logFormat: (typeof LOG_FORMATS)[number];
}

/** The agent's usage text. */
export const AGENT_USAGE = `usage: dhcp-template-agent [flags]
       dhcp-template-agent leases [--lease-dir DIR] [--format json|yaml] [--watch]
  --operator HOST:PORT               the operator's gRPC address (required)
  --node-name NAME                   this node (default: $NODE_NAME)
  --lease-dir DIR                    dhcpcd's lease directory (default /var/lib/dhcpcd)
  --token-file FILE                  service account token (default /var/run/secrets/dhcp-template/token)
  --ca-file FILE                     CA that signed the operator's certificate
  --plaintext                        connect without TLS (local use only)
  --metrics-listen HOST:PORT         /metrics, /healthz, /readyz (default [::]:8081)
  --coalesce-ms N                    a lone lease change is read at once; later changes within
                                     N ms are read together (default 100)
  --wireless IFACE                   a wireless interface (lease files per SSID; repeatable)
  --log-level debug|info|warn|error  (default info)
  --log-format text|json             (default text)

Lease files: every *.lease and *.lease6 entry of the lease directory is read or reported as a
problem. Each is opened non-blocking without following links: a symbolic link, directory, FIFO,
socket or device is reported, never read; a file above 65536 bytes (the largest DHCP message) is
reported unread; a hidden name (.eth0.lease) names no interface. Per lease at most 256 entries per
list (addresses, prefixes, routes, servers, IAs, names) and 64 warnings are kept. A malformed
option is dropped with a warning; a malformed header or option framing refuses the file (its last
good lease is kept). An expired lease stays listed with a warning.`;

/** Parses the agent's flags; `env` supplies `NODE_NAME`. */
export function parseAgentArgs(
  args: string[],
  env: Record<string, string | undefined>,
): AgentConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        "operator": { type: "string" },
        "node-name": { type: "string" },
        "lease-dir": { type: "string", default: "/var/lib/dhcpcd" },
        "token-file": { type: "string", default: "/var/run/secrets/dhcp-template/token" },
        "ca-file": { type: "string" },
        "plaintext": { type: "boolean", default: false },
        "metrics-listen": { type: "string", default: "[::]:8081" },
        "coalesce-ms": { type: "string", default: "100" },
        "wireless": { type: "string", multiple: true },
        "log-level": { type: "string", default: "info" },
        "log-format": { type: "string", default: "text" },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new FlagError("help", `${(error as Error).message}\n${AGENT_USAGE}`);
  }
  const values = parsed.values;
  if (!values.operator) throw new FlagError("operator", "the operator's address is required");
  const nodeName = values["node-name"] ?? env.NODE_NAME;
  if (!nodeName) throw new FlagError("node-name", "give --node-name or set NODE_NAME");
  if (values.plaintext && values["ca-file"]) {
    throw new FlagError("plaintext", "give either --plaintext or --ca-file, not both");
  }
  const caFile = values["ca-file"];
  if (!values.plaintext && !caFile) {
    throw new FlagError("ca-file", "TLS needs --ca-file (or --plaintext for local use)");
  }
  return {
    leaseDir: values["lease-dir"],
    operator: parseHostPort("operator", values.operator),
    tokenFile: values["token-file"],
    tls: caFile ? { caFile } : "plaintext",
    nodeName,
    metricsListen: parseHostPort("metrics-listen", values["metrics-listen"]),
    coalesceMs: parseWholeNumber("coalesce-ms", values["coalesce-ms"]),
    wireless: values.wireless ?? [],
    logLevel: parseChoice("log-level", values["log-level"], LOG_LEVELS),
    logFormat: parseChoice("log-format", values["log-format"], LOG_FORMATS),
  };
}
