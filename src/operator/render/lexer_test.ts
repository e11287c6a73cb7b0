import assert from "node:assert/strict";
import { decodeStringLiteral } from "./lexer.ts";

Deno.test("string literals decode Python's escapes and keep unknown ones", () => {
  assert.equal(decodeStringLiteral("a\\tb\\n"), "a\tb\n");
  assert.equal(decodeStringLiteral("\\x41\\u00e9\\101\\U0001F600"), "Aé" + "A" + "😀");
  assert.equal(decodeStringLiteral("\\d\\'"), "\\d'");
  assert.throws(() => decodeStringLiteral("\\x4"), /truncated \\x escape/);
});
