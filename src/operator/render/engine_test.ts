import assert from "node:assert/strict";
import { compileTemplate, TemplateError } from "./engine.ts";

Deno.test("a block left open is reported at the template's last line", () => {
  let error: unknown;
  try {
    compileTemplate("{# a template #}\n{% for n in nodes %}\n{{ n }}\n", "open");
  } catch (thrown) {
    error = thrown;
  }
  assert.ok(error instanceof TemplateError);
  assert.equal(error.line, 3);
  assert.equal(
    error.message,
    "open (line 3): unexpected end of template: a block ({% for %}, {% if %}, …) is not closed",
  );
});
