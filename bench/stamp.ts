/**
 * What `bench/RESULTS.md` measured: the commit, and a digest of every file under `src/` at that
 * commit. `tests/bench_results_test.ts` recomputes the digest from the checkout (with or without
 * git, in a shallow clone too) and fails when `src/` changed after the measurement.
 *
 * @module
 */
import { createHash } from "node:crypto";

const SRC = new URL("../src/", import.meta.url);
const STAMP = /^Measured at commit `([0-9a-f]{40})`; `src\/` digest `([0-9a-f]{64})`\.$/m;

/** The source a benchmark run measured. */
export interface SourceStamp {
  /** The commit (`git rev-parse HEAD`). */
  commit: string;
  /** {@link sourceDigest} of `src/`. */
  digest: string;
}

/** SHA-256 over every file under `src/`: each path (relative, sorted) and its bytes. */
export async function sourceDigest(root: URL = SRC): Promise<string> {
  const paths: string[] = [];
  const walk = async (dir: URL, prefix: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${prefix}${entry.name}`;
      if (entry.isDirectory) await walk(new URL(`${entry.name}/`, dir), `${path}/`);
      else if (entry.isFile) paths.push(path);
    }
  };
  await walk(root, "");
  paths.sort();
  const hash = createHash("sha256");
  for (const path of paths) {
    const bytes = await Deno.readFile(new URL(path, root));
    hash.update(`${path}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest("hex");
}

/** The line RESULTS.md carries for `stamp`. */
export function formatStamp(stamp: SourceStamp): string {
  return `Measured at commit \`${stamp.commit}\`; \`src/\` digest \`${stamp.digest}\`.`;
}

/** The stamp in a RESULTS.md text, if it has one. */
export function parseStamp(text: string): SourceStamp | undefined {
  const match = STAMP.exec(text);
  return match ? { commit: match[1], digest: match[2] } : undefined;
}
