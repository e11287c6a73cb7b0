/**
 * Support for the agent channel tests: the operator's side (NodeStore + agent server) started
 * against the test control plane, a raw gRPC caller, a TLS serving certificate, and the
 * apiserver's request counters.
 *
 * @module
 */
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import type { KubeConfig } from "@kubernetes/client-node";
import { Buffer } from "node:buffer";
import {
  createAuthenticator,
  type TokenReviewAuthenticator,
} from "../../src/operator/grpc/token_review.ts";
import type { ReviewLimits } from "../../src/operator/grpc/review_budget.ts";
import { type AgentServer, startAgentServer } from "../../src/operator/grpc/server.ts";
import { NodeStore } from "../../src/operator/nodes/store.ts";
import type { Node } from "../../src/shared/model.ts";
import type { HeartbeatRequest, ReportReply } from "../../src/shared/wire/codec.ts";
import {
  deserializeReply,
  HEARTBEAT_PATH,
  REPORT_PATH,
  serializeHeartbeat,
  serializeReport,
} from "../../src/shared/wire/service.ts";

/** The DHCPNode CRD of the chart. */
export const DHCP_NODE_CRD = new URL(
  "../../charts/dhcp-template/crds/dhcpnodes.yaml",
  import.meta.url,
);

/** The operator's side of the channel. */
export interface OperatorSide {
  /** The node states. */
  store: NodeStore;
  /** The gRPC server. */
  server: AgentServer;
  /** The token reviewer. */
  authenticator: TokenReviewAuthenticator;
  /** Every bearer token the server was shown. */
  tokensSeen: Set<string | undefined>;
  /** `127.0.0.1:<port>`. */
  target: string;
  /** Stops the server and the store. */
  stop(): Promise<void>;
}

/** Starts a NodeStore and an agent server on a free loopback port. */
export async function startOperatorSide(
  config: KubeConfig,
  options: {
    audience: string;
    serviceAccounts: string[];
    heartbeatSeconds?: number;
    tls?: { certFile: string; keyFile: string; refreshMs?: number };
    /** Default `127.0.0.1:0` (a free port). */
    listen?: string;
    /** How long a token's review is cached, seconds (default: the authenticator's). */
    cacheSeconds?: number;
    /** Limits of reviews of unknown tokens (default: the product's). */
    reviewLimits?: ReviewLimits;
    /** Entries of each token cache (default: the product's). */
    cacheEntries?: number;
  },
): Promise<OperatorSide> {
  const store = await NodeStore.start({ kubeConfig: config });
  const authenticator = createAuthenticator({
    kubeConfig: config,
    audience: options.audience,
    serviceAccounts: options.serviceAccounts,
    cacheSeconds: options.cacheSeconds,
    reviewLimits: options.reviewLimits,
    cacheEntries: options.cacheEntries,
  });
  const tokensSeen = new Set<string | undefined>();
  const server = await startAgentServer({
    listen: options.listen ?? "127.0.0.1:0",
    tls: options.tls,
    authenticator: {
      authenticate(token) {
        tokensSeen.add(token);
        return authenticator.authenticate(token);
      },
    },
    store,
    heartbeatSeconds: options.heartbeatSeconds ?? 30,
  });
  return {
    store,
    server,
    authenticator,
    tokensSeen,
    target: `127.0.0.1:${server.port}`,
    async stop() {
      await server.stop();
      await store.stop();
    },
  };
}

/** A plaintext gRPC client calling the agent channel directly, as a (possibly hostile) agent. */
export class RawAgentClient {
  readonly #client: Client;

