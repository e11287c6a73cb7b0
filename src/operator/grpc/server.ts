/**
 * The operator's gRPC server for agents: authenticates every call (TokenReview, cached), lets
 * an agent report only for its own node, refuses malformed reports, stores full reports, answers
 * heartbeats from memory (asking for a full report when it lacks the state they refer to), and
 * counts and logs every rejection. A refused or failed caller learns only the status code and a
 * generic message: the reason (who the token belongs to, which node it is bound to, what the
 * apiserver said) is in the operator's log, not in the answer.
 *
 * @module
 */
import {
  experimental,
  type Metadata,
  type sendUnaryData,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  status,
} from "@grpc/grpc-js";
import { DhcpTemplateError } from "../../shared/errors.ts";
import { parseHostPort } from "../../shared/flags.ts";
import type { Interface } from "../../shared/model.ts";
import type { AgentReport, HeartbeatRequest, ReportReply } from "../../shared/wire/codec.ts";
import { type ChannelLog, SILENT_LOG } from "../../shared/wire/log.ts";
import { agentChannelService, MAX_MESSAGE_BYTES } from "../../shared/wire/service.ts";
import {
  type AgentIdentity,
  authorizeNode,
  bearerToken,
  type RejectionKind,
  type RejectionReason,
} from "./auth.ts";
import { listenForConnections } from "./listener.ts";
import type { Authenticator } from "./token_review.ts";
import { reportProblems } from "./validate.ts";

/** Where accepted reports go (a `NodeStore`). */
export interface ReportSink {
  /** Stores a node's report; `seenAt`: when its agent saw the change, if known. */
  accept(
    nodeName: string,
    interfaces: Interface[],
    receivedAt: Date,
    seenAt?: Date,
  ): Promise<unknown>;
  /** Whether the stored state of `nodeName` is the one of the report with `digest`. */
  holds(nodeName: string, digest: string): boolean;
}

/** Options of {@link startAgentServer}. */
export interface AgentServerOptions {
  /** `host:port` to listen on (`[::]:9443`; port 0 picks a free port). */
  listen: string;
  /**
   * Certificate and key (PEM files) to serve TLS; without them the server is plaintext. The files
   * are read again every `refreshMs` (default 10 s), so a renewed Secret (the kubelet swaps the
   * mounted files) serves new connections without a restart.
   */
  tls?: { certFile: string; keyFile: string; refreshMs?: number };
  /** Checks the callers' tokens. */
  authenticator: Authenticator;
  /** Stores reports. */
  store: ReportSink;
  /** Seconds between agent heartbeats, told to every agent. */
  heartbeatSeconds: number;
  /** Where rejections and failures are logged. */
  log?: ChannelLog;
  /** The clock (default: the current time). */
  now?: () => Date;
  /** Hears the outcome of every call (for metrics). */
  onCall?: (call: CallOutcome) => void;
}

/** How one agent call ended. */
export interface CallOutcome {
  /** `Report` or `Heartbeat`. */
  method: string;
  /** Accepted, refused (see `rejection`), or failed on the operator's side. */
  result: "accepted" | "rejected" | "failed";
  /** Why a call was refused. */
  rejection?: RejectionReason;
}

/** What the server has handled so far. */
export interface AgentServerCounters {
  /** Full reports accepted. */
  reports: number;
  /** Heartbeats answered. */
  heartbeats: number;
  /** Heartbeats answered with "resend". */
  resends: number;
  /** Calls refused, by reason. */
  rejected: Record<RejectionKind | "invalid_argument", number>;
  /** Calls that failed on the operator's side (TokenReview or storing); agents retry them. */
  failed: number;
}

/** A running agent server. */
export interface AgentServer {
  /** The port it listens on. */
  port: number;
  /** What it has handled. */
  counters: AgentServerCounters;
  /** Stops accepting calls; waits (at most 5 s) for calls in progress. */
  stop(): Promise<void>;
}

