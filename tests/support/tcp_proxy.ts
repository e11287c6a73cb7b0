/**
 * A tiny TCP load balancer on loopback standing in for the operator's Kubernetes Service: each
 * connection goes to the next backend that accepts it, so agents keep one address while operator
 * replicas die and come back.
 *
 * @module
 */

/** A running proxy. */
export interface TcpProxy {
  /** `127.0.0.1:<port>` to connect to. */
  readonly address: string;
  /** Replaces the backends (`host:port`), e.g. after a replica restarted on a new port. */
  setBackends(backends: string[]): void;
  /** Stops listening and closes every connection. */
  stop(): Promise<void>;
}

/** Starts a proxy in front of `backends`. */
export function startTcpProxy(backends: string[]): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let current = [...backends];
  let next = 0;
  const open = new Set<Deno.Conn>();

  const connectBackend = async (): Promise<Deno.Conn | undefined> => {
    for (let tried = 0; tried < current.length; tried++) {
      const backend = current[next++ % current.length];
      const separator = backend.lastIndexOf(":");
      try {
        return await Deno.connect({
          hostname: backend.slice(0, separator),
          port: Number(backend.slice(separator + 1)),
        });
      } catch {
        // that replica is down: try the next
      }
    }
    return undefined;
  };

  const serve = async (client: Deno.Conn) => {
    const backend = await connectBackend();
    if (!backend) {
      client.close();
      return;
    }
    open.add(client);
    open.add(backend);
    const close = () => {
      for (const conn of [client, backend]) {
        open.delete(conn);
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    };
    await Promise.race([
      client.readable.pipeTo(backend.writable, { preventClose: true }).catch(() => {}),
      backend.readable.pipeTo(client.writable, { preventClose: true }).catch(() => {}),
    ]);
    close();
  };

  const accepting = (async () => {
    try {
      for await (const client of listener) serve(client);
    } catch {
      // listener closed
    }
  })();

  return {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    setBackends(backends) {
      current = [...backends];
    },
    async stop() {
      listener.close();
      await accepting;
      for (const conn of open) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
      open.clear();
    },
  };
}
