/**
 * The operator's handle on one render process (`host.ts`): starts it, sends it requests, reads
 * its answers, keeps the end of its stderr (to tell why it died) and kills it.
 *
 * @module
 */
import { decodeFrame, encodeFrame, lines } from "./frames.ts";
import type { HostReady } from "./host.ts";
import type { HostCommand } from "./host_command.ts";
import type { RenderAnswer, RenderRequest } from "./render_job.ts";

/** The only environment variables a render process gets: where Deno keeps its cache. */
const PASSED_ENV = ["HOME", "DENO_DIR", "XDG_CACHE_HOME"];

/** How much of the process's stderr is kept. */
const STDERR_TAIL_CHARS = 4096;

/** What a render process reports to its owner. */
export interface RenderProcessEvents {
  /** The process can take requests; `ready` says what it may do (nothing). */
  onReady(ready: HostReady): void;
  /** The answer to a request. */
  onResponse(response: RenderAnswer): void;
  /** The process ended (also after {@link RenderProcess.kill}); `stderr` is its last output. */
  onExit(status: Deno.CommandStatus, stderr: string): void;
}

/** One running render process. */
export class RenderProcess {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #encoder = new TextEncoder();
  readonly #ended: Promise<void>;
  #stderr = "";

  /** Starts the process of `command`. */
  constructor(command: HostCommand, events: RenderProcessEvents) {
    this.#child = new Deno.Command(command.path, {
      args: command.args,
      clearEnv: true,
      env: renderProcessEnv(),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#stdin.closed.catch(() => {}); // a dead process: its exit tells the owner
    const stdout = this.#readFrames(events);
    const stderr = this.#readStderr();
    this.#ended = Promise.all([this.#child.status, stdout, stderr]).then(async ([status]) => {
      await this.#stdin.close().catch(() => {});
      events.onExit(status, this.#stderr);
    });
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Sends a request; a process that died meanwhile reports its exit instead. */
  send(request: RenderRequest): void {
    this.#stdin.write(this.#encoder.encode(encodeFrame(request))).catch(() => {});
  }

  /** Kills the process at once (SIGKILL) and waits until it is gone. */
  async kill(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.#ended;
  }

  async #readFrames(events: RenderProcessEvents): Promise<void> {
    try {
      for await (const line of lines(this.#child.stdout)) {
        const frame = decodeFrame(line) as HostReady | RenderAnswer | undefined;
        if (frame === undefined) continue;
        if ("ready" in frame) events.onReady(frame);
        else events.onResponse(frame);
      }
    } catch {
      // the process was killed mid-line
    }
  }

  async #readStderr(): Promise<void> {
    try {
      for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
      }
    } catch {
      // the process was killed mid-write
    }
  }
}

/** The render process's environment: none of the operator's, only what Deno needs to start. */
function renderProcessEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of PASSED_ENV) {
    try {
      const value = Deno.env.get(name);
      if (value) env[name] = value;
    } catch {
      // no env permission: the process starts without it
    }
  }
  return env;
}
