/**
 * Renders templates in a separate render process (`host.ts`) that hosts a Deno Worker without
 * any permission (no read, write, net, env, run, ffi, sys): a template is untrusted code. The
 * limits hold for real because the process can be killed: while a render runs, its CPU time and
 * the process's resident memory are watched, and a render over a limit is stopped with SIGKILL
 * (a fresh process serves the next render). The V8 heap of the process is capped as well where
 * the runtime allows it (see `host_command.ts`). Output is bounded by the engine (UTF-8 bytes).
 *
 * @module
 */
import type { Node } from "../../shared/model.ts";
import type { Renderer, RenderResult } from "../reconcile.ts";
import { type HostCommand, renderHostCommand } from "./host_command.ts";
import { readProcessStats } from "./process_stats.ts";
import type { RenderAnswer, RenderRequest } from "./render_job.ts";
import { RenderProcess } from "./render_process.ts";

/** Limits of the sandbox. */
export interface SandboxOptions {
  /** CPU time one render may take, milliseconds (default 2000). */
  timeoutMs?: number;
  /** Largest rendered output, UTF-8 bytes (default 4 MiB). */
  outputBytes?: number;
  /** Resident memory of the render process, MiB (default 256); also its V8 heap limit. */
  memoryMiB?: number;
  /** How to start the render process (default: {@link renderHostCommand}). */
  hostCommand?: HostCommand;
}

/** How long a new render process may take to load (the first load may compile it). */
const START_TIMEOUT_MS = 120_000;
/** How often a running render is measured against its limits. */
const WATCH_INTERVAL_MS = 10;
/** A process grown past this share of the memory limit is replaced after its render. */
const RESTART_SHARE = 0.75;
/** A render that stops using CPU (stuck) is stopped after this multiple of the CPU limit. */
const WALL_CLOCK_FACTOR = 10;

interface Pending {
  request: RenderRequest;
  resolve: (result: RenderResult) => void;
}

interface Running extends Pending {
  startedAt: number;
  cpuAtStartMs: number | undefined;
  watch: ReturnType<typeof setInterval>;
}

/** A {@link Renderer} that renders in a killable, permission-less process, one at a time. */
export class SandboxedRenderer implements Renderer {
  readonly #timeoutMs: number;
  readonly #outputBytes: number;
  readonly #memoryMiB: number;
  readonly #command: HostCommand;
  #process: RenderProcess | undefined;
  #processReady = false;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #exits = new Set<Promise<void>>();
  #nextId = 1;
  readonly #queue: Pending[] = [];
  #running: Running | undefined;
  #closed = false;

  /** Creates the renderer; the render process starts on the first render. */
  constructor(options: SandboxOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#outputBytes = options.outputBytes ?? 4 * 1024 * 1024;
    this.#memoryMiB = options.memoryMiB ?? 256;
    this.#command = options.hostCommand ?? renderHostCommand(this.#memoryMiB);
  }

