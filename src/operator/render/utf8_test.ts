import assert from "node:assert/strict";
import { utf8Length } from "./utf8.ts";

Deno.test("utf8Length counts the bytes TextEncoder writes", () => {
  const samples = [
    "",
    "plain ascii",
    "é",
    "€",
    "ノード-α",
    "🦕🔥",
    "a\u{10FFFF}b",
    "\ud800", // lone high surrogate
    "\udc00x", // lone low surrogate
    "\ud800\ud800\udc00",
    "€".repeat(1000),
  ];
  for (const text of samples) {
    assert.equal(utf8Length(text), new TextEncoder().encode(text).length, JSON.stringify(text));
  }
});
