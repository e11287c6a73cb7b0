/**
 * The HTTP endpoints Kubernetes and Prometheus call, served by the agent and the operator:
 *
 * - `GET /metrics`: the Prometheus exposition of the registry;
 * - `GET /healthz`: 200 while the process runs (liveness);
 * - `GET /readyz`: 200 when the process can do its work, else 503 with the reason (readiness).
 *
 * @module
 */
import { DhcpTemplateError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { Registry } from "./metrics.ts";
import { formatHostPort, type HostPort, parseHostPort } from "./flags.ts";

/** Whether the process is ready; a reason tells `/readyz` callers why it is not. */
export type Readiness = boolean | { ready: boolean; reason?: string };

/** Options of {@link startProbeServer}. */
export interface ProbeServerOptions {
  /** Where to listen: `host:port`, `[ipv6]:port` or a parsed address; port 0 picks a free one. */
  listen: string | HostPort;
  /** The metrics `/metrics` serves. */
  registry: Registry;
  /** Asked on every `/readyz`. */
  ready: () => Readiness;
  /** Where the server logs its address and failures. */
  log: Logger;
}

/** A running probe server. */
export interface ProbeServer {
  /** The TCP port it listens on. */
  port: number;
  /** Stops listening and waits until open requests are answered. */
  stop(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const address = typeof options.listen === "string"
    ? parseHostPort("metrics-listen", options.listen)
    : options.listen;
  const handler = probeHandler(options);
  return new Promise((resolve, reject) => {
    try {
      const server = Deno.serve({
        hostname: address.hostname,
        port: address.port,
        onListen: ({ port }) => {
          options.log.info("Serving /metrics, /healthz and /readyz", {
            listen: formatHostPort({ hostname: address.hostname, port }),
          });
          resolve({ port, stop: () => server.shutdown() });
        },
        onError: (error) => {
          options.log.error("Probe request failed", { error });
          return new Response("internal error\n", { status: 500 });
        },
      }, handler);
    } catch (error) {
      const listen = formatHostPort(address);
      reject(
        new DhcpTemplateError(
          `Cannot listen on "${listen}": ${(error as Error).message}`,
          { listen },
          { cause: error },
        ),
      );
    }
  });
}

/** The request handler of the probe server (exported for tests without a socket). */
export function probeHandler(
  options: Pick<ProbeServerOptions, "registry" | "ready">,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (!["/metrics", "/healthz", "/readyz"].includes(pathname)) {
      return text(404, "not found: try /metrics, /healthz or /readyz\n");
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("only GET\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    switch (pathname) {
      case "/metrics":
        return new Response(await options.registry.metrics(), {
          headers: { "content-type": options.registry.contentType },
        });
      case "/healthz":
        return text(200, "ok\n");
      default: {
        const readiness = options.ready();
        const { ready, reason } = typeof readiness === "boolean"
          ? { ready: readiness, reason: undefined }
          : readiness;
        return ready ? text(200, "ready\n") : text(503, `not ready: ${reason ?? "starting"}\n`);
      }
    }
  };
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