  /** The process id of the render process while one runs. */
  get processId(): number | undefined {
    return this.#process?.pid;
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

  /** Stops the render process; pending renders fail. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) {
      pending.resolve({ ok: false, error: { message: "the renderer is closed" } });
    }
    this.#finish({ ok: false, error: { message: "the renderer is closed" } });
    this.#retire();
    await Promise.all(this.#exits);
  }

  #pump(): void {
    if (this.#running || this.#closed || !this.#queue.length) return;
    let process: RenderProcess;
    try {
      process = this.#ensureProcess();
    } catch (error) {
      this.#failQueue(`the render process could not start: ${(error as Error).message}`);
      return;
    }
    if (!this.#processReady) return;
    const next = this.#queue.shift()!;
    this.#running = {
      ...next,
      startedAt: performance.now(),
      cpuAtStartMs: readProcessStats(process.pid)?.cpuMs,
      watch: setInterval(() => this.#watchLimits(), WATCH_INTERVAL_MS),
    };
    process.send(next.request);
  }

  #ensureProcess(): RenderProcess {
    if (this.#process) return this.#process;
    const exit = Promise.withResolvers<void>();
    const process: RenderProcess = new RenderProcess(this.#command, {
      onReady: () => {
        if (process !== this.#process) return;
        clearTimeout(this.#startTimer);
        this.#processReady = true;
        this.#pump();
      },
      onResponse: (response) => this.#answered(process, response),
      onExit: (status, stderr) => {
        this.#exits.delete(exit.promise);
        exit.resolve();
        this.#exited(process, status, stderr);
      },
    });
    this.#exits.add(exit.promise);
    this.#process = process;
    this.#processReady = false;
    this.#startTimer = setTimeout(() => this.#failedToStart(), START_TIMEOUT_MS);
    return process;
  }

  #answered(process: RenderProcess, response: RenderAnswer): void {
    if (process !== this.#process || this.#running?.request.id !== response.id) return;
    this.#finish(
      response.ok ? { ok: true, objects: response.objects } : { ok: false, error: response.error },
    );
    const rss = readProcessStats(process.pid)?.rssMiB ?? 0;
    if (rss > RESTART_SHARE * this.#memoryMiB) this.#retire();
    this.#pump();
  }

  #exited(process: RenderProcess, status: Deno.CommandStatus, stderr: string): void {
    if (process !== this.#process) return; // killed on purpose, already accounted for
    const wasReady = this.#processReady;
    this.#process = undefined;
    this.#processReady = false;
    clearTimeout(this.#startTimer);
    const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
    if (this.#running) {
      const name = this.#running.request.name;
      this.#finish({
        ok: false,
        error: {
          message: /out of memory|heap limit/i.test(stderr)
            ? `${name}: rendering was stopped at the memory limit of ${this.#memoryMiB} MiB`
            : `${name}: the render process crashed (${how})`,
        },
      });
    } else if (!wasReady) {
      // It could not start: every start would fail the same way; say why instead of looping.
      const detail = stderr.trim().split("\n").slice(-3).join(" ");
      this.#failQueue(`the render process could not start (${how}): ${detail}`);
    }
    this.#pump();
  }

  #watchLimits(): void {
    const running = this.#running;
    const process = this.#process;
    if (!running || !process) return;
    const elapsedMs = performance.now() - running.startedAt;
    const stats = readProcessStats(process.pid);
    if (!stats || running.cpuAtStartMs === undefined) {
      // No /proc (not Linux): wall-clock time stands in for CPU time.
      if (elapsedMs > this.#timeoutMs) this.#stop(`the CPU limit of ${this.#timeoutMs} ms`);
      return;
    }
    if (stats.cpuMs - running.cpuAtStartMs > this.#timeoutMs) {
      this.#stop(`the CPU limit of ${this.#timeoutMs} ms`);
    } else if (stats.rssMiB > this.#memoryMiB) {
      this.#stop(`the memory limit of ${this.#memoryMiB} MiB`);
    } else if (elapsedMs > WALL_CLOCK_FACTOR * this.#timeoutMs) {
      this.#stop(`the time limit of ${WALL_CLOCK_FACTOR * this.#timeoutMs} ms (without using CPU)`);
    }
  }

  /** Stops the running render at a limit: its process is killed, a new one serves the next. */
  #stop(limit: string): void {
    const name = this.#running?.request.name;
    this.#finish({ ok: false, error: { message: `${name}: rendering was stopped at ${limit}` } });
    this.#retire();
    this.#pump();
  }

  #finish(result: RenderResult): void {
    const running = this.#running;
    if (!running) return;
    clearInterval(running.watch);
    this.#running = undefined;
    running.resolve(result);
  }

  /** Kills the current process (if any); the next render starts a new one. */
  #retire(): void {
    const process = this.#process;
    this.#process = undefined;
    this.#processReady = false;
    clearTimeout(this.#startTimer);
    process?.kill();
  }

  #failedToStart(): void {
    this.#retire();
    this.#failQueue(`the render process did not start within ${START_TIMEOUT_MS} ms`);
  }

  #failQueue(reason: string): void {
    for (const pending of this.#queue.splice(0)) {
      pending.resolve({ ok: false, error: { message: `${pending.request.name}: ${reason}` } });
    }
  }
}