  /**
   * Connects (lazily) to `target`. Clients share one connection per target unless
   * `ownConnection` is set (then each has its own, as separate agents do).
   */
  constructor(target: string, options: { ownConnection?: boolean } = {}) {
    this.#client = new Client(
      target,
      credentials.createInsecure(),
      options.ownConnection ? { "grpc.use_local_subchannel_pool": 1 } : {},
    );
  }

  /** Calls Report (with when the change was seen, if given); rejects with the gRPC error. */
  report(node: Node, token?: string, seenAt?: string): Promise<ReportReply> {
    return this.#call(REPORT_PATH, serializeReport, { node, seenAt }, token);
  }

  /** Calls Heartbeat; rejects with the gRPC error. */
  heartbeat(heartbeat: HeartbeatRequest, token?: string): Promise<ReportReply> {
    return this.#call(HEARTBEAT_PATH, serializeHeartbeat, heartbeat, token);
  }

  /** Closes the channel. */
  close(): void {
    this.#client.close();
  }

  #call<T>(
    path: string,
    serialize: (value: T) => Buffer,
    request: T,
    token?: string,
  ): Promise<ReportReply> {
    const metadata = new Metadata();
    if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        path,
        serialize,
        deserializeReply,
        request,
        metadata,
        { deadline: Date.now() + 10_000 },
        (error: ServiceError | null, reply?: ReportReply) =>
          error || !reply ? reject(error) : resolve(reply),
      );
    });
  }
}

/** A CA and a serving certificate for `localhost` / `127.0.0.1`, made with openssl. */
export interface ServingCertificate {
  /** The CA certificate (PEM). */
  caFile: string;
  /** The server certificate (PEM). */
  certFile: string;
  /** The server key (PEM). */
  keyFile: string;
  /** Removes the files. */
  remove(): Promise<void>;
}

/** Creates a throwaway CA and a certificate it signed for the loopback address. */
export async function makeServingCertificate(): Promise<ServingCertificate> {
  const dir = await Deno.makeTempDir({ prefix: "dhcpt-tls-" });
  const path = (name: string) => `${dir}/${name}`;
  await Deno.writeTextFile(path("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  const steps = [
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      path("ca.key"),
      "-out",
      path("ca.crt"),
      "-days",
      "1",
      "-subj",
      "/CN=test-ca",
    ],
    [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      path("server.key"),
      "-out",
      path("server.csr"),
      "-subj",
      "/CN=localhost",
    ],
    [
      "x509",
      "-req",
      "-in",
      path("server.csr"),
      "-CA",
      path("ca.crt"),
      "-CAkey",
      path("ca.key"),
      "-CAcreateserial",
      "-out",
      path("server.crt"),
      "-days",
      "1",
      "-extfile",
      path("ext.cnf"),
    ],
  ];
  for (const args of steps) {
    const result = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" })
      .output();
    if (!result.success) {
      throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(result.stderr)}`);
    }
  }
  return {
    caFile: path("ca.crt"),
    certFile: path("server.crt"),
    keyFile: path("server.key"),
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}

/**
 * The apiserver's count of requests on `resource` with one of `verbs` (from its `/metrics`,
 * `apiserver_request_total`), across response codes.
 */
export async function apiserverRequestCount(
  config: KubeConfig,
  resource: string,
  verbs: string[],
): Promise<number> {
  const text = await apiGet(config, "/metrics", "text/plain");
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]),
    );
    if (labels.resource === resource && verbs.includes(labels.verb)) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

/** A table as `kubectl get` prints it: column names and each row's cells. */
export interface ServerTable {
  /** Column names. */
  columns: string[];
  /** Cells of each row. */
  rows: unknown[][];
}

/** The apiserver's table of the objects at `path` (what `kubectl get` shows). */
export async function serverTable(config: KubeConfig, path: string): Promise<ServerTable> {
  const table = JSON.parse(
    await apiGet(config, path, "application/json;as=Table;v=v1;g=meta.k8s.io"),
  ) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  return {
    columns: table.columnDefinitions.map((column) => column.name),
    rows: table.rows.map((row) => row.cells),
  };
}

async function apiGet(config: KubeConfig, path: string, accept: string): Promise<string> {
  const cluster = config.getCurrentCluster()!;
  const token = config.getCurrentUser()?.token;
  const ca = cluster.caData ? atob(cluster.caData) : await Deno.readTextFile(cluster.caFile!);
  const client = Deno.createHttpClient({ caCerts: [ca] });
  try {
    const headers: Record<string, string> = { accept };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${cluster.server}${path}`, { client, headers });
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}: ${text}`);
    return text;
  } finally {
    client.close();
  }
}
