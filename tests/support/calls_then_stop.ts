/**
 * For `agent_server_stop_test.ts`: `calls_then_stop.ts <count>...` is a Deno gRPC client of the
 * operator's agent server. For each count it starts the server in a process of its own
 * (`calls_then_stop.ts --server`), makes that many heartbeat calls over one connection, has the
 * server stop while the connection is open, and calls once more (to a server that is gone). It
 * exits 0 when it survived every round; Deno 2.9.6 dies (SIGSEGV, or an nghttp2 assertion) when
 * the server's stop sends an HTTP/2 GOAWAY.
 *
 * @module
 */
import { startAgentServer } from "../../src/operator/grpc/server.ts";
import { RawAgentClient } from "./channel.ts";

const NODE = "node-a";

if (Deno.args[0] === "--server") {
  const server = await startAgentServer({
    listen: "127.0.0.1:0",
    heartbeatSeconds: 30,
    authenticator: {
      authenticate: () =>
        Promise.resolve({ ok: true, identity: { serviceAccount: "ns:agent", nodeName: NODE } }),
    },
    store: { accept: () => Promise.resolve(true), holds: () => true },
  });
  console.log(server.port);
  // Stops when standard input closes.
  for await (const _ of Deno.stdin.readable) {
    // nothing is sent
  }
  await server.stop();
} else {
  for (const calls of Deno.args.map(Number)) {
    const server = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", import.meta.filename!, "--server"],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const port = (await server.stdout.pipeThrough(new TextDecoderStream()).getReader().read())
      .value?.trim();
    const client = new RawAgentClient(`127.0.0.1:${port}`);
    for (let call = 0; call < calls; call++) {
      await client.heartbeat({ node_name: NODE, digest: "d" }, "token");
    }
    await server.stdin.close();
    const stopped = await server.status;
    const after = await client.heartbeat({ node_name: NODE, digest: "d" }, "token")
      .then(() => "answered", (error) => `failed: ${error.message}`);
    client.close();
    console.log(`${calls} calls, server stopped (${stopped.code}), next call ${after}`);
  }
}
