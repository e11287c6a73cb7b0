/**
 * Makes a test fail when a process it started ends without being asked to: every harness
 * registers its processes with an {@link ExitWatch}; waits race against the first unexpected exit,
 * and {@link ExitWatch.check} throws it. Nothing is ever restarted behind the test's back.
 *
 * @module
 */

/** How the test asked a process to end: `stop` (graceful, must exit 0) or `kill` (any status). */
export type ExitRequest = "stop" | "kill";

/** A process a harness started. */
export interface WatchedProcess {
  /** Its name, for messages. */
  readonly name: string;
  /** How the test asked it to end, if it did. */
  readonly exitRequest: ExitRequest | undefined;
  /** Its last output lines, for messages. */
  readonly output: string;
  /** Resolves when it has ended. */
  exited(): Promise<Deno.CommandStatus>;
}

/** A process ended without being asked to, or did not stop cleanly when asked to. */
export class UnexpectedExitError extends Error {
  /** Creates the error. */
  constructor(
    readonly process: string,
    readonly status: Deno.CommandStatus,
    readonly request: ExitRequest | undefined,
    output: string,
  ) {
    const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
    super(
      request === "stop"
        ? `${process} did not stop cleanly when asked to (${how})\n${output}`
        : `${process} exited unexpectedly (${how})\n${output}`,
    );
    this.name = "UnexpectedExitError";
  }
}

/** Collects the unexpected exits of the processes a test started. */
export class ExitWatch {
  readonly #failures: UnexpectedExitError[] = [];
  readonly #waiting = new Set<(error: UnexpectedExitError) => void>();

  /** Every unexpected exit so far. */
  get failures(): readonly UnexpectedExitError[] {
    return this.#failures;
  }

  /** Watches `process` until it ends; an exit it was not asked for becomes a failure. */
  watch(process: WatchedProcess): void {
    process.exited().then((status) => {
      const request = process.exitRequest;
      if (request === "kill" || (request === "stop" && status.success)) return;
      const failure = new UnexpectedExitError(process.name, status, request, process.output);
      this.#failures.push(failure);
      for (const reject of this.#waiting) reject(failure);
    });
  }

  /** Throws the first unexpected exit, if any. */
  check(): void {
    if (this.#failures.length === 1) throw this.#failures[0];
    if (this.#failures.length > 1) {
      throw new AggregateError(
        this.#failures,
        this.#failures.map((failure) => failure.message).join("\n"),
      );
    }
  }

  /** `work`'s result, or the first unexpected exit if one happens (or happened) before. */
  async guard<T>(work: Promise<T>): Promise<T> {
    this.check();
    let reject: ((error: UnexpectedExitError) => void) | undefined;
    const failed = new Promise<never>((_, rejectFailed) => reject = rejectFailed);
    this.#waiting.add(reject!);
    // A failure wins the race; `work` may still reject later, with nobody left to hear it.
    work.catch(() => {});
    try {
      return await Promise.race([work, failed]);
    } finally {
      this.#waiting.delete(reject!);
    }
  }
}
