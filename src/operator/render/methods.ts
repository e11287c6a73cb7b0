/**
 * Python's methods of lists, tuples and dicts as templates call them (`items.append(x)`,
 * `labels.get('app')`, `pair.index('a')`), with Python's results: mutating methods return None,
 * `get` defaults to None, `keys()` prints as `dict_keys([…])`. Pure.
 *
 * @module
 */
import { TemplateRuntimeError } from "./errors.ts";
import { splitArgs } from "./filters.ts";
import {
  isPlainObject,
  PyDictView,
  pyEquals,
  PyRange,
  pyRepr,
  PyTuple,
  pyTuple,
} from "./python.ts";

type Method<T> = (target: T, ...args: unknown[]) => unknown;

function indexOf(items: unknown[], value: unknown): number {
  return items.findIndex((item) => pyEquals(item, value));
}

/** Methods of both lists and tuples. */
const sequenceMethods: Record<string, Method<unknown[]>> = {
  index: (items, value) => {
    const at = indexOf(items, value);
    if (at < 0) {
      throw new TemplateRuntimeError(`${pyRepr(value)} is not in ${pyRepr(items)}`, "ValueError");
    }
    return at;
  },
  count: (items, value) => items.filter((item) => pyEquals(item, value)).length,
};

/** Methods of lists only (tuples are immutable). */
const listMethods: Record<string, Method<unknown[]>> = {
  ...sequenceMethods,
  append: (items, value) => {
    items.push(value);
    return null;
  },
  extend: (items, values) => {
    if (!Array.isArray(values)) {
      throw new TemplateRuntimeError(`list.extend() needs a list, not ${pyRepr(values)}`);
    }
    items.push(...values);
    return null;
  },
  insert: (items, index, value) => {
    let at = Math.trunc(Number(index));
    if (at < 0) at = Math.max(0, items.length + at);
    items.splice(at, 0, value);
    return null;
  },
  pop: (items, index) => {
    if (!items.length) throw new TemplateRuntimeError("pop from empty list", "IndexError");
    let at = index === undefined ? items.length - 1 : Math.trunc(Number(index));
    if (at < 0) at += items.length;
    if (at < 0 || at >= items.length) {
      throw new TemplateRuntimeError("pop index out of range", "IndexError");
    }
    return items.splice(at, 1)[0];
  },
  remove: (items, value) => {
    const at = indexOf(items, value);
    if (at < 0) throw new TemplateRuntimeError("list.remove(x): x not in list", "ValueError");
    items.splice(at, 1);
    return null;
  },
  reverse: (items) => {
    items.reverse();
    return null;
  },
  clear: (items) => {
    items.length = 0;
    return null;
  },
  copy: (items) => [...items],
};

/** Methods of dicts. */
const dictMethods: Record<string, Method<Record<string, unknown>>> = {
  keys: (dict) => new PyDictView("dict_keys", Object.keys(dict)),
  values: (dict) => new PyDictView("dict_values", Object.values(dict)),
  items: (dict) => new PyDictView("dict_items", Object.entries(dict).map(pyTuple)),
  get: (dict, key, fallback = null) =>
    Object.hasOwn(dict, String(key)) ? dict[String(key)] : fallback,
  pop: (dict, ...args) => {
    const key = String(args[0]);
    if (Object.hasOwn(dict, key)) {
      const value = dict[key];
      delete dict[key];
      return value;
    }
    if (args.length > 1) return args[1];
    throw new TemplateRuntimeError(pyRepr(args[0]), "KeyError");
  },
  setdefault: (dict, key, fallback = null) => {
    if (!Object.hasOwn(dict, String(key))) dict[String(key)] = fallback;
    return dict[String(key)];
  },
  update: (dict, ...args) => {
    const { positional: [other], keywords } = splitArgs(args);
    if (isPlainObject(other)) Object.assign(dict, other);
    else if (Array.isArray(other)) {
      for (const pair of other) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TemplateRuntimeError(`dict.update() needs pairs, not ${pyRepr(pair)}`);
        }
        dict[String(pair[0])] = pair[1];
      }
    } else if (other !== undefined) {
      throw new TemplateRuntimeError(`dict.update() cannot take ${pyRepr(other)}`);
    }
    Object.assign(dict, keywords);
    return null;
  },
  copy: (dict) => ({ ...dict }),
  clear: (dict) => {
    for (const key of Object.keys(dict)) delete dict[key];
    return null;
  },
};

/**
 * The Python method `name` of a list, tuple or dict, bound to it; undefined when the value has no
 * such method. A dict's own key of that name wins for a subscript (`d['items']`, so
 * `attribute: false`) and loses for an attribute (`d.items`), as in Jinja2.
 */
export function containerMethod(
  target: unknown,
  name: string,
  { attribute = false }: { attribute?: boolean } = {},
): ((...args: unknown[]) => unknown) | undefined {
  if (Array.isArray(target)) {
    const immutable = target instanceof PyTuple || target instanceof PyDictView ||
      target instanceof PyRange;
    const methods = immutable ? sequenceMethods : listMethods;
    if (!Object.hasOwn(methods, name)) return undefined;
    return (...args) => methods[name](target, ...args);
  }
  const ownKeyWins = !attribute && isPlainObject(target) && Object.hasOwn(target, name);
  if (isPlainObject(target) && !ownKeyWins && Object.hasOwn(dictMethods, name)) {
    return (...args) => dictMethods[name](target, ...args);
  }
  return undefined;
}
