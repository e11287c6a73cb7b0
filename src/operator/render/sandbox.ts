/**
 * Renders templates in a Deno Worker with no permissions (no read, write, net, env, run, ffi,
 * sys): a template is untrusted code. A render that takes longer than the CPU limit terminates
 * the worker (a fresh one serves the next render); output is bounded.
 *
 * @module
 */
import type { Node } from "../../shared/model.ts";
import type { Renderer, RenderResult } from "../reconcile.ts";
import type { RenderRequest, RenderResponse } from "./worker.ts";

/** Limits of the sandbox. */
export interface SandboxOptions {
  /** Time one render may take, milliseconds (default 2000). */
  timeoutMs?: number;
  /** Largest rendered output, bytes (default 4 MiB). */
  outputBytes?: number;
}

/** How long a new worker may take to load (the first load may compile it). */
const WORKER_START_TIMEOUT_MS = 120_000;

interface Pending {
  request: RenderRequest;
  resolve: (result: RenderResult) => void;
}

/** A {@link Renderer} that renders in a permission-less worker, one template at a time. */
export class SandboxedRenderer implements Renderer {
  readonly #timeoutMs: number;
  readonly #outputBytes: number;
  #worker: Worker | undefined;
  #workerReady = false;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 1;
  readonly #queue: Pending[] = [];
  #running: (Pending & { timer: ReturnType<typeof setTimeout> }) | undefined;
  #closed = false;

  /** Creates the renderer; the worker starts on the first render. */
  constructor(options: SandboxOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#outputBytes = options.outputBytes ?? 4 * 1024 * 1024;
  }

  /** Renders `source` with the template variable `nodes`. */
  render(templateName: string, source: string, nodes: Node[]): Promise<RenderResult> {
    if (this.#closed) {
      return Promise.resolve({ ok: false, error: { message: "the renderer is closed" } });
    }
    return new Promise((resolve) => {
      this.#queue.push({
        request: {
          id: this.#nextId++,
          name: templateName,
          source,
          context: { nodes },
          outputBytes: this.#outputBytes,
        },
        resolve,
      });
      this.#pump();
    });
  }

  /** Stops the worker; pending renders fail. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#startTimer);
    this.#worker?.terminate();
    this.#worker = undefined;
    for (const pending of this.#queue.splice(0)) {
      pending.resolve({ ok: false, error: { message: "the renderer is closed" } });
    }
    if (this.#running) {
      clearTimeout(this.#running.timer);
      this.#running.resolve({ ok: false, error: { message: "the renderer is closed" } });
      this.#running = undefined;
    }
  }

  #pump(): void {
    if (this.#running || this.#closed || !this.#queue.length) return;
    const worker = this.#ensureWorker();
    if (!this.#workerReady) return;
    const next = this.#queue.shift()!;
    const timer = setTimeout(() => this.#timedOut(), this.#timeoutMs);
    this.#running = { ...next, timer };
    worker.postMessage(next.request);
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./worker.ts", import.meta.url).href, {
      type: "module",
      deno: { permissions: "none" },
    });
    worker.onmessage = (event: MessageEvent<RenderResponse>) => {
      const response = event.data;
      if ("ready" in response) {
        clearTimeout(this.#startTimer);
        this.#workerReady = true;
        this.#pump();
        return;
      }
      const running = this.#running;
      if (!running || running.request.id !== response.id) return;
      clearTimeout(running.timer);
      this.#running = undefined;
      running.resolve(
        response.ok ? { ok: true, objects: response.objects } : {
          ok: false,
          error: response.error,
        },
      );
      this.#pump();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(`the render worker crashed: ${event.message}`);
    };
    this.#worker = worker;
    this.#workerReady = false;
    this.#startTimer = setTimeout(() => this.#workerFailedToStart(), WORKER_START_TIMEOUT_MS);
    return worker;
  }

  #workerFailedToStart(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    for (const pending of this.#queue.splice(0)) {
      pending.resolve({
        ok: false,
        error: {
          message:
            `${pending.request.name}: the render worker did not start within ${WORKER_START_TIMEOUT_MS} ms`,
        },
      });
    }
  }

  #timedOut(): void {
    this.#fail(`rendering took longer than ${this.#timeoutMs} ms and was stopped`);
  }

  #fail(reason: string): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    clearTimeout(this.#startTimer);
    const running = this.#running;
    this.#running = undefined;
    if (running) {
      clearTimeout(running.timer);
      running.resolve({ ok: false, error: { message: `${running.request.name}: ${reason}` } });
    }
    this.#pump();
  }
}
