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
let code = 1;
try {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", ...Deno.args],
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const forward = () => child.kill("SIGTERM");
  Deno.addSignalListener("SIGINT", forward);
  code = (await child.status).code;
  Deno.removeSignalListener("SIGINT", forward);
} finally {
  await cluster?.stop();
}
Deno.exit(code);
