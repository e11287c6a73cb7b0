/**
 * The render process: the operator starts it as a child (`deno run … host.ts`, or the compiled
 * operator with its hidden subcommand, see `host_command.ts`) and talks to it in frames over stdin and stdout.
 * It hosts one permission-less render worker (`worker.ts`), passes each render request to it
 * and its answer back (as JSON text, untouched), and gives up every permission of its own once the
 * worker runs. The operator kills this process with SIGKILL when a render goes over a limit;
 * if the worker dies, this process exits and the operator starts a new one.
 *
 * @module
 */
import { encodeFrame, frameJson, frameOf, lines } from "./frames.ts";
import {
  grantedPermissions,
  PERMISSION_NAMES,
  type PermissionStates,
  permissionStates,
} from "./permissions.ts";
import type { WorkerReady } from "./worker.ts";

/** Exit status when the render worker failed (it crashed, or could not load). */
export const WORKER_FAILED_EXIT_CODE = 70;

/** The first frame of a render process: it is ready, and what each part of it may do. */
export interface HostReady {
  ready: true;
  permissions: { host: PermissionStates; worker: PermissionStates };
}

/** Runs the render process until stdin closes (the operator is gone or closed the renderer). */
export async function runRenderHost(): Promise<void> {
  const stdout = Deno.stdout.writable.getWriter();
  const encoder = new TextEncoder();
  const worker = new Worker(new URL("./worker.ts", import.meta.url).href, {
    type: "module",
    deno: { permissions: "none" },
  });
  const workerReady = Promise.withResolvers<PermissionStates>();
  worker.onmessage = (event: MessageEvent<WorkerReady | string>) => {
    if (typeof event.data === "string") stdout.write(encoder.encode(frameOf(event.data)));
    else workerReady.resolve(event.data.permissions);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    console.error(`render worker failed: ${event.message}`);
    Deno.exit(WORKER_FAILED_EXIT_CODE);
  };
  const workerPermissions = await workerReady.promise;
  // Nothing here needs a permission any more (stdin and stdout need none): drop all of them, so
  // that even a compiled operator (--allow-all) runs its render process without any.
  for (const name of PERMISSION_NAMES) await Deno.permissions.revoke({ name });
  const permissions = { host: permissionStates(), worker: workerPermissions };
  const granted = [
    ...grantedPermissions(permissions.host),
    ...grantedPermissions(workerPermissions),
  ];
  if (granted.length) {
    console.error(`the render process still has permissions: ${granted.join(", ")}`);
    Deno.exit(WORKER_FAILED_EXIT_CODE);
  }
  const ready: HostReady = { ready: true, permissions };
  await stdout.write(encoder.encode(encodeFrame(ready)));
  for await (const line of lines(Deno.stdin.readable)) {
    const request = frameJson(line);
    if (request !== undefined) worker.postMessage(request);
  }
  Deno.exit(0);
}

if (import.meta.main) await runRenderHost();
