/**
 * Prints `readLeaseDirectory(Deno.args[0])` as JSON: lets a test read a directory in a process
 * of its own, which it can kill when the read blocks.
 *
 * @module
 */
import { readLeaseDirectory } from "../../src/agent/lease_dir.ts";

console.log(JSON.stringify(await readLeaseDirectory(Deno.args[0])));
