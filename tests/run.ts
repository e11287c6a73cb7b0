/**
 * Runs the whole test suite (`deno task test [deno test args...]`).
 *
 * It starts one real control plane for the whole run (building it first when needed), hands it
 * to every test file through `DHCPT_TEST_KUBECONFIG` and `DHCPT_TEST_CLUSTER_CONTROL`, runs
 * `deno test --allow-all`, and tears the control plane down at the end. When
 * `DHCPT_TEST_KUBECONFIG` is already set, that cluster is used instead.
 *
 * @module
 */
import { startControlPlane } from "../tools/testcluster/control_plane.ts";

const existing = Deno.env.get("DHCPT_TEST_KUBECONFIG");
const cluster = existing ? undefined : await startControlPlane();
const env: Record<string, string> = cluster
  ? {
    DHCPT_TEST_KUBECONFIG: cluster.kubeconfigPath,
    DHCPT_TEST_CLUSTER_CONTROL: cluster.controlUrl,
  }
  : {};
/**
 * Deno 2.9.6 (the newest release) sometimes dies with SIGSEGV inside its Node.js networking layer
 * when connections are torn down (grpc-js, undici); that is a crash of the runtime, not a failed
 * test. The runner then runs the suite once more and says so; a failed test is never retried.
 */
const ATTEMPTS_AFTER_RUNTIME_CRASH = 2;
let code = 1;
try {
  for (let attempt = 1; attempt <= ATTEMPTS_AFTER_RUNTIME_CRASH; attempt++) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["test", "--allow-all", ...Deno.args],
      env,
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const forward = () => child.kill("SIGTERM");
    Deno.addSignalListener("SIGINT", forward);
    const status = await child.status;
    Deno.removeSignalListener("SIGINT", forward);
    code = status.code;
    if (status.signal !== "SIGSEGV" || attempt === ATTEMPTS_AFTER_RUNTIME_CRASH) break;
    console.error(
      "\ntests/run.ts: deno test crashed with SIGSEGV (a crash of the Deno runtime, not a test " +
        "failure); running the suite once more\n",
    );
  }
} finally {
  await cluster?.stop();
}
Deno.exit(code);
