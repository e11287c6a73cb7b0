/**
 * Jinja2's filters and tests where nunjucks lacks them or behaves differently, and Python's string
 * methods. Filters run with `this` bound to the nunjucks context (for `map('filter')` and
 * `select('test')`). Pure.
 *
 * @module
 */
import { stringify as toYamlText } from "yaml";
import { compare, pyBinary, pyFormat } from "./arithmetic.ts";
import { TemplateRuntimeError } from "./errors.ts";
import { containerMethod } from "./methods.ts";
import { pyStrFormat } from "./format.ts";
import {
  isPlainObject,
  isPyFloat,
  isPyInt,
  isPyNumber,
  isSafeString,
  isSerializable,
  parsePyFloat,
  parsePyInt,
  pyEquals,
  pyFixed,
  PyFloat,
  pyFloat,
  pyInt,
  PyIterator,
  pyJson,
  pyPformat,
  pyStr,
  pyToFloat,
  pyTruthy,
  PyTuple,
  pyTuple,
  pyTypeName,
  toBigInt,
} from "./python.ts";

/**
 * A filter's argument by keyword or position, else `fallback`; an explicit None stays None
 * (`default(none)`), unlike `??`.
 */
function argument(
  positional: unknown[],
  keywords: Record<string, unknown>,
  index: number,
  name: string,
  fallback: unknown,
): unknown {
  if (Object.hasOwn(keywords, name)) return keywords[name];
  return index < positional.length ? positional[index] : fallback;
}

/** The part of the nunjucks environment the filters call back into. */
export interface FilterEnvironment {
  /** A test by name. */
  getTest(name: string): (...args: unknown[]) => unknown;
  /** A filter by name. */
  getFilter(name: string): (...args: unknown[]) => unknown;
}

/** `this` of a filter call. */
export interface FilterContext {
  /** The environment. */
  env: FilterEnvironment;
}

type Keywords = Record<string, unknown>;

/** Splits nunjucks call arguments into positional ones and keyword arguments. */
export function splitArgs(args: unknown[]): { positional: unknown[]; keywords: Keywords } {
  const last = args[args.length - 1];
  if (isPlainObject(last) && last.__keywords === true) {
    const { __keywords: _, ...keywords } = last;
    return { positional: args.slice(0, -1), keywords };
  }
  return { positional: args, keywords: {} };
}

function iterate(value: unknown): unknown[] {
  if (value === undefined) return []; // Jinja2's Undefined iterates as empty; None does not.
  if (Array.isArray(value)) return value;
  if (value instanceof PyIterator) return value.drain();
  if (typeof value === "string") return [...value];
  if (isPlainObject(value)) return Object.keys(value);
  if (typeof value === "object" && value !== null && "val" in value) return [...String(value)];
  throw new TemplateRuntimeError(`'${pyTypeName(value)}' object is not iterable`);
}

/**
 * Jinja2's attribute lookup for `attribute=` arguments: dotted paths, integer indices. A missing
 * last part is undefined; reading on from a missing part is an error, as in Jinja2.
 */
export function getAttribute(item: unknown, path: unknown): unknown {
  let current = item;
  for (const part of String(path).split(".")) {
    if (current === undefined) {
      throw new TemplateRuntimeError(
        `cannot read '${part}' of an undefined value (attribute '${String(path)}')`,
        "UndefinedError",
      );
    }
    if (current === null) {
      current = undefined;
      continue;
    }
    const key: string | number = /^\d+$/.test(part) ? Number(part) : part;
    if (typeof current === "string" && typeof key === "number") {
      current = current[key];
      continue;
    }
    current = typeof current === "object" && Object.hasOwn(current, key)
      ? (current as Record<string | number, unknown>)[key]
      : undefined;
  }
  return current;
}

function callTest(context: FilterContext, name: unknown, value: unknown, args: unknown[]): boolean {
  if (name === undefined) return pyTruthy(value);
  const test = context.env.getTest(String(name));
  if (!test) {
    throw new TemplateRuntimeError(`No test named '${String(name)}'.`, "TemplateRuntimeError");
  }
  return pyTruthy(test.call(context, value, ...args));
}

function sortKey(value: unknown, caseSensitive: boolean): unknown {
  return typeof value === "string" && !caseSensitive ? value.toLowerCase() : value;
}

function selectOrReject(
  context: FilterContext,
  value: unknown,
  args: unknown[],
  keep: boolean,
  byAttribute: boolean,
): unknown[] {
  const { positional } = splitArgs(args);
  const [first, ...rest] = positional;
  const [testName, ...testArgs] = byAttribute ? rest : positional;
  // Jinja2 iterates only a true value: `none | select` is empty.
  return iterate(pyTruthy(value) ? value : undefined).filter((item) => {
    const subject = byAttribute ? getAttribute(item, first) : item;
    return callTest(context, testName, subject, testArgs) === keep;
  });
}

/** What Python calls the iterator of select, reject, selectattr and rejectattr. */
const SELECT = "generator object select_or_reject";

