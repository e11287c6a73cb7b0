import assert from "node:assert/strict";
import { containerMethod } from "./methods.ts";
import { PyDictView, pyStr, pyTuple } from "./python.ts";

function call(target: unknown, name: string, ...args: unknown[]): unknown {
  const method = containerMethod(target, name);
  assert.ok(method, `${pyStr(target)} has no method ${name}`);
  return method(...args);
}

Deno.test("list methods change the list and return None, as Python's", () => {
  const items: unknown[] = [1, 2];
  assert.equal(call(items, "append", 3), null);
  assert.equal(call(items, "extend", [4, 5]), null);
  assert.equal(call(items, "insert", -1, 9), null);
  assert.deepEqual(items, [1, 2, 3, 4, 9, 5]);
  assert.equal(call(items, "pop"), 5);
  assert.equal(call(items, "pop", 0), 1);
  assert.equal(call(items, "remove", 9), null);
  assert.deepEqual(items, [2, 3, 4]);
  assert.equal(call([pyTuple(["a", 1])], "index", pyTuple(["a", 1])), 0);
  assert.throws(() => call(items, "index", 7), /7 is not in \[2, 3, 4\]/);
  assert.throws(() => call([], "pop"), /pop from empty list/);
});

Deno.test("tuples and dict views have only index and count", () => {
  const tuple = pyTuple(["a", "b", "a"]);
  assert.equal(call(tuple, "count", "a"), 2);
  assert.equal(call(tuple, "index", "b"), 1);
  assert.equal(containerMethod(tuple, "append"), undefined);
  assert.equal(containerMethod(new PyDictView("dict_keys", ["a"]), "pop"), undefined);
});

Deno.test("dict methods: get defaults to None, update takes a dict, pairs and keywords", () => {
  const dict: Record<string, unknown> = { a: 1 };
  assert.equal(call(dict, "get", "a"), 1);
  assert.equal(call(dict, "get", "zzz"), null);
  assert.equal(call(dict, "get", "zzz", "d"), "d");
  assert.equal(call(dict, "update", { b: 2 }), null);
  assert.equal(call(dict, "update", [pyTuple(["c", 3])], { d: 4, __keywords: true }), null);
  assert.deepEqual(dict, { a: 1, b: 2, c: 3, d: 4 });
  assert.equal(pyStr(call(dict, "items")), "dict_items([('a', 1), ('b', 2), ('c', 3), ('d', 4)])");
  assert.equal(call(dict, "pop", "d"), 4);
  assert.equal(call(dict, "pop", "d", "gone"), "gone");
  assert.throws(() => call(dict, "pop", "d"), /KeyError: 'd'/);
  assert.equal(call(dict, "setdefault", "e", 5), 5);
  assert.equal(call(dict, "setdefault", "e", 6), 5);
});

Deno.test("d['items'] is the key, d.items the method; nothing of Object.prototype", () => {
  assert.equal(containerMethod({ items: [1] }, "items"), undefined);
  assert.ok(containerMethod({ items: [1] }, "items", { attribute: true }), "d.items is the method");
  assert.equal(containerMethod({}, "toString"), undefined);
  assert.equal(containerMethod({}, "constructor"), undefined);
  assert.equal(containerMethod([], "constructor"), undefined);
});
