/**
 * The render worker: runs templates with no permissions at all (the render process starts it
 * with `permissions: "none"`). It announces itself with `ready` and its permissions, then takes
 * one {@link RenderRequest} at a time as JSON text and answers with the JSON text of its answer
 * (text crosses threads faster than a structured clone of large node data, and the process
 * passes it on untouched).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type PermissionStates, permissionStates } from "./permissions.ts";
import { RenderJobs, type RenderRequest } from "./render_job.ts";

/** The worker's first message. */
export interface WorkerReady {
  ready: true;
  permissions: PermissionStates;
}

// nunjucks reads process.env.BUILD_TYPE; this worker has no env permission, so it sees none.
Object.defineProperty(process, "env", { value: Object.freeze({}), configurable: true });

const jobs = new RenderJobs();
self.onmessage = (event: MessageEvent<string>) => {
  self.postMessage(JSON.stringify(jobs.run(JSON.parse(event.data) as RenderRequest)));
};
// Loading this module can take a while (the first time, Deno may compile it): the operator
// starts the render time limit only after the process says it is ready.
const ready: WorkerReady = { ready: true, permissions: permissionStates() };
self.postMessage(ready);
