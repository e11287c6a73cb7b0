/** The probe server over real HTTP: /metrics, /healthz, /readyz on a real socket. */
import assert from "node:assert/strict";
import { createLogger } from "../src/shared/log.ts";
import { agentMetrics, processMetrics, Registry } from "../src/shared/metrics.ts";
import { type Readiness, startProbeServer } from "../src/shared/probe_server.ts";

function quietLogger(lines: string[] = []) {
  return createLogger({ format: "json", level: "debug", sink: (line) => lines.push(line) });
}

Deno.test("probe server answers /metrics, /healthz and /readyz over HTTP", async () => {
  const registry = new Registry();
  agentMetrics(registry).pushes.inc({ result: "ok" });
  let readiness: Readiness = { ready: false, reason: "not connected to the operator" };
  const logged: string[] = [];
  const server = await startProbeServer({
    listen: "127.0.0.1:0",
    registry,
    ready: () => readiness,
    log: quietLogger(logged),
  });
  try {
    assert.ok(server.port > 0);
    assert.equal(JSON.parse(logged[0]).listen, `127.0.0.1:${server.port}`);
    const base = `http://127.0.0.1:${server.port}`;

    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.equal(metrics.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert.match(await metrics.text(), /^dhcp_template_agent_pushes_total\{result="ok"\} 1$/m);

    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), "ok\n");

    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.equal(await notReady.text(), "not ready: not connected to the operator\n");

    readiness = true;
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), "ready\n");

    readiness = false;
    const plainFalse = await fetch(`${base}/readyz`);
    assert.equal(plainFalse.status, 503);
    assert.equal(await plainFalse.text(), "not ready: starting\n");

    const unknown = await fetch(`${base}/nope`);
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
    const post = await fetch(`${base}/healthz`, { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  } finally {
    await server.stop();
  }
  await assert.rejects(fetch(`http://127.0.0.1:${server.port}/healthz`));
});

Deno.test("probe server listens on IPv6 in bracket notation", async () => {
  const server = await startProbeServer({
    listen: "[::1]:0",
    registry: new Registry(),
    ready: () => true,
    log: quietLogger(),
  });
  try {
    const response = await fetch(`http://[::1]:${server.port}/readyz`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  } finally {
    await server.stop();
  }
});

Deno.test("probe server refuses a port in use with the address in the error", async () => {
  const first = await startProbeServer({
    listen: "127.0.0.1:0",
    registry: new Registry(),
    ready: () => true,
    log: quietLogger(),
  });
  try {
    await assert.rejects(
      startProbeServer({
        listen: `127.0.0.1:${first.port}`,
        registry: new Registry(),
        ready: () => true,
        log: quietLogger(),
      }),
      new RegExp(`Cannot listen on "127\\.0\\.0\\.1:${first.port}": .*in use`, "i"),
    );
  } finally {
    await first.stop();
  }
});

Deno.test("/metrics serves the process metrics of this process", async () => {
  const registry = new Registry();
  processMetrics(registry);
  const server = await startProbeServer({
    listen: "127.0.0.1:0",
    registry,
    ready: () => true,
    log: quietLogger(),
  });
  try {
    const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
    const rss = value("process_resident_memory_bytes");
    assert.ok(rss > 1024 * 1024, `resident memory ${rss}`);
    assert.ok(value("process_open_fds") > 0);
    const started = value("process_start_time_seconds");
    const expected = (Date.now() - performance.now()) / 1000;
    assert.ok(Math.abs(started - expected) < 60, `started ${started}, expected about ${expected}`);
  } finally {
    await server.stop();
  }
});
