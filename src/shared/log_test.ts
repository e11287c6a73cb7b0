import assert from "node:assert/strict";
import { DhcpTemplateError } from "./errors.ts";
import { createLogger, type LogFormat, type LogLevel } from "./log.ts";

const TIME = new Date("2026-11-24T14:00:00.000Z");

function capture(format: LogFormat, level: LogLevel = "debug") {
  const lines: string[] = [];
  const log = createLogger({ format, level, sink: (line) => lines.push(line), now: () => TIME });
  return { log, lines };
}

Deno.test("json: one object per line with time, level, msg and the fields", () => {
  const { log, lines } = capture("json");
  log.info("Applied objects", { template: "pools", applied: 3 });
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0]), {
    time: "2026-11-24T14:00:00.000Z",
    level: "info",
    msg: "Applied objects",
    template: "pools",
    applied: 3,
  });
});

Deno.test("child loggers carry their fields; the call's fields win on equal names", () => {
  const { log, lines } = capture("json");
  const node = log.child({ node: "node-a" }).child({ template: "pools" });
  node.warn("Render failed", { template: "other", attempt: 2 });
  log.info("Parent keeps its own fields");
  const [first, second] = lines.map((line) => JSON.parse(line));
  assert.equal(first.node, "node-a");
  assert.equal(first.template, "other");
  assert.equal(first.attempt, 2);
  assert.equal(second.node, undefined);
});

Deno.test("records below the level are dropped", () => {
  const { log, lines } = capture("text", "warn");
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  assert.deepEqual(lines.map((line) => line.split(/ +/)[2]), ["w", "e"]);
});

Deno.test("text: time, level, message and key=value fields, quoted when needed", () => {
  const { log, lines } = capture("text");
  log.info("Agent connected", { node: "node-a", peer: "[2001:db8::1]:41000", note: "two words" });
  assert.equal(
    lines[0],
    '2026-11-24T14:00:00.000Z INFO  Agent connected node=node-a peer=[2001:db8::1]:41000 note="two words"',
  );
});

Deno.test("typed errors are logged with message, cause and context", () => {
  const cause = new Error("connection refused");
  const error = new DhcpTemplateError(
    'Cannot render "pools": unknown filter',
    { template: "pools", line: 4 },
    { cause },
  );
  const json = capture("json");
  json.log.error("Reconcile failed", { error });
  assert.deepEqual(JSON.parse(json.lines[0]).error, {
    message: 'Cannot render "pools": unknown filter: caused by connection refused',
    type: "DhcpTemplateError",
    context: { template: "pools", line: 4 },
  });
  const text = capture("text");
  text.log.error("Reconcile failed", { error });
  assert.equal(
    text.lines[0],
    "2026-11-24T14:00:00.000Z ERROR Reconcile failed " +
      'error="Cannot render \\"pools\\": unknown filter: caused by connection refused" ' +
      "error.template=pools error.line=4",
  );
});

Deno.test("unexpected errors carry their stack", () => {
  const bug = new TypeError("x is undefined");
  const json = capture("json");
  json.log.error("Bug", { error: bug });
  const logged = JSON.parse(json.lines[0]).error;
  assert.equal(logged.type, "TypeError");
  assert.match(logged.stack, /log_test\.ts/);
  const text = capture("text");
  text.log.error("Bug", { error: bug });
  const [line, ...stack] = text.lines[0].split("\n");
  assert.equal(line, '2026-11-24T14:00:00.000Z ERROR Bug error="x is undefined"');
  assert.match(stack[0], /^ {4}TypeError: x is undefined/);
});

Deno.test("json: dates, big integers, cycles and reserved names stay valid JSON", () => {
  const { log, lines } = capture("json");
  const cyclic: Record<string, unknown> = { name: "a" };
  cyclic.self = cyclic;
  log.info("m", { at: TIME, size: 2n ** 70n, cyclic, msg: "field named msg" });
  const record = JSON.parse(lines[0]);
  assert.equal(record.msg, "m");
  assert.equal(record["field.msg"], "field named msg");
  assert.equal(record.at, "2026-11-24T14:00:00.000Z");
  assert.equal(record.size, "1180591620717411303424");
  assert.deepEqual(record.cyclic, { name: "a", self: "[circular]" });
});

Deno.test("apiserver errors are logged as the apiserver's answer, without a stack", async () => {
  const { ApiException } = await import("@kubernetes/client-node");
  const answer = new ApiException(
    429,
    "HTTP-Code: 429 ...",
    JSON.stringify({ kind: "Status", message: "storage is (re)initializing", code: 429 }),
    {},
  );
  const { log, lines } = capture("text");
  log.warn("Watch failed", { error: answer });
  assert.equal(
    lines.join("\n"),
    '2026-11-24T14:00:00.000Z WARN  Watch failed error="the apiserver answered HTTP 429: ' +
      'storage is (re)initializing"',
  );
});

Deno.test("a refused connection is logged without a stack: it is not a bug", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), {
    code: "ECONNREFUSED",
  });
  const { log, lines } = capture("text");
  log.warn("Leader election", { error: new TypeError("fetch failed", { cause: refused }) });
  assert.equal(
    lines.join("\n"),
    '2026-11-24T14:00:00.000Z WARN  Leader election error="fetch failed: caused by connect ' +
      'ECONNREFUSED 127.0.0.1:6443"',
  );
});