/** The server could not start. */
export class AgentServerError extends DhcpTemplateError {
  /** Creates the error for the listen address. */
  constructor(listen: string, detail: string, cause?: unknown) {
    super(`Cannot listen on "${listen}": ${detail}`, { listen }, { cause });
  }
}

class Rejection extends Error {
  constructor(
    readonly code: status,
    readonly kind: RejectionKind | "invalid_argument",
    readonly label: RejectionReason,
    reason: string,
  ) {
    super(reason);
  }
}

const CODES: Record<RejectionKind, status> = {
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  throttled: status.UNAVAILABLE,
};

/** The only thing a caller is told, by status code. */
export const GENERIC_DETAILS: Partial<Record<status, string>> = {
  [status.UNAUTHENTICATED]: "unauthenticated",
  [status.PERMISSION_DENIED]: "permission denied",
  [status.INVALID_ARGUMENT]: "invalid argument (the operator's log has the reason)",
  [status.UNAVAILABLE]: "unavailable, retry later",
};

/** Starts the agent server. */
export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const log = options.log ?? SILENT_LOG;
  const now = options.now ?? (() => new Date());
  const counters: AgentServerCounters = {
    reports: 0,
    heartbeats: 0,
    resends: 0,
    rejected: { unauthenticated: 0, permission_denied: 0, throttled: 0, invalid_argument: 0 },
    failed: 0,
  };
  let inFlight = 0;
  const reply = (resend: boolean): ReportReply => ({
    resend,
    heartbeat_seconds: options.heartbeatSeconds,
  });

  async function identify(metadata: Metadata, nodeName: string): Promise<AgentIdentity> {
    if (!nodeName) {
      throw new Rejection(
        status.INVALID_ARGUMENT,
        "invalid_argument",
        "invalid_argument",
        "the node name is empty",
      );
    }
    const authorization = metadata.get("authorization")[0];
    const token = bearerToken(typeof authorization === "string" ? authorization : undefined);
    const decision = await options.authenticator.authenticate(token);
    if (!decision.ok) {
      throw new Rejection(CODES[decision.kind], decision.kind, decision.label, decision.reason);
    }
    const allowed = authorizeNode(decision.identity, nodeName);
    if (!allowed.ok) {
      throw new Rejection(CODES[allowed.kind], allowed.kind, allowed.label, allowed.reason);
    }
    return decision.identity;
  }

  function handle<Request>(
    method: string,
    nodeNameOf: (request: Request) => string,
    serve: (request: Request, receivedAt: Date) => Promise<ReportReply>,
  ) {
    return async (
      call: ServerUnaryCall<Request, ReportReply>,
      done: sendUnaryData<ReportReply>,
    ) => {
      const receivedAt = now();
      const nodeName = nodeNameOf(call.request);
      inFlight++;
      try {
        await identify(call.metadata, nodeName);
        done(null, await serve(call.request, receivedAt));
        options.onCall?.({ method, result: "accepted" });
      } catch (error) {
        const fields = { method, node: nodeName, peer: call.getPeer() };
        if (error instanceof Rejection) {
          counters.rejected[error.kind]++;
          options.onCall?.({ method, result: "rejected", rejection: error.label });
          // Throttled calls come in floods and are counted: their records would flood the log.
          const level = error.kind === "throttled" ? "debug" : "warn";
          log[level]("Rejected an agent call", {
            ...fields,
            reason: error.message,
            code: error.label,
          });
          done({ code: error.code, details: GENERIC_DETAILS[error.code] });
        } else {
          counters.failed++;
          options.onCall?.({ method, result: "failed" });
          const message = error instanceof Error ? error.message : String(error);
          log.error("An agent call failed", { ...fields, error: message });
          done({ code: status.UNAVAILABLE, details: GENERIC_DETAILS[status.UNAVAILABLE] });
        }
      } finally {
        inFlight--;
      }
    };
  }

  const server = new Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });
  server.addService(agentChannelService, {
    report: handle<AgentReport>(
      "Report",
      (report) => report.node.name,
      async (report, receivedAt) => {
        const node = report.node;
        const problems = reportProblems(node);
        if (problems.length > 0) {
          const shown = problems.slice(0, 5).join("; ") +
            (problems.length > 5 ? `; and ${problems.length - 5} more` : "");
          throw new Rejection(
            status.INVALID_ARGUMENT,
            "invalid_argument",
            "invalid_argument",
            `the report is malformed: ${shown}`,
          );
        }
        await options.store.accept(
          node.name,
          node.interfaces,
          receivedAt,
          seenAtOf(report, receivedAt),
        );
        counters.reports++;
        return reply(false);
      },
    ),
    heartbeat: handle<HeartbeatRequest>(
      "Heartbeat",
      (heartbeat) => heartbeat.node_name,
      (heartbeat) => {
        counters.heartbeats++;
        const resend = !options.store.holds(heartbeat.node_name, heartbeat.digest);
        if (resend) counters.resends++;
        return Promise.resolve(reply(resend));
      },
    ),
  });

  const credentials = options.tls
    ? await rotatingCredentials(options.listen, options.tls)
    : ServerCredentials.createInsecure();
  const { hostname, port: requestedPort } = parseListen(options.listen);
  const listener = await listenForConnections(
    hostname,
    requestedPort,
    server.createConnectionInjector(credentials),
  ).catch((error) => {
    throw new AgentServerError(options.listen, (error as Error).message, error);
  });
  const port = listener.port;
  log.info("Agent server listening", { listen: options.listen, port, tls: !!options.tls });

  return {
    port,
    counters,
    async stop() {
      // Calls under way finish first (for at most 5 s); then the connections close without a
      // GOAWAY (see listener.ts), and agents reconnect to another replica.
      const deadline = Date.now() + STOP_GRACE_MS;
      while (inFlight > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      listener.close();
      server.forceShutdown();
    },
  };
}