/** Jinja2 filters by name. */
export const jinjaFilters: Record<string, (this: FilterContext, ...args: unknown[]) => unknown> = {
  map(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const items = iterate(pyTruthy(value) ? value : undefined); // `none | map(…)` is empty
    const map = "generator object sync_do_map";
    if ("attribute" in keywords) {
      return new PyIterator(
        map,
        items.map((item) => {
          const found = getAttribute(item, keywords.attribute);
          return found === undefined && "default" in keywords ? keywords.default : found;
        }),
      );
    }
    const [name, ...filterArgs] = positional;
    if (name === undefined) return new PyIterator(map, items);
    const filter = this.env.getFilter(String(name));
    if (!filter) {
      throw new TemplateRuntimeError(`No filter named '${String(name)}'.`, "TemplateRuntimeError");
    }
    return new PyIterator(map, items.map((item) => filter.call(this, item, ...filterArgs)));
  },
  select(value, ...args) {
    return new PyIterator(SELECT, selectOrReject(this, value, args, true, false));
  },
  reject(value, ...args) {
    return new PyIterator(SELECT, selectOrReject(this, value, args, false, false));
  },
  selectattr(value, ...args) {
    return new PyIterator(SELECT, selectOrReject(this, value, args, true, true));
  },
  rejectattr(value, ...args) {
    return new PyIterator(SELECT, selectOrReject(this, value, args, false, true));
  },
  unique(value, ...args) {
    const { keywords, positional } = splitArgs(args);
    const caseSensitive = pyTruthy(keywords.case_sensitive ?? positional[0] ?? false);
    const attribute = keywords.attribute ?? positional[1];
    const seen = new Set<unknown>();
    return new PyIterator(
      "generator object sync_do_unique",
      iterate(value).filter((item) => {
        const subject = attribute === undefined ? item : getAttribute(item, attribute);
        const key = sortKey(subject, caseSensitive);
        if (!isHashable(key)) {
          throw new TemplateRuntimeError(`unhashable type: '${pyTypeName(key)}'`);
        }
        // Equal numbers are one item whatever their type (1, 1.0, True), as in a Python set.
        const identity = isPyNumber(key)
          ? Number(key)
          : typeof key === "object"
          ? JSON.stringify(key)
          : key;
        if (seen.has(identity)) return false;
        seen.add(identity);
        return true;
      }),
    );
  },
  items(value) {
    const items = "generator object sync_do_items";
    if (value === undefined) return new PyIterator(items, []);
    if (!isPlainObject(value)) {
      throw new TemplateRuntimeError("Can only get item pairs from a mapping.");
    }
    return new PyIterator(items, Object.entries(value).map(pyTuple));
  },
  tojson(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const indent = keywords.indent ?? positional[0];
    return pyJson(value, indent === undefined || indent === null ? undefined : Number(indent));
  },
  toyaml(value) {
    if (value === undefined) return "";
    // Plain data for the YAML writer (a boxed float becomes its number).
    const plain = JSON.parse(
      JSON.stringify(value, (_, item) => {
        if (!isSerializable(item)) {
          throw new TemplateRuntimeError(
            `Object of type ${pyTypeName(item)} is not YAML serializable`,
          );
        }
        return isSafeString(item) ? String(item) : item;
      }) ?? "null",
    );
    return toYamlText(plain, { lineWidth: 0 }).replace(/\n$/, "");
  },
  min(value, ...args) {
    return extreme(value, args, -1);
  },
  max(value, ...args) {
    return extreme(value, args, 1);
  },
  join(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const separator = pyStr(keywords.d ?? positional[0] ?? "");
    const attribute = keywords.attribute ?? positional[1];
    return iterate(value).map((item) =>
      pyStr(attribute === undefined ? item : getAttribute(item, attribute))
    ).join(separator);
  },
  sort(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const reverse = pyTruthy(keywords.reverse ?? positional[0] ?? false);
    const caseSensitive = pyTruthy(keywords.case_sensitive ?? positional[1] ?? false);
    const attribute = keywords.attribute ?? positional[2];
    // `attribute='a,b'` sorts by several attributes (Jinja2's make_multi_attrgetter).
    const names = typeof attribute === "string" ? attribute.split(",") : [attribute];
    const keyOf = (item: unknown) => {
      const keys = names.map((name) =>
        sortKey(name === undefined ? item : getAttribute(item, name), caseSensitive)
      );
      return keys.length === 1 ? keys[0] : keys;
    };
    return pySorted(iterate(value), keyOf, reverse);
  },
  dictsort(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const caseSensitive = pyTruthy(keywords.case_sensitive ?? positional[0] ?? false);
    const by = keywords.by ?? positional[1] ?? "key";
    const reverse = pyTruthy(keywords.reverse ?? positional[2] ?? false);
    if (by !== "key" && by !== "value") {
      throw new TemplateRuntimeError(
        "You can only sort by either 'key' or 'value'",
        "TemplateRuntimeError",
      );
    }
    if (value === undefined) {
      throw new TemplateRuntimeError(
        "an undefined value has no attribute 'items'",
        "UndefinedError",
      );
    }
    if (!isPlainObject(value)) {
      throw new TemplateRuntimeError(
        `'${pyTypeName(value)}' object has no attribute 'items'`,
        "AttributeError",
      );
    }
    const index = by === "value" ? 1 : 0;
    const sorted = Object.entries(value).map(pyTuple).sort((a, b) =>
      compare(sortKey(a[index], caseSensitive), sortKey(b[index], caseSensitive))
    );
    return reverse ? sorted.reverse() : sorted;
  },
  length(value) {
    // Python's len(): a string's characters (code points), a dict's keys.
    if (value === undefined) return 0;
    if (typeof value === "string") return [...value].length;
    if (isPlainObject(value)) return Object.keys(value).length;
    if (Array.isArray(value)) return value.length;
    if (typeof value === "object" && value !== null && "val" in value) {
      return [...String(value)].length; // a SafeString
    }
    throw new TemplateRuntimeError(`object of type '${pyTypeName(value)}' has no len()`);
  },
  list(value) {
    return [...iterate(value)];
  },
  string(value) {
    return pyStr(value);
  },
  default(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const fallback = argument(positional, keywords, 0, "default_value", "");
    const boolean = pyTruthy(keywords.boolean ?? positional[1] ?? false);
    return value === undefined || (boolean && !pyTruthy(value)) ? fallback : value;
  },
  sum(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const attribute = keywords.attribute ?? positional[0];
    const start = keywords.start ?? positional[1] ?? 0;
    // Python's sum(): `+` from `start`, so lists concatenate (`sum(start=[])`).
    return iterate(value).reduce<unknown>(
      (total, item) =>
        pyBinary("+", total, attribute === undefined ? item : getAttribute(item, attribute)),
      start,
    );
  },
  // Jinja2's do_int: int(value) (a string in `base`), else int(float(value)), else the default.
  int(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const fallback = argument(positional, keywords, 0, "default", 0);
    const base = Number(keywords.base ?? positional[1] ?? 10);
    if (value === undefined) {
      throw new TemplateRuntimeError("int: the value is undefined", "UndefinedError");
    }
    if (isPyInt(value)) return pyInt(toBigInt(value));
    const text = typeof value === "string" || isSafeString(value) ? String(value) : undefined;
    const parsed = text === undefined ? undefined : parsePyInt(text, base);
    if (parsed !== undefined) return pyInt(parsed);
    const float = isPyNumber(value) ? Number(value) : text === undefined ? NaN : parsePyFloat(text);
    if (float === undefined || Number.isNaN(float)) return fallback;
    if (!Number.isFinite(float)) {
      throw new TemplateRuntimeError(
        "int: cannot convert float infinity to integer",
        "OverflowError",
      );
    }
    return pyInt(BigInt(Math.trunc(float)));
  },
  float(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const fallback = argument(positional, keywords, 0, "default", new PyFloat(0));
    if (value === undefined) {
      throw new TemplateRuntimeError("float: the value is undefined", "UndefinedError");
    }
    if (isPyNumber(value)) return pyFloat(Number(value));
    const text = typeof value === "string" || isSafeString(value) ? String(value) : undefined;
    const parsed = text === undefined ? undefined : parsePyFloat(text);
    return parsed === undefined ? fallback : pyFloat(parsed);
  },
  indent(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    if (value === undefined) {
      throw new TemplateRuntimeError("indent: the value is undefined", "UndefinedError");
    }
    if (pyTypeName(value) === "list") {
      // Python's `list += "\n"` extends the list; the next step is what fails.
      throw new TemplateRuntimeError(
        "'list' object has no attribute 'splitlines'",
        "AttributeError",
      );
    }
    if (typeof value !== "string" && !isSafeText(value)) {
      throw new TemplateRuntimeError(
        `indent: unsupported operand type(s) for +=: '${pyTypeName(value)}' and 'str'`,
      );
    }
    const width = keywords.width ?? positional[0] ?? 4;
    const first = pyTruthy(keywords.first ?? positional[1] ?? false);
    const blank = pyTruthy(keywords.blank ?? positional[2] ?? false);
    const indentation = typeof width === "string" ? width : " ".repeat(Number(width));
    const lines = splitLines(pyStr(value) + "\n");
    let result: string;
    if (blank) result = lines.join("\n" + indentation);
    else {
      result = lines.shift() ?? "";
      if (lines.length) {
        result += "\n" + lines.map((line) => (line ? indentation + line : line)).join("\n");
      }
    }
    return first ? indentation + result : result;
  },
  // Jinja2's do_format: `value % args`, or `value % kwargs` (not both).
  format(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    if (positional.length && Object.keys(keywords).length) {
      throw new TemplateRuntimeError(
        "format: can't handle positional and keyword arguments at the same time",
        "TemplateRuntimeError",
      );
    }
    return pyFormat(pyStr(value), Object.keys(keywords).length ? [keywords] : positional);
  },
  round(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const method = keywords.method ?? positional[1] ?? "common";
    if (!isPyNumber(value)) {
      throw new TemplateRuntimeError(
        `type ${pyTypeName(value)} doesn't define __round__ method`,
        // ceil and floor multiply first: Jinja2's Undefined raises there.
        value === undefined && method !== "common" ? "UndefinedError" : "TypeError",
      );
    }
    const precision = Number(keywords.precision ?? positional[0] ?? 0);
    const number = Number(value);
    if (method === "common" && isPyInt(value)) {
      // Python's round() of an int is exact: ties to even at a negative precision.
      if (precision >= 0) return pyInt(toBigInt(value));
      const unit = 10n ** BigInt(-precision);
      const integer = toBigInt(value);
      let quotient = integer / unit;
      let remainder = integer % unit;
      if (remainder < 0n) [quotient, remainder] = [quotient - 1n, remainder + unit];
      const twice = 2n * remainder;
      if (twice > unit || (twice === unit && quotient % 2n !== 0n)) quotient += 1n;
      return pyInt(quotient * unit);
    }
    if (method === "common") {
      // Python's round(): an int stays an int, a float stays a float.
      const unit = 10 ** -precision;
      const rounded = precision >= 0
        ? Number(pyFixed(number, precision))
        : Number(pyFixed(number / unit, 0)) * unit;
      return isPyFloat(value) ? pyFloat(rounded) : rounded;
    }
    const factor = 10 ** precision;
    if (method === "floor") return pyFloat(Math.floor(number * factor) / factor);
    if (method === "ceil") return pyFloat(Math.ceil(number * factor) / factor);
    throw new TemplateRuntimeError(
      "method must be 'common', 'ceil' or 'floor'",
      "TemplateRuntimeError",
    );
  },
  urlencode(value) {
    // Jinja2: a string keeps '/', a dict or a list of pairs becomes a query string.
    if (!Array.isArray(value) && !isPlainObject(value)) return pyQuote(pyStr(value), "/");
    const pairs = isPlainObject(value) ? Object.entries(value) : iterate(value);
    return pairs.map((pair) => {
      // Python's `for k, v in items`: each item unpacks into exactly two values.
      const values = typeof pair === "string"
        ? [...pair]
        : isPlainObject(pair)
        ? Object.keys(pair)
        : Array.isArray(pair)
        ? pair
        : undefined;
      if (!values) {
        throw new TemplateRuntimeError(`cannot unpack non-iterable ${pyTypeName(pair)} object`);
      }
      if (values.length !== 2) {
        throw new TemplateRuntimeError(
          `urlencode: expected 2 values to unpack, got ${values.length}`,
          "ValueError",
        );
      }
      const [key, item] = values;
      return `${pyQuote(pyStr(key), "").replaceAll("%20", "+")}=${
        pyQuote(pyStr(item), "").replaceAll("%20", "+")
      }`;
    }).join("&");
  },
  abs(value) {
    if (!isPyNumber(value)) {
      throw new TemplateRuntimeError(`bad operand type for abs(): '${pyTypeName(value)}'`);
    }
    if (isPyInt(value)) {
      const integer = toBigInt(value);
      return pyInt(integer < 0n ? -integer : integer);
    }
    return pyFloat(Math.abs(Number(value)));
  },
  batch(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const size = Number(keywords.linecount ?? positional[0]);
    const fill = keywords.fill_with ?? positional[1];
    const rows: unknown[][] = [];
    for (const item of iterate(value)) {
      if (!rows.length || rows[rows.length - 1].length === size) rows.push([]);
      rows[rows.length - 1].push(item);
    }
    const last = rows[rows.length - 1];
    if (last && fill !== undefined && fill !== null) {
      while (last.length < size) last.push(fill);
    }
    return new PyIterator("generator object do_batch", rows);
  },
  slice(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const count = Number(keywords.slices ?? positional[0]);
    const fill = keywords.fill_with ?? positional[1];
    const items = iterate(value);
    const perSlice = Math.floor(items.length / count);
    const withExtra = items.length % count;
    const slices: unknown[][] = [];
    let offset = 0;
    for (let index = 0; index < count; index++) {
      const start = offset + index * perSlice;
      if (index < withExtra) offset++;
      const slice = items.slice(start, offset + (index + 1) * perSlice);
      if (fill !== undefined && fill !== null && index >= withExtra) slice.push(fill);
      slices.push(slice);
    }
    return new PyIterator("generator object sync_do_slice", slices);
  },
  wordwrap(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const width = Number(keywords.width ?? positional[0] ?? 79);
    const breakLongWords = pyTruthy(keywords.break_long_words ?? positional[1] ?? true);
    const wrapstring = pyStr(keywords.wrapstring ?? positional[2] ?? "\n");
    const breakOnHyphens = pyTruthy(keywords.break_on_hyphens ?? positional[3] ?? true);
    if (typeof value !== "string" && !isSafeString(value)) {
      throw new TemplateRuntimeError(
        `wordwrap: '${pyTypeName(value)}' object has no attribute 'splitlines'`,
        value === undefined ? "UndefinedError" : "AttributeError",
      );
    }
    return splitLines(String(value))
      .map((line) => wrapLine(line, width, breakLongWords, breakOnHyphens).join(wrapstring))
      .join(wrapstring);
  },
  pprint(value) {
    return pyPformat(value);
  },
  // first, last and reverse see a dict as its keys and a string as its characters, as Python.
  first(value) {
    if (value instanceof PyIterator) return value.next();
    return iterate(value)[0];
  },
  // Python's reversed(): an iterator (a generator cannot be reversed).
  last(value) {
    if (value instanceof PyIterator) {
      throw new TemplateRuntimeError(`'${pyTypeName(value)}' object is not reversible`);
    }
    return iterate(value).at(-1);
  },
  // Jinja2: a string reversed; reversed() of a sequence; a list of anything else iterable.
  reverse(value) {
    if (typeof value === "string") return [...value].reverse().join("");
    if (value instanceof PyIterator) return value.drain().reverse();
    const kind = value instanceof PyTuple
      ? "reversed object"
      : isPlainObject(value)
      ? "dict_reversekeyiterator object"
      : "list_reverseiterator object";
    let items: unknown[];
    try {
      items = [...iterate(value)];
    } catch (error) {
      if (!(error instanceof TemplateRuntimeError)) throw error;
      // Jinja2's reverse catches the TypeError and raises a FilterArgumentError.
      throw new TemplateRuntimeError("argument must be iterable", "TemplateRuntimeError");
    }
    return new PyIterator(kind, items.reverse());
  },
  // String filters take any value, as Jinja2's str() of it: `True | lower` is "true".
  lower(value) {
    return pyStr(value).toLowerCase();
  },
  upper(value) {
    return pyStr(value).toUpperCase();
  },
  capitalize(value) {
    return stringMethods.capitalize(pyStr(value));
  },
  replace(value, ...args) {
    const { positional: [old, replacement, count], keywords } = splitArgs(args);
    return stringMethods.replace(pyStr(value), old, replacement, keywords.count ?? count);
  },
  center(value, ...args) {
    const { positional: [width], keywords } = splitArgs(args);
    return stringMethods.center(pyStr(value), keywords.width ?? width ?? 80);
  },
  wordcount(value) {
    return pyStr(value).match(/[\p{L}\p{N}_]+/gu)?.length ?? 0;
  },
  title(value) {
    // Jinja2's title filter: words start after whitespace, '-', '(', '{', '[' or '<'.
    return pyStr(value).split(/([-\s({[<]+)/).filter(Boolean)
      .map((part) => part[0].toUpperCase() + part.slice(1).toLowerCase()).join("");
  },
  filesizeformat(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const binary = pyTruthy(keywords.binary ?? positional[0] ?? false);
    const bytes = pyToFloat(value);
    const base = binary ? 1024 : 1000;
    const prefixes = binary
      ? ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
      : ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    if (bytes === 1) return "1 Byte";
    if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
    const index = prefixes.findIndex((_, at) => bytes < base ** (at + 2));
    const at = index < 0 ? prefixes.length - 1 : index;
    return `${pyFixed((base * bytes) / base ** (at + 2), 1)} ${prefixes[at]}`;
  },
  truncate(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    if (typeof value !== "string") return lengthChecked(value, "truncate");
    const text = value;
    const length = Number(keywords.length ?? positional[0] ?? 255);
    const killwords = pyTruthy(keywords.killwords ?? positional[1] ?? false);
    const end = pyStr(keywords.end ?? positional[2] ?? "...");
    const leeway = Number(keywords.leeway ?? positional[3] ?? 5);
    if (length < end.length) {
      throw new TemplateRuntimeError(
        `truncate: length ${length} is shorter than the end '${end}'`,
        "AssertionError",
      );
    }
    if ([...text].length <= length + leeway) return text;
    const kept = [...text].slice(0, length - end.length).join("");
    if (killwords) return kept + end;
    const space = kept.lastIndexOf(" ");
    return (space < 0 ? kept : kept.slice(0, space)) + end;
  },
  trim(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    return stripChars(pyStr(value), keywords.chars ?? positional[0], true, true);
  },
  // Python's getattr(): methods of strings, lists and dicts (a dict's keys are items, not
  // attributes), a namespace's attributes; an undefined value has none (an error).
  attr(value, ...args) {
    const name = pyStr(splitArgs(args).positional[0]);
    if (value === undefined) {
      throw new TemplateRuntimeError(
        `attr: cannot read attribute '${name}' of an undefined value`,
        "UndefinedError",
      );
    }
    if (typeof value === "string" || isSafeString(value)) {
      if (!Object.hasOwn(stringMethods, name)) return undefined;
      return (...rest: unknown[]) => stringMethods[name](String(value), ...rest);
    }
    const method = containerMethod(value, name, { attribute: true });
    if (method || typeof value !== "object" || value === null || Array.isArray(value)) {
      return method;
    }
    if (isPlainObject(value)) return undefined;
    return Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
  },
  groupby(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const attribute = keywords.attribute ?? positional[0];
    const fallback = keywords.default ?? positional[1];
    const caseSensitive = pyTruthy(keywords.case_sensitive ?? positional[2] ?? false);
    const keyOf = (item: unknown) => {
      const found = getAttribute(item, attribute);
      return found === undefined ? fallback : found;
    };
    const sorted = pySorted(iterate(value), (item) => sortKey(keyOf(item), caseSensitive), false);
    const groups: PyTuple[] = [];
    for (const item of sorted) {
      const key = keyOf(item);
      const last = groups[groups.length - 1];
      if (last && (last[0] === undefined || key === undefined)) {
        // itertools.groupby compares neighbouring keys; Jinja2's Undefined fails there.
        throw new TemplateRuntimeError("groupby: an item has no such attribute", "UndefinedError");
      }
      if (last && pyEquals(sortKey(last[0], caseSensitive), sortKey(key, caseSensitive))) {
        (last[1] as unknown[]).push(item);
      } else groups.push(pyTuple([key, [item]]));
    }
    // Jinja2's groups are named tuples (grouper, list).
    return groups.map((group) =>
      Object.defineProperties(group, {
        grouper: { value: group[0], enumerable: false },
        list: { value: group[1], enumerable: false },
      })
    );
  },
};

function extreme(value: unknown, args: unknown[], sign: 1 | -1): unknown {
  const { positional, keywords } = splitArgs(args);
  const caseSensitive = pyTruthy(keywords.case_sensitive ?? positional[0] ?? false);
  const attribute = keywords.attribute ?? positional[1];
  const items = iterate(value);
  if (!items.length) return undefined;
  const key = (item: unknown) =>
    sortKey(attribute === undefined ? item : getAttribute(item, attribute), caseSensitive);
  return items.reduce((best, item) => (compare(key(item), key(best)) * sign > 0 ? item : best));
}

// Python's textwrap.TextWrapper.wordsep_re: whitespace, em-dashes, words split after hyphens.
const WORD = "[\\p{L}\\p{N}_]";
const WORD_PUNCT = `(?:${WORD}|[!"'&.,?])`;
const LETTER = "\\p{L}";
const SPACE = "[\\t\\n\\x0b\\x0c\\r ]";
const NOT_SPACE = "[^\\t\\n\\x0b\\x0c\\r ]";
const WORD_SEPARATOR = new RegExp(
  `(${SPACE}+|(?<=${WORD_PUNCT})-{2,}(?=${WORD})|${NOT_SPACE}+?(?:-(?:(?<=${LETTER}{2}-)|` +
    `(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})|(?=${SPACE}|$)|` +
    `(?<=${WORD_PUNCT})(?=-{2,}${WORD})))`,
  "u",
);

/** Python's `textwrap.wrap(line, width)` as Jinja2's wordwrap calls it (whitespace kept). */
function wrapLine(
  line: string,
  width: number,
  breakLongWords: boolean,
  breakOnHyphens: boolean,
): string[] {
  const chunks = line.split(breakOnHyphens ? WORD_SEPARATOR : new RegExp(`(${SPACE}+)`, "u"))
    .filter(Boolean).reverse();
  const length = (text: string) => [...text].length;
  const lines: string[] = [];
  while (chunks.length) {
    const current: string[] = [];
    let used = 0;
    if (lines.length && chunks[chunks.length - 1].trim() === "") chunks.pop();
    while (chunks.length && used + length(chunks[chunks.length - 1]) <= width) {
      const chunk = chunks.pop()!;
      current.push(chunk);
      used += length(chunk);
    }
    if (chunks.length && length(chunks[chunks.length - 1]) > width) {
      const spaceLeft = width < 1 ? 1 : width - used;
      const chunk = [...chunks[chunks.length - 1]];
      if (breakLongWords) {
        let end = spaceLeft;
        if (breakOnHyphens && chunk.length > spaceLeft) {
          const hyphen = chunk.slice(0, spaceLeft).lastIndexOf("-");
          if (hyphen > 0 && chunk.slice(0, hyphen).some((char) => char !== "-")) end = hyphen + 1;
        }
        current.push(chunk.slice(0, end).join(""));
        chunks[chunks.length - 1] = chunk.slice(end).join("");
      } else if (!current.length) current.push(chunks.pop()!);
    }
    if (current.length && current[current.length - 1].trim() === "") current.pop();
    if (current.length) lines.push(current.join(""));
  }
  return lines;
}

/** Python's `str.splitlines()`. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Python's `value in container` for strings, sequences (by `==`) and dicts (by key). */
export function pyContains(value: unknown, container: unknown): boolean {
  if (typeof container === "string") {
    if (typeof value !== "string" && !isSafeText(value)) {
      throw new TemplateRuntimeError(
        `'in <string>' requires string as left operand, not ${pyTypeName(value)}`,
      );
    }
    return container.includes(String(value));
  }
  if (Array.isArray(container)) return container.some((item) => pyEquals(item, value));
  if (isPlainObject(container)) {
    if (!isHashable(value)) {
      throw new TemplateRuntimeError(`unhashable type: '${pyTypeName(value)}'`);
    }
    return Object.hasOwn(container, String(value));
  }
  return false;
}

/** A nunjucks SafeString (a `str` to Jinja2, since autoescape is off). */
function isSafeText(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "val" in value;
}

/**
 * `truncate` of a value that is not a string: Jinja2 measures it with len() and returns it when it
 * is short enough; things without a length are an error.
 */
function lengthChecked(value: unknown, filter: string): unknown {
  if (value === undefined) return value;
  if (isSafeText(value)) return String(value);
  if (Array.isArray(value) || isPlainObject(value)) return value;
  throw new TemplateRuntimeError(`${filter}: object of type '${pyTypeName(value)}' has no len()`);
}

/** Whether Python could hash a value (a set member, a dict key): not a list or a dict. */
function isHashable(value: unknown): boolean {
  if (value instanceof PyTuple) return value.every(isHashable);
  return !Array.isArray(value) && !isPlainObject(value);
}

/** Whether a lookup in the environment finds something (nunjucks throws when it does not). */
function existsIn(lookup: () => unknown): boolean {
  try {
    return lookup() !== undefined;
  } catch {
    return false;
  }
}

/** Jinja2 tests nunjucks lacks or names differently (`this` is the nunjucks context). */
export const jinjaTests: Record<string, (this: FilterContext, ...args: unknown[]) => boolean> = {
  none: (value) => value === null,
  boolean: (value) => typeof value === "boolean",
  true: (value) => value === true,
  false: (value) => value === false,
  integer: (value) => isPyInt(value) && typeof value !== "boolean",
  float: (value) => isPyFloat(value),
  number: (value) => isPyNumber(value),
  string: (value) => typeof value === "string" || isSafeString(value),
  // Jinja2's Undefined has a length and iterates (as empty), so it is a sequence and iterable.
  sequence: (value) =>
    value === undefined || typeof value === "string" || isSafeString(value) ||
    Array.isArray(value) || isPlainObject(value),
  iterable: (value) =>
    value === undefined || value instanceof PyIterator || typeof value === "string" ||
    isSafeString(value) ||
    Array.isArray(value) || isPlainObject(value),
  mapping: (value) => isPlainObject(value),
  // Jinja2's Undefined can be called (it raises then), so it is callable.
  callable: (value) => typeof value === "function" || value === undefined,
  escaped: (value) => typeof value === "object" && value !== null && "val" in value,
  filter(this: FilterContext, name) {
    return typeof name === "string" && existsIn(() => this.env.getFilter(name));
  },
  test(this: FilterContext, name) {
    return typeof name === "string" && existsIn(() => this.env.getTest(name));
  },
  odd: (value) => pyEquals(pyBinary("%", value, 2), 1),
  even: (value) => pyEquals(pyBinary("%", value, 2), 0),
  divisibleby: (value, divisor) => pyEquals(pyBinary("%", value, divisor), 0),
  lower: (value) => stringMethods.islower(pyStr(value)) === true,
  upper: (value) => stringMethods.isupper(pyStr(value)) === true,
  in: (value, container) => pyContains(value, container),
  eq: (a, b) => pyEquals(a, b),
  equalto: (a, b) => pyEquals(a, b),
  "==": (a, b) => pyEquals(a, b),
  ne: (a, b) => !pyEquals(a, b),
  "!=": (a, b) => !pyEquals(a, b),
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  lessthan: (a, b) => compare(a, b) < 0,
  greaterthan: (a, b) => compare(a, b) > 0,
  defined: (value) => value !== undefined,
  undefined: (value) => value === undefined,
  sameas: (a, b) => a === b,
  "<": (a, b) => compare(a, b) < 0,
  "<=": (a, b) => compare(a, b) <= 0,
  ">": (a, b) => compare(a, b) > 0,
  ">=": (a, b) => compare(a, b) >= 0,
};

/**
 * Python's `sorted(items, key=key, reverse=reverse)`: stable also when reversed; comparing an
 * undefined key with a defined one is an error (Jinja2's Undefined cannot be ordered).
 */
function pySorted<T>(items: readonly T[], key: (item: T) => unknown, reverse: boolean): T[] {
  const keys = items.map(key);
  const order = keys.map((_, index) => index);
  order.sort((a, b) => {
    const [left, right] = [keys[a], keys[b]];
    if (left === undefined && right === undefined) return 0; // as Jinja2 (never compared)
    if (left === undefined || right === undefined) {
      throw new TemplateRuntimeError(
        "an undefined value cannot be compared (a missing attribute?)",
        "UndefinedError",
      );
    }
    const result = pyEquals(left, right) ? 0 : compare(left, right);
    return reverse ? -result : result;
  });
  return order.map((index) => items[index]);
}

/** A string argument of a str method; anything else is Python's TypeError. */
function strArgument(value: unknown): string {
  if (typeof value === "string" || isSafeString(value)) return String(value);
  throw new TemplateRuntimeError(`must be str, not ${pyTypeName(value)}`);
}

/** Python's string methods, as templates call them on strings (`name.upper()`). */
export const stringMethods: Record<string, (text: string, ...args: unknown[]) => unknown> = {
  upper: (text) => text.toUpperCase(),
  lower: (text) => text.toLowerCase(),
  title: (text) =>
    // Python's str.title(): every run of letters starts upper case ("a-b" → "A-B").
    text.replace(/\p{L}+/gu, (word) => word[0].toUpperCase() + word.slice(1).toLowerCase()),
  capitalize: (text) => text.charAt(0).toUpperCase() + text.slice(1).toLowerCase(),
  strip: (text, chars) => stripChars(text, chars, true, true),
  lstrip: (text, chars) => stripChars(text, chars, true, false),
  rstrip: (text, chars) => stripChars(text, chars, false, true),
  split: (text, separator, maxsplit) => pySplit(text, separator, maxsplit),
  splitlines: (text) => splitLines(text),
  startswith: (text, prefix) =>
    (prefix instanceof PyTuple ? prefix : [prefix]).some((p) => text.startsWith(strArgument(p))),
  endswith: (text, suffix) =>
    (suffix instanceof PyTuple ? suffix : [suffix]).some((s) => text.endsWith(strArgument(s))),
  replace: (text, old, replacement, maxCount) => {
    strArgument(replacement);
    const parts = text.split(strArgument(old));
    const limit = maxCount === undefined || Number(maxCount) < 0
      ? parts.length
      : Number(maxCount) + 1;
    return parts.slice(0, limit).join(pyStr(replacement)) +
      (limit < parts.length ? pyStr(old) + parts.slice(limit).join(pyStr(old)) : "");
  },
  join: (text, items) => iterate(items).map((item) => strArgument(item)).join(text),
  find: (text, sub) => text.indexOf(strArgument(sub)),
  rfind: (text, sub) => text.lastIndexOf(strArgument(sub)),
  index: (text, sub) => {
    const at = text.indexOf(strArgument(sub));
    if (at < 0) throw new TemplateRuntimeError("substring not found", "ValueError");
    return at;
  },
  rindex: (text, sub) => {
    const at = text.lastIndexOf(strArgument(sub));
    if (at < 0) throw new TemplateRuntimeError("substring not found", "ValueError");
    return at;
  },
  rsplit: (text, separator, maxsplit) => pyRsplit(text, separator, maxsplit),
  removeprefix: (text, prefix) =>
    text.startsWith(pyStr(prefix)) ? text.slice(pyStr(prefix).length) : text,
  removesuffix: (text, suffix) =>
    pyStr(suffix) && text.endsWith(pyStr(suffix)) ? text.slice(0, -pyStr(suffix).length) : text,
  isspace: (text) => /^\s+$/.test(text),
  isnumeric: (text) => /^\d+$/.test(text),
  isdecimal: (text) => /^\d+$/.test(text),
  swapcase: (text) =>
    [...text].map((char) => char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase())
      .join(""),
  casefold: (text) => text.toLowerCase(),
  center: (text, width, fill) => {
    const total = Number(width) - text.length;
    if (total <= 0) return text;
    // Python puts the odd extra fill character on the left when the width is odd.
    const left = Math.floor(total / 2) + (total % 2 && Number(width) % 2 ? 1 : 0);
    const pad = pyStr(fill ?? " ");
    return pad.repeat(left) + text + pad.repeat(total - left);
  },
  partition: (text, separator) => {
    const at = text.indexOf(pyStr(separator));
    return at < 0
      ? pyTuple([text, "", ""])
      : pyTuple([text.slice(0, at), pyStr(separator), text.slice(at + pyStr(separator).length)]);
  },
  rpartition: (text, separator) => {
    const at = text.lastIndexOf(pyStr(separator));
    return at < 0
      ? pyTuple(["", "", text])
      : pyTuple([text.slice(0, at), pyStr(separator), text.slice(at + pyStr(separator).length)]);
  },
  count: (text, sub) => text.split(strArgument(sub)).length - 1,
  isdigit: (text) => /^\d+$/.test(text),
  isalpha: (text) => /^[a-zA-Z]+$/.test(text),
  isalnum: (text) => /^[a-zA-Z0-9]+$/.test(text),
  islower: (text) => /[a-z]/.test(text) && text === text.toLowerCase(),
  isupper: (text) => /[A-Z]/.test(text) && text === text.toUpperCase(),
  zfill: (text, width) => {
    const sign = /^[+-]/.test(text) ? text[0] : "";
    return sign + text.slice(sign.length).padStart(Number(width) - sign.length, "0");
  },
  ljust: (text, width, fill) => text.padEnd(Number(width), pyStr(fill ?? " ")),
  rjust: (text, width, fill) => text.padStart(Number(width), pyStr(fill ?? " ")),
  format: (text, ...args) => {
    const { positional, keywords } = splitArgs(args);
    return pyStrFormat(text, positional, keywords);
  },
};

function stripChars(text: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? " \t\n\r\f\v" : pyStr(chars);
  let start = 0;
  let end = text.length;
  if (left) { while (start < end && set.includes(text[start])) start++; }
  if (right) { while (end > start && set.includes(text[end - 1])) end--; }
  return text.slice(start, end);
}

/** Python's `urllib.parse.quote(text, safe)`: UTF-8 bytes, letters, digits and `_.-~` kept. */
function pyQuote(text: string, safe: string): string {
  return [...new TextEncoder().encode(text)].map((byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_.~-]/.test(char) || (byte < 0x80 && safe.includes(char))
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}

/** Python's `str.rsplit(separator, maxsplit)`: splits from the right. */
function pyRsplit(text: string, separator: unknown, maxsplit: unknown): string[] {
  const limit = maxsplit === undefined ? -1 : Number(maxsplit);
  if (separator === undefined || separator === null) {
    const words = text.trim().split(/\s+/).filter(Boolean);
    if (limit < 0 || words.length <= limit + 1) return words;
    const tail = words.slice(words.length - limit);
    let rest = text.trimEnd();
    for (const word of [...tail].reverse()) {
      rest = rest.slice(0, rest.lastIndexOf(word)).trimEnd();
    }
    return [rest, ...tail];
  }
  const parts = text.split(pyStr(separator));
  if (limit < 0 || parts.length <= limit + 1) return parts;
  const keep = parts.length - limit;
  return [parts.slice(0, keep).join(pyStr(separator)), ...parts.slice(keep)];
}

function pySplit(text: string, separator: unknown, maxsplit: unknown): string[] {
  const limit = maxsplit === undefined ? -1 : Number(maxsplit);
  if (separator === undefined || separator === null) {
    const words = text.trim().split(/\s+/).filter(Boolean);
    if (limit < 0 || words.length <= limit + 1) return words;
    const head = words.slice(0, limit);
    let rest = text.trimStart();
    for (const word of head) rest = rest.slice(rest.indexOf(word) + word.length).trimStart();
    return [...head, rest];
  }
  const parts = text.split(pyStr(separator));
  if (limit < 0 || parts.length <= limit + 1) return parts;
  return [...parts.slice(0, limit), parts.slice(limit).join(pyStr(separator))];
}
