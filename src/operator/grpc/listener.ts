/**
 * The TCP side of the agent server: accepts connections and hands them to grpc-js (a connection
 * injector), so that stopping can close them without an HTTP/2 GOAWAY. Deno 2.9.6's `node:http2`
 * client can crash inside nghttp2 when it receives a GOAWAY (SIGSEGV or an nghttp2 assertion,
 * denoland/deno#36788), which grpc-js sends on every graceful or forced shutdown: agents (and any
 * Deno process calling us) died whenever an operator stopped. A closed connection instead makes
 * agents reconnect and retry.
 *
 * @module
 */
import type { ConnectionInjector } from "@grpc/grpc-js";
import { createServer, type Socket } from "node:net";

/** A listening socket whose connections go to the gRPC server. */
export interface ConnectionListener {
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and closes every connection at the TCP level. */
  close(): void;
}

/** Listens on `hostname:port` (port 0: a free one) and injects each connection into `injector`. */
export async function listenForConnections(
  hostname: string,
  port: number,
  injector: ConnectionInjector,
): Promise<ConnectionListener> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    injector.injectConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close() {
      server.close();
      for (const socket of sockets) socket.destroy();
      injector.destroy();
    },
  };
}
