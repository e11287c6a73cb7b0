/**
 * Runs the whole test suite (`deno task test [deno test args...]`).
 *
 * It starts one real control plane for the whole run (building it first when needed), hands it
 * to every test file through `DHCPT_TEST_KUBECONFIG` and `DHCPT_TEST_CLUSTER_CONTROL`, runs
 * `deno test --allow-all` once, and tears the control plane down at the end. When
 * `DHCPT_TEST_KUBECONFIG` is already set, that cluster is used instead. Nothing is ever rerun: when
 * `deno test` dies of a signal (a crash of the runtime), the run fails and names the test that was
 * running.
 *
 * @module
 */
import { startControlPlane } from "../tools/testcluster/control_plane.ts";
import { TestProgress } from "./support/test_progress.ts";

const existing = Deno.env.get("DHCPT_TEST_KUBECONFIG");
const cluster = existing ? undefined : await startControlPlane();
const env: Record<string, string> = cluster
  ? {
    DHCPT_TEST_KUBECONFIG: cluster.kubeconfigPath,
    DHCPT_TEST_CLUSTER_CONTROL: cluster.controlUrl,
  }
  : {};
let code = 1;
let stopping = false;
try {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", ...Deno.args],
    env,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const forward = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // deno test has ended already
    }
  };
  Deno.addSignalListener("SIGINT", forward);
  // The control plane is a process the run started: its death ends the run as a failure.
  let controlPlaneDied = false;
  cluster?.exited.then((status) => {
    if (stopping) return;
    controlPlaneDied = true;
    console.error(
      `\ntests/run.ts: the control plane exited during the run (${
        status.signal ?? `code ${status.code}`
      }); stopping the tests, the run fails`,
    );
    forward();
  });
  const progress = new TestProgress();
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    progress.feed(decoder.decode(chunk, { stream: true }));
  }
  const status = await child.status;
  Deno.removeSignalListener("SIGINT", forward);
  code = status.code;
  if (controlPlaneDied) code = 1;
  else if (status.signal) {
    console.error(
      `\ntests/run.ts: deno test crashed with ${status.signal}; the run fails. The test that was ` +
        `running: ${progress.describe() ?? "none had started"}`,
    );
    code = code === 0 ? 1 : code;
  }
} finally {
  stopping = true;
  await cluster?.stop();
}
Deno.exit(code);
