/**
 * A tiny TCP load balancer on loopback standing in for the operator's Kubernetes Service: each
 * connection goes to the next backend that accepts it, so agents keep one address while operator
 * replicas die and come back.
 *
 * @module
 */

/** A running proxy. */
export interface TcpProxy {
  /** `localhost:<port>` to connect to (a name, so TLS clients can verify the certificate). */
  readonly address: string;
  /** Replaces the backends (`host:port`), e.g. after a replica restarted on a new port. */
  setBackends(backends: string[]): void;
  /**
   * Cuts (true) or heals (false) the network: while cut, no byte passes either way and new
   * connections wait, as in a partition; nothing is closed, so requests hang rather than fail.
   */
  partition(cut: boolean): void;
  /** Closes every open connection (clients see it end and reconnect); keeps listening. */
  dropConnections(): void;
  /** Stops listening and closes every connection. */
  stop(): Promise<void>;
}

/** Starts a proxy in front of `backends`. */
export function startTcpProxy(backends: string[]): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let current = [...backends];
  let next = 0;
  const open = new Set<Deno.Conn>();
  let healed: Promise<void> = Promise.resolve();
  let heal = () => {};
  /** Passes chunks on, holding each while the network is cut. */
  const gated = () =>
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        await healed;
        controller.enqueue(chunk);
      },
    });

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
    await healed;
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
      client.readable.pipeThrough(gated()).pipeTo(backend.writable, { preventClose: true })
        .catch(() => {}),
      backend.readable.pipeThrough(gated()).pipeTo(client.writable, { preventClose: true })
        .catch(() => {}),
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
    address: `localhost:${(listener.addr as Deno.NetAddr).port}`,
    setBackends(backends) {
      current = [...backends];
    },
    partition(cut) {
      heal();
      if (cut) healed = new Promise((resolve) => heal = resolve);
    },
    dropConnections() {
      for (const conn of open) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
      open.clear();
    },
    async stop() {
      heal();
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
