/**
 * The entry point of the compiled operator executable (`deno task compile`). It is the operator
 * (`main.ts`), or — with the hidden subcommand `__render-host`, which only the operator itself
 * uses — the operator's render process (`render/host.ts`): a compiled executable cannot run
 * another module, so the operator starts itself. Each loads only its own modules.
 *
 * @module
 */
import { RENDER_HOST_COMMAND } from "./render/host_command.ts";

if (Deno.args[0] === RENDER_HOST_COMMAND) {
  const { runRenderHost } = await import("./render/host.ts");
  await runRenderHost();
} else {
  const { runOperator } = await import("./main.ts");
  await runOperator(Deno.args);
}
