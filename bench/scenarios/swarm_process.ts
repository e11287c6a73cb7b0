/**
 * One `agent_swarm.ts` process of the scale benchmark: started, told to change a node, stopped;
 * an {@link ExitWatch} tells when it ends unasked.
 *
 * @module
 */
import type { ExitRequest, WatchedProcess } from "../../tests/support/exits.ts";

const SWARM_MAIN = new URL("./agent_swarm.ts", import.meta.url).pathname;

/** A running swarm of agents. */
export class AgentSwarm implements WatchedProcess {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #waiting = new Map<string, () => void>();
  readonly #errors: string[] = [];
  readonly #reported: Promise<void>;
  #exitRequest: ExitRequest | undefined;

  /**
   * Starts the agents listed in `agentsFile`, reporting to the operator at `target`, at most
   * `concurrency` first reports at a time.
   */
  constructor(readonly name: string, target: string, agentsFile: string, concurrency: number) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", SWARM_MAIN, target, agentsFile, String(concurrency)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#reported = this.#expect("reported");
    this.#read(this.#child.stdout, (line) => this.#event(line));
    this.#read(this.#child.stderr, (line) => {
      this.#errors.push(line);
      if (this.#errors.length > 20) this.#errors.shift();
    });
  }

  /** How the benchmark asked it to end, if it did. */
  get exitRequest(): ExitRequest | undefined {
    return this.#exitRequest;
  }

  /** Its last error lines. */
  get output(): string {
    return this.#errors.join("\n");
  }

  /** Resolves when it has ended. */
  exited(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  /** Resolves once every agent's first report was accepted. */
  reported(): Promise<void> {
    return this.#reported;
  }

  /** Moves node `index` to its prefix of `round`; resolves once the report was accepted. */
  async change(index: number, round: number): Promise<void> {
    const accepted = this.#expect(`changed ${index}`);
    await this.#stdin.write(new TextEncoder().encode(`change ${index} ${round}\n`));
    await accepted;
  }

  /** Stops every agent and waits. */
  async stop(): Promise<void> {
    this.#exitRequest = "kill";
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.#child.status;
  }

  #expect(event: string): Promise<void> {
    return new Promise((resolve) => this.#waiting.set(event, resolve));
  }

  #event(line: string) {
    let event: Record<string, number>;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    const key = "reported" in event
      ? "reported"
      : "changed" in event
      ? `changed ${event.changed}`
      : undefined;
    if (key) this.#waiting.get(key)?.();
  }

  async #read(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      lines.forEach(onLine);
    }
  }
}
