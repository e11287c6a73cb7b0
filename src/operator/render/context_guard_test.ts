import assert from "node:assert/strict";
import { findUnsafeText } from "./context_guard.ts";

Deno.test("ordinary lease text, unicode and template syntax pass", () => {
  const nodes = [{
    name: "node-a",
    interfaces: [{ name: "eth0", ssid: 'Café "{{ x }}" ---', lease4: { search: ["a.test"] } }],
  }];
  assert.equal(findUnsafeText(nodes, "nodes"), undefined);
});

Deno.test("the path of the first value with a line break or control character is named", () => {
  const cases: [unknown, string][] = [
    [[{ name: "x\n---\nkind: Secret" }], "nodes[0].name"],
    [
      [{ interfaces: [{ lease4: { search: ["ok", "a\rb"] } }] }],
      "nodes[0].interfaces[0].lease4.search[1]",
    ],
    [[{ interfaces: [{ ssid: "tab\there" }] }], "nodes[0].interfaces[0].ssid"],
    [[{ name: "next\u0085line" }], "nodes[0].name"],
    [[{ name: "para\u2029graph" }], "nodes[0].name"],
    [[{ "bad\nkey": 1 }], 'nodes[0] key "bad\\nkey"'],
  ];
  for (const [value, path] of cases) assert.equal(findUnsafeText(value, "nodes"), path);
});
