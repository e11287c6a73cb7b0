/**
 * `deno task cluster`: runs the real control plane in the foreground for a human, prints the
 * `KUBECONFIG` to use and stops everything on Ctrl-C.
 *
 * @module
 */
import { startControlPlane } from "./control_plane.ts";

const cluster = await startControlPlane();
console.log(`export KUBECONFIG=${cluster.kubeconfigPath}`);
console.log("Control plane running; Ctrl-C stops it and removes its data.");
await new Promise<void>((resolve) => {
  Deno.addSignalListener("SIGINT", resolve);
  Deno.addSignalListener("SIGTERM", resolve);
});
await cluster.stop();