/** How long {@link AgentServer.stop} lets calls under way finish. */
const STOP_GRACE_MS = 5000;

function parseListen(listen: string): { hostname: string; port: number } {
  try {
    return parseHostPort("listen", listen);
  } catch (error) {
    throw new AgentServerError(listen, (error as Error).message, error);
  }
}

/** How often the certificate files are read again, by default. */
const TLS_REFRESH_MS = 10_000;

/**
 * TLS credentials that follow the certificate and key files: grpc-js's file watcher reads them
 * every `refreshMs` and gives new connections the new pair. Client certificates are not checked,
 * so the root certificates are unused; but Deno's TLS server sends them in its handshake, and
 * grpc-js's default (every public root) overflows the handshake: our own chain keeps it small.
 */
async function rotatingCredentials(
  listen: string,
  tls: { certFile: string; keyFile: string; refreshMs?: number },
): Promise<ServerCredentials> {
  // Unreadable files fail the start with a clear error instead of refusing every connection.
  await readFile(listen, tls.certFile);
  await readFile(listen, tls.keyFile);
  const files = new experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    caCertificateFile: tls.certFile,
    refreshIntervalMs: tls.refreshMs ?? TLS_REFRESH_MS,
  });
  return experimental.createCertificateProviderServerCredentials(files, files, false);
}

async function readFile(listen: string, path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new AgentServerError(listen, `cannot read "${path}": ${(error as Error).message}`, error);
  }
}

/**
 * When the agent saw the change, as a time not after `receivedAt` (an agent's clock ahead of ours
 * must not give negative latencies); undefined when the report does not say or says nonsense.
 */
function seenAtOf(report: AgentReport, receivedAt: Date): Date | undefined {
  const seen = report.seenAt ? Date.parse(report.seenAt) : NaN;
  if (Number.isNaN(seen)) return undefined;
  return new Date(Math.min(seen, receivedAt.getTime()));
}
