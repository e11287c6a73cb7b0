/**
 * Runs the whole test suite (`deno task test`).
 *
 * @module
 */
const { code } = await new Deno.Command(Deno.execPath(), {
  args: ["test", "--allow-all", ...Deno.args],
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(code);
