/**
 * Follows `deno test`'s output to tell which test (and step) was running when it ended, so that a
 * crash of the runtime is reported with the test it interrupted. Pure.
 *
 * @module
 */

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const FILE = /^running \d+ tests? from (.+)$/;
/** `name ...` when a test or step starts; `name ... ok (1s)` (or FAILED, …) when it ends. */
const TEST = /^( *)(.+?) \.\.\.(?: +(ok|FAILED|ignored|cancelled)\b.*)?$/;

/** Where `deno test` is, from the output it printed so far. */
export class TestProgress {
  #file: string | undefined;
  /** The running test and its running steps, outermost first. */
  #running: string[] = [];
  #lastFinished: string | undefined;
  #partial = "";

  /** Takes the next chunk of `deno test`'s standard output. */
  feed(chunk: string): void {
    const lines = (this.#partial + chunk).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) this.#line(line);
  }

  /**
   * The test (`file > test > step`) that had started and not finished, or else the last one that
   * finished; undefined before the first test.
   */
  describe(): string | undefined {
    // `name ... ` stays on an unfinished line until the test ends.
    const running = advance(this.#running, this.#partial).running;
    if (running.length > 0) return `${this.#file} > ${running.join(" > ")} (running)`;
    if (this.#lastFinished) return `${this.#lastFinished} (finished; no test was running)`;
    return undefined;
  }

  #line(line: string) {
    const file = FILE.exec(line.replace(ANSI, ""));
    if (file) {
      this.#file = file[1];
      this.#running = [];
      return;
    }
    const step = advance(this.#running, line);
    this.#running = step.running;
    if (step.finished) this.#lastFinished = `${this.#file} > ${step.finished.join(" > ")}`;
  }
}

/** The running tests after `line`, and the test it reports finished, if any. */
function advance(running: string[], line: string): { running: string[]; finished?: string[] } {
  const test = TEST.exec(line.replace(ANSI, "").trimEnd());
  if (!test) return { running };
  const path = [...running.slice(0, Math.floor(test[1].length / 2)), test[2]];
  return test[3] === undefined ? { running: path } : { running: path.slice(0, -1), finished: path };
}
