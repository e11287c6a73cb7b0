/**
 * Pushes this node's lease data to the operator over one long-lived gRPC channel: a full report
 * whenever the data changed (and after every failure or when the operator asks), a cheap
 * heartbeat otherwise, as often as the operator says. Failures are retried with exponential
 * backoff and jitter, forever; the token file is re-read when it changes (rotation).
 *
 * @module
 */
import {
  type CallOptions,
  type ChannelCredentials,
  Client,
  type ClientUnaryCall,
  credentials as grpcCredentials,
  experimental,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { isIP } from "node:net";
import { DhcpTemplateError } from "../shared/errors.ts";
import type { Interface, Node } from "../shared/model.ts";
import { reportDigest, type ReportReply } from "../shared/wire/codec.ts";
import { type ChannelLog, SILENT_LOG } from "../shared/wire/log.ts";
import {
  deserializeReply,
  HEARTBEAT_PATH,
  MAX_MESSAGE_BYTES,
  REPORT_PATH,
  serializeHeartbeat,
  serializeReport,
} from "../shared/wire/service.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";

/** gRPC codes by which the operator refuses a push (rather than failing to take it). */
const REFUSALS: ReadonlySet<status> = new Set([
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.INVALID_ARGUMENT,
  status.RESOURCE_EXHAUSTED,
]);

/** Options of {@link startPusher}. */
export interface PusherOptions {
  /** The operator's gRPC address, `host:port`. */
  target: string;
  /**
   * CA file that verifies the operator's certificate, or `"plaintext"` (local use only). It is
   * read again every `refreshMs` (default 10 s): new connections trust a renewed CA.
   */
  tls: { caFile: string; refreshMs?: number } | "plaintext";
  /** The projected service account token (re-read when it changes). */
  tokenFile: string;
  /** The node this agent reports for. */
  nodeName: string;
  /** Where failures and recoveries are logged. */
  log?: ChannelLog;
  /** Seconds between heartbeats until the operator says otherwise (default 30). */
  heartbeatSeconds?: number;
  /** Time limit of one call (milliseconds, default 10000). */
  callTimeoutMs?: number;
  /** Retry delays. */
  backoff?: BackoffOptions;
  /** Hears every call: a full report or a heartbeat, and whether the operator answered. */
  onCall?: (call: { method: "report" | "heartbeat"; ok: boolean; connected: boolean }) => void;
}

/** What the pusher has sent. */
export interface PusherCounts {
  /** Full reports the operator accepted. */
  reports: number;
  /** Heartbeats the operator answered. */
  heartbeats: number;
  /** Calls that failed (each is retried). */
  failures: number;
}

/** A running pusher. */
export interface Pusher {
  /** The node's current interfaces; sent when they differ from what the operator holds. */
  update(interfaces: Interface[]): void;
  /** Whether the last call succeeded. */
  readonly connected: boolean;
  /** What has been sent. */
  readonly counts: PusherCounts;
  /** Stops pushing and closes the channel. */
  stop(): Promise<void>;
}

/** The pusher's settings cannot work. */
export class PusherConfigError extends DhcpTemplateError {
  /** Creates the error for the operator address `target`. */
  constructor(target: string, detail: string) {
    super(`Cannot connect to "${target}": ${detail}`, { operator: target });
  }
}

/** Starts pushing; nothing is sent before the first {@link Pusher.update}. */
export async function startPusher(options: PusherOptions): Promise<Pusher> {
  if (options.tls !== "plaintext" && isIP(hostOf(options.target))) {
    // Deno's TLS client refuses an IP address as the server name that grpc-js passes.
    throw new PusherConfigError(
      options.target,
      "with TLS the operator must be addressed by a DNS name that its certificate carries",
    );
  }
  const credentials = options.tls === "plaintext"
    ? grpcCredentials.createInsecure()
    : await caFileCredentials(options.target, options.tls);
  const client = new Client(options.target, credentials, {
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });
  const loop = new PushLoop(client, options);
  loop.run();
  return loop;
}

/** How often the CA file is read again, by default. */
const CA_REFRESH_MS = 10_000;

/** Channel credentials trusting the CA in `caFile`, read again every `refreshMs` (rotation). */
async function caFileCredentials(
  target: string,
  tls: { caFile: string; refreshMs?: number },
): Promise<ChannelCredentials> {
  try {
    await Deno.readFile(tls.caFile);
  } catch (error) {
    throw new PusherConfigError(target, `cannot read the CA file "${tls.caFile}": ${error}`);
  }
  const ca = new experimental.FileWatcherCertificateProvider({
    caCertificateFile: tls.caFile,
    refreshIntervalMs: tls.refreshMs ?? CA_REFRESH_MS,
  });
  return experimental.createCertificateProviderChannelCredentials(ca, null);
}

class PushLoop implements Pusher {
  readonly counts: PusherCounts = { reports: 0, heartbeats: 0, failures: 0 };
  readonly #client: Client;
  readonly #options: PusherOptions;
  readonly #log: ChannelLog;
  readonly #backoff: Backoff;
  readonly #token: TokenFile;
  #latest: Node | undefined;
  /** When the latest data was seen (the lease change the next report carries). */
  #seenAt: string | undefined;
  /** Digest of the report the operator holds, as far as we know. */
  #acknowledged: string | undefined;
  #heartbeatMs: number;
  #connected = false;
  #stopped = false;
  /** New data (or a request to resend) arrived since the last call started. */
  #updated = false;
  #wake: (() => void) | undefined;
  #wakeOnUpdate = false;
  #call: ClientUnaryCall | undefined;
  /** The message of the failure last logged, while failures go on. */
  #lastFailure: string | undefined;
  #done: Promise<void> = Promise.resolve();

  constructor(client: Client, options: PusherOptions) {
    this.#client = client;
    this.#options = options;
    this.#log = options.log ?? SILENT_LOG;
    this.#backoff = new Backoff(options.backoff);
    this.#token = new TokenFile(options.tokenFile);
    this.#heartbeatMs = (options.heartbeatSeconds ?? 30) * 1000;
  }

  get connected(): boolean {
    return this.#connected;
  }

  update(interfaces: Interface[]): void {
    this.#latest = { name: this.#options.nodeName, interfaces: structuredClone(interfaces) };
    this.#seenAt = new Date().toISOString();
    this.#updated = true;
    if (this.#wakeOnUpdate) this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#call?.cancel();
    this.#wake?.();
    await this.#done;
    this.#client.close();
  }

  run(): void {
    this.#done = this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const latest = this.#latest;
      if (!latest) {
        await this.#sleep(Infinity);
        continue;
      }
      this.#updated = false;
      let waitMs: number;
      try {
        waitMs = await this.#push(latest);
        if (!this.#connected) this.#log.info("Connected to the operator", this.#fields());
        this.#connected = true;
        this.#lastFailure = undefined;
        this.#backoff.reset();
      } catch (error) {
        if (this.#stopped) break;
        this.counts.failures++;
        this.#options.onCall?.({ method: this.#method(latest), ok: false, connected: false });
        this.#acknowledged = undefined; // after reconnecting, always send the full state
        waitMs = this.#backoff.next();
        this.#logFailure(error, waitMs);
        this.#connected = false;
        await this.#sleep(waitMs, false);
        continue;
      }
      await this.#sleep(waitMs);
    }
  }

  /** The call `#push` makes for `latest`. */
  #method(latest: Node): "report" | "heartbeat" {
    return reportDigest(latest) === this.#acknowledged ? "heartbeat" : "report";
  }

  /** One call; returns how long to wait before the next one. */
  async #push(latest: Node): Promise<number> {
    const digest = reportDigest(latest);
    if (digest !== this.#acknowledged) {
      const reply = await this.#unary(REPORT_PATH, serializeReport, {
        node: latest,
        seenAt: this.#seenAt,
      });
      this.counts.reports++;
      this.#options.onCall?.({ method: "report", ok: true, connected: true });
      this.#acknowledged = digest;
      return this.#heartbeatAfter(reply);
    }
    const reply = await this.#unary(HEARTBEAT_PATH, serializeHeartbeat, {
      node_name: latest.name,
      digest,
    });
    this.counts.heartbeats++;
    this.#options.onCall?.({ method: "heartbeat", ok: true, connected: true });
    if (reply.resend) {
      this.#acknowledged = undefined;
      this.#updated = true; // report right away
    }
    return this.#heartbeatAfter(reply);
  }

  #heartbeatAfter(reply: ReportReply): number {
    if (reply.heartbeat_seconds > 0) this.#heartbeatMs = reply.heartbeat_seconds * 1000;
    return this.#heartbeatMs;
  }

  async #unary<Request>(
    path: string,
    serialize: (request: Request) => Uint8Array,
    request: Request,
  ): Promise<ReportReply> {
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${await this.#token.read()}`);
    const callOptions: CallOptions = {
      deadline: Date.now() + (this.#options.callTimeoutMs ?? 10_000),
    };
    return await new Promise<ReportReply>((resolve, reject) => {
      this.#call = this.#client.makeUnaryRequest(
        path,
        (value: Request) => Buffer.from(serialize(value)),
        deserializeReply,
        request,
        metadata,
        callOptions,
        (error: ServiceError | null, reply?: ReportReply) => {
          this.#call = undefined;
          if (error || !reply) reject(error ?? new Error("empty reply"));
          else resolve(reply);
        },
      );
    });
  }

  /** Waits `ms`, or less when stopped or (if `wakeOnUpdate`) when new data arrives. */
  #sleep(ms: number, wakeOnUpdate = true): Promise<void> {
    if (this.#stopped || (wakeOnUpdate && this.#updated)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => this.#wake?.(), ms) : undefined;
      this.#wakeOnUpdate = wakeOnUpdate;
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /**
   * Logs a failed call: refusals (bad token, wrong node, malformed data) as errors, other
   * failures as warnings; a failure that repeats the previous one only at debug level.
   */
  #logFailure(error: unknown, retryInMs: number): void {
    const message = describe(error);
    const fields = { ...this.#fields(), error: message, retryInMs };
    const code = (error as Partial<ServiceError>).code;
    if (message === this.#lastFailure) {
      this.#log.debug("Cannot push to the operator; retrying", fields);
    } else if (code !== undefined && REFUSALS.has(code)) {
      this.#log.error("The operator refused this agent's push; retrying", fields);
    } else {
      this.#log.warn("Cannot push to the operator; retrying", fields);
    }
    this.#lastFailure = message;
  }

  #fields() {
    return { operator: this.#options.target, node: this.#options.nodeName };
  }
}

/** The token file, read again whenever its modification time or size changes. */
class TokenFile {
  readonly #path: string;
  #stamp = "";
  #token = "";

  constructor(path: string) {
    this.#path = path;
  }

  async read(): Promise<string> {
    const info = await Deno.stat(this.#path);
    const stamp = `${info.mtime?.getTime()}/${info.size}/${info.ino}`;
    if (stamp !== this.#stamp) {
      this.#token = (await Deno.readTextFile(this.#path)).trim();
      this.#stamp = stamp;
    }
    return this.#token;
  }
}

/** The host of `host:port` or `[v6]:port`. */
function hostOf(target: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(target);
  return bracketed ? bracketed[1] : target.replace(/:\d+$/, "");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
