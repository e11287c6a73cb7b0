import assert from "node:assert/strict";
import { waitFor } from "./cluster.ts";
import { ExitWatch, UnexpectedExitError } from "./exits.ts";
import { ManagedProcess } from "./processes.ts";

/** A process running `code` (a script of its own) under `watch`, once it printed its first line. */
async function started(watch: ExitWatch, name: string, code: string): Promise<ManagedProcess> {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(script, code);
  let printed: () => void = () => {};
  const firstLine = new Promise<void>((resolve) => printed = resolve);
  const process = new ManagedProcess(name, script, [], {}, "http://127.0.0.1:1", () => printed());
  watch.watch(process);
  process.exited().finally(() => Deno.remove(script));
  await Promise.race([firstLine, process.exited()]);
  return process;
}

/** Runs until SIGTERM, then exits with `code`. */
const runsUntilTerm = (code: number) =>
  `Deno.addSignalListener("SIGTERM", () => Deno.exit(${code}));
setInterval(() => {}, 1000);
console.log("running");`;
/** A wait that only ends by timing out (bounded, so that a broken watch fails the test). */
const endless = () => waitFor("nothing", () => false, 30_000);

Deno.test("an exit nobody asked for fails the waits and the check", async () => {
  const watch = new ExitWatch();
  const crashing = await started(watch, "crashing", "console.log('bye'); Deno.exit(3);");
  const error = await watch.guard(endless()).catch((error) => error);
  assert.ok(error instanceof UnexpectedExitError, String(error));
  assert.match(error.message, /crashing exited unexpectedly \(exit code 3\)/);
  await crashing.exited();
  assert.match(error.message + crashing.output, /bye/);
  assert.throws(() => watch.check(), UnexpectedExitError);
  await assert.rejects(() => watch.guard(Promise.resolve()), UnexpectedExitError);
});

Deno.test("a process stopped or killed on purpose is no failure", async () => {
  const watch = new ExitWatch();
  const stopped = await started(watch, "stopped", runsUntilTerm(0));
  const killed = await started(watch, "killed", runsUntilTerm(0));
  assert.equal(await watch.guard(Promise.resolve(42)), 42);
  assert.equal((await stopped.stop()).code, 0);
  assert.equal((await killed.kill()).signal, "SIGKILL");
  watch.check();
});

Deno.test("a process that does not stop cleanly when asked is a failure", async () => {
  const watch = new ExitWatch();
  const failing = await started(watch, "failing on stop", runsUntilTerm(1));
  assert.equal((await failing.stop()).code, 1);
  assert.throws(() => watch.check(), /failing on stop did not stop cleanly when asked to/);
});
