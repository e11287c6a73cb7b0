/**
 * Python semantics for template values, as Jinja2 shows them: truthiness (`[]` is false),
 * `str()` (None, True, lists, tuples and dicts print the Python way) and `repr()`, tuples, `==`,
 * and `json.dumps` with sorted keys as Jinja2's `tojson` produces it. Pure.
 *
 * @module
 */
import { TemplateRuntimeError } from "./errors.ts";

/** A Jinja2 `namespace()` object: the only object templates may assign attributes to. */
export class Namespace {
  /** Creates a namespace with initial attributes. */
  constructor(attributes: Record<string, unknown> = {}) {
    Object.assign(this, attributes);
  }
}

/**
 * Jinja2's `cycler(a, b, …)`: `current` is the item at the position (the first at the start),
 * `next()` returns it and moves on, `reset()` goes back to the first. Its members are own
 * properties (templates read only those).
 */
export class Cycler {
  /** The item at the position. */
  declare readonly current: unknown;
  /** Returns the current item and moves to the next one, wrapping around. */
  declare readonly next: () => unknown;
  /** Goes back to the first item; returns None. */
  declare readonly reset: () => null;

  /** Creates the cycler over `items` (at least one). */
  constructor(items: unknown[]) {
    if (!items.length) {
      throw new TemplateRuntimeError("at least one item has to be provided", "RuntimeError");
    }
    let position = 0;
    Object.defineProperties(this, {
      current: { get: () => items[position], enumerable: true },
      next: {
        value: () => {
          const item = items[position];
          position = (position + 1) % items.length;
          return item;
        },
      },
      reset: {
        value: () => {
          position = 0;
          return null;
        },
      },
    });
  }
}

/**
 * A Python tuple. It is an array, so loops, filters and tests treat it as a sequence; it prints
 * as `('a', 1)`. Array methods that make new arrays (`map`, `filter`, `slice`) return plain arrays
 * (Python lists), as Jinja2's filters do.
 */
export class PyTuple<T = unknown> extends Array<T> {
  /** Derived arrays are lists. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/**
 * A Python float with an integral value (`5.0`), which a JavaScript number cannot tell from the
 * int `5`. Floats with a fraction stay plain numbers. Arithmetic unwraps it (`valueOf`).
 */
export class PyFloat {
  /** Creates the float. */
  constructor(readonly value: number) {}

  /** The number, for JavaScript arithmetic. */
  valueOf(): number {
    return this.value;
  }

  /** Python's `str()`: `5.0`. */
  toString(): string {
    return pyNumber(this.value, true);
  }

  /** JSON has no int/float distinction for JavaScript; the number. */
  toJSON(): number {
    return this.value;
  }
}

/** A float result: an integral value is boxed so that it prints as `5.0`. */
export function pyFloat(value: number): number | PyFloat {
  return Number.isInteger(value) ? new PyFloat(value) : value;
}

/** Whether a value is a Python float (a boxed integral float, or a number with a fraction). */
export function isPyFloat(value: unknown): boolean {
  return value instanceof PyFloat || (typeof value === "number" && !Number.isInteger(value));
}

/** Whether a value is a Python number: an int, a float, or a bool (which is an int). */
export function isPyNumber(value: unknown): value is number | bigint | boolean | PyFloat {
  return typeof value === "number" || typeof value === "boolean" || value instanceof PyFloat ||
    typeof value === "bigint";
}

/**
 * Whether a value is a Python int: a bool, an integral number (not a boxed float), or a BigInt
 * (ints past 2^53, which a JavaScript number cannot hold exactly).
 */
export function isPyInt(value: unknown): value is number | bigint | boolean {
  return typeof value === "boolean" || typeof value === "bigint" ||
    (typeof value === "number" && Number.isInteger(value));
}

/**
 * Python's ordering of two numbers, exact also between an int and a float
 * (`2 ** 53 + 1 > 2.0 ** 53`): negative, zero, positive, or NaN when a float is nan.
 */
export function compareNumbers(
  left: number | bigint | boolean | PyFloat,
  right: number | bigint | boolean | PyFloat,
): number {
  if (isPyInt(left) && isPyInt(right)) {
    const [a, b] = [toBigInt(left), toBigInt(right)];
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (isPyInt(left)) return -compareNumbers(right, left);
  const float = Number(left);
  if (!isPyInt(right) || Number.isNaN(float) || !Number.isFinite(float)) {
    const other = Number(right);
    return float < other ? -1 : float > other ? 1 : float === other ? 0 : NaN;
  }
  // A finite float against an int: compare with the int exactly.
  const integer = toBigInt(right);
  const floor = BigInt(Math.floor(float));
  if (floor < integer) return -1;
  if (floor > integer) return 1;
  return float === Math.floor(float) ? 0 : 1;
}

/** A Python int as a BigInt. */
export function toBigInt(value: number | bigint | boolean): bigint {
  return typeof value === "bigint" ? value : BigInt(Number(value));
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** An int result: a number when it is exact as one, else the BigInt. */
export function pyInt(value: bigint): number | bigint {
  return value > MAX_EXACT || value < -MAX_EXACT ? value : Number(value);
}

/** A dict's `keys()`, `values()` or `items()`: a sequence that prints as `dict_keys([…])`. */
export class PyDictView<T = unknown> extends Array<T> {
  /** Derived arrays are lists. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  /** Python's name of the view type. */
  readonly kind: "dict_keys" | "dict_values" | "dict_items";

  /** Creates a view of the given items. */
  constructor(kind: "dict_keys" | "dict_values" | "dict_items", items: readonly T[]) {
    super();
    this.kind = kind;
    for (const item of items) this.push(item);
  }
}

/**
 * A Python iterator, as Jinja2's `map`, `select`, `reverse`, `batch`, … return: it iterates once
 * (a second loop over it is empty), has no length and cannot be reversed, and prints as
 * `<generator object …>`.
 */
export class PyIterator {
  #items: unknown[];

  /** `kind`: what Python calls it (`generator object sync_do_map`). */
  constructor(readonly kind: string, items: Iterable<unknown>) {
    this.#items = [...items];
  }

  /** The items not read yet; the iterator is exhausted afterwards. */
  drain(): unknown[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }

  /** The next item (undefined when exhausted). */
  next(): unknown {
    return this.#items.shift();
  }
}

/**
 * A Python `range`: a sequence of numbers that prints as `range(0, 3)` and, as in Python, equals
 * only a range with the same numbers (never a list) and is not JSON. Derived arrays are lists.
 */
export class PyRange extends Array<number> {
  /** Derived arrays are lists. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  /** `range(start, stop, step)` as Python prints it (the step only when it is not 1). */
  readonly repr: string;

  /** Creates the range's numbers (`length` of them). */
  constructor(start: number, stop: number, step: number, length: number) {
    super();
    this.repr = step === 1 ? `range(${start}, ${stop})` : `range(${start}, ${stop}, ${step})`;
    for (let index = 0; index < length; index++) this.push(start + index * step);
  }
}

/** Makes a tuple of the given items. */
export function pyTuple<T>(items: Iterable<T>): PyTuple<T> {
  const tuple = new PyTuple<T>();
  for (const item of items) tuple.push(item);
  return tuple;
}

/**
 * Python's `==`: numbers and booleans by value (`1 == True`), lists and tuples item by item (a list
 * never equals a tuple), dicts key by key regardless of order; anything else by identity.
 */
export function pyEquals(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (isPyNumber(left) && isPyNumber(right)) return compareNumbers(left, right) === 0;
  if (Array.isArray(left) && Array.isArray(right)) {
    return (left instanceof PyTuple) === (right instanceof PyTuple) &&
      (left instanceof PyRange) === (right instanceof PyRange) &&
      left.length === right.length && left.every((item, index) => pyEquals(item, right[index]));
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && pyEquals(left[key], right[key]));
  }
  if (isSafeString(left) || isSafeString(right)) {
    return (typeof left === "string" || isSafeString(left)) &&
      (typeof right === "string" || isSafeString(right)) && String(left) === String(right);
  }
  return false;
}

/** Marks Jinja2's Markup strings (`escape`, `safe`, `tojson`), which print as `Markup('…')`. */
export const MARKUP: unique symbol = Symbol("Markup");

let markupFactory: (text: string) => unknown = (text) => text;

/** Registers how Markup strings are made (the engine's subclass of nunjucks' SafeString). */
export function setMarkupFactory(factory: (text: string) => unknown): void {
  markupFactory = factory;
}

/** A Markup string of `text` (already escaped). */
export function markup(text: string): unknown {
  return markupFactory(text);
}

/** Whether a value is Jinja2's Markup. */
export function isMarkup(value: unknown): boolean {
  return isSafeString(value) && MARKUP in (value as object);
}

/** MarkupSafe's escape of a str: `&`, `<`, `>`, `'` and `"`; a Markup string stays as it is. */
export function markupEscape(value: unknown): string {
  if (isMarkup(value)) return String(value);
  const entities: Record<string, string> = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "'": "&#39;",
    '"': "&#34;",
  };
  return pyStr(value).replace(/[&<>'"]/g, (char) => entities[char]);
}

/** Whether a value is a nunjucks SafeString (a Python `Markup`, which is a `str`). */
export function isSafeString(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "val" in value;
}

/** Python's name for a value's type, for error messages. */
export function pyTypeName(value: unknown): string {
  if (value === undefined) return "Undefined";
  if (value === null) return "NoneType";
  if (value instanceof PyTuple) return "tuple";
  if (value instanceof PyRange) return "range";
  if (value instanceof Namespace) return "Namespace";
  if (typeof value === "function") return "function";
  if (Array.isArray(value)) return "list";
  if (isPlainObject(value)) return "dict";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "bigint") return "int";
  if (value instanceof PyIterator) return value.kind.split(" ")[0];
  if (value instanceof Cycler) return "Cycler";
  if (value instanceof PyFloat) return "float";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "string" || isSafeString(value)) return "str";
  return "object";
}

/** Whether a value is "true" in Python: empty strings, lists and dicts are false. */
export function pyTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  if (value instanceof PyFloat) return value.value !== 0;
  if (typeof value === "bigint") return value !== 0n;
  if (typeof value === "string") return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  if (typeof value === "object" && "length" in value) return Number(value.length) > 0;
  return true;
}

/** Python's `str()` of a value (undefined prints as nothing, as Jinja2's Undefined does). */
export function pyStr(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (
    typeof value === "object" && value !== null && !Array.isArray(value) && !isPlainObject(value)
  ) {
    if (value instanceof Namespace) return `<Namespace ${pyRepr({ ...value })}>`;
    return String(value);
  }
  return pyRepr(value);
}

/** Python's `repr()` of a value. */
export function pyRepr(value: unknown): string {
  if (value === undefined) return "Undefined"; // Jinja2's Undefined inside a list or dict
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return pyNumber(value, false);
  if (value instanceof PyFloat) return pyNumber(value.value, true);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof PyIterator) return `<${value.kind}>`;
  // Never the source of the engine's functions (Jinja2 prints `<built-in method … at 0x…>`).
  if (typeof value === "function") return "<built-in method>";
  if (typeof value === "string") return pyStringRepr(value);
  if (value instanceof PyTuple) {
    return value.length === 1 ? `(${pyRepr(value[0])},)` : `(${value.map(pyRepr).join(", ")})`;
  }
  if (value instanceof PyDictView) return `${value.kind}([${value.map(pyRepr).join(", ")}])`;
  if (value instanceof PyRange) return value.repr;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (isPlainObject(value)) {
    return `{${
      Object.entries(value).map(([key, item]) => `${pyStringRepr(key)}: ${pyRepr(item)}`).join(
        ", ",
      )
    }}`;
  }
  if (isSafeString(value)) {
    // Jinja2's Markup (escape, safe, tojson) shows its type; a nunjucks SafeString is a str.
    const text = pyStringRepr(String(value));
    return MARKUP in (value as object) ? `Markup(${text})` : text;
  }
  return String(value);
}

/**
 * `value` with `digits` decimals as Python writes it (`'%.2f' % value`, `round(value, 2)`): the
 * exact binary value rounded, exact ties to the even digit (`2.25` → `2.2`, JavaScript says `2.3`).
 */
export function pyFixed(value: number, digits: number): string {
  if (!Number.isFinite(value) || digits > 80) return value.toFixed(Math.min(digits, 100));
  const rounded = value.toFixed(digits);
  // toFixed(100) is exact for every double whose expansion a tie at `digits` can have.
  const exact = Math.abs(value).toFixed(100);
  const point = exact.indexOf(".");
  const tail = exact.slice(point + 1 + digits);
  if (!/^50*$/.test(tail)) return rounded;
  const kept = exact.slice(0, point + 1 + digits).replace(/\.$/, "");
  const lastDigit = Number(kept.at(-1));
  if (lastDigit % 2 === 1) return rounded; // Ties away from the odd digit, as toFixed does.
  return (value < 0 ? "-" : "") + kept;
}

/**
 * Python's `pprint.pformat(value)` (width 80, dict keys sorted): `repr()` when it fits, else
 * dicts, lists and tuples one item per line. Long strings are not split into pieces.
 */
export function pyPformat(value: unknown): string {
  return pformat(value, 0, 0);
}

const PPRINT_WIDTH = 80;

/** `repr()` with every dict's keys sorted, as pprint writes it. */
function sortedRepr(value: unknown): string {
  if (value instanceof PyTuple) {
    const items = value.map(sortedRepr);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  if (Array.isArray(value) && !(value instanceof PyDictView) && !(value instanceof PyRange)) {
    return `[${value.map(sortedRepr).join(", ")}]`;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${pyRepr(key)}: ${sortedRepr(item)}`).join(", ")}}`;
  }
  return pyRepr(value);
}

function pformat(value: unknown, indent: number, allowance: number): string {
  const repr = sortedRepr(value);
  if ([...repr].length <= PPRINT_WIDTH - indent - allowance) return repr;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (!entries.length) return repr;
    const inner = indent + 1;
    return `{${
      entries.map(([key, item], index) => {
        const keyRepr = pyRepr(key);
        const last = index === entries.length - 1;
        return `${keyRepr}: ${pformat(item, inner + keyRepr.length + 2, last ? allowance + 1 : 1)}`;
      }).join(`,\n${" ".repeat(inner)}`)
    }}`;
  }
  if (Array.isArray(value) && !(value instanceof PyDictView) && !(value instanceof PyRange)) {
    const tuple = value instanceof PyTuple;
    const [open, close] = tuple ? ["(", value.length === 1 ? ",)" : ")"] : ["[", "]"];
    const inner = indent + 1;
    const items = value.map((item, index) =>
      pformat(item, inner, index === value.length - 1 ? allowance + close.length : 1)
    );
    return `${open}${items.join(`,\n${" ".repeat(inner)}`)}${close}`;
  }
  return repr;
}

/** Python's repr of a number; `float` makes an integral value print as one (`5.0`, `1e+16`). */
function pyNumber(value: number, float: boolean): string {
  if (!float && Number.isInteger(value)) return BigInt(value).toString();
  return pyFloatRepr(value);
}

/**
 * Python's `repr()` of a float: the shortest digits that read back as the same value (as
 * JavaScript's), in fixed notation from 1e-4 up to 1e16 and scientific outside (`1e-05`, `1e+16`).
 */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const [mantissa, exponentText] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  const digits = mantissa.replace(/^-/, "").replace(".", "");
  const sign = value < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    const scaled = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const power = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${scaled}e${exponent < 0 ? "-" : "+"}${power}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  return `${sign}${whole}.${digits.slice(exponent + 1) || "0"}`;
}

function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === "\\") out += "\\\\";
    else if (char === quote) out += `\\${quote}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return out + quote;
}

/**
 * Jinja2's `tojson`: `json.dumps(value, sort_keys=True)` with `<`, `>`, `&` and `'` escaped as
 * `\u003c` and so on, so the result is safe in HTML and in single-quoted YAML scalars.
 */
export function pyJson(value: unknown, indent?: number): string {
  const text = dumps(value, indent, 0);
  return text.replace(/[<>&']/g, (char) => `\\u00${char.charCodeAt(0).toString(16)}`);
}

function dumps(value: unknown, indent: number | undefined, depth: number): string {
  if (value === undefined) {
    throw new TemplateRuntimeError("Object of type Undefined is not JSON serializable");
  }
  if (value === null) return "null";
  if (value === true || value === false) return String(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" || value instanceof PyFloat) {
    const number = Number(value);
    if (Number.isNaN(number)) return "NaN";
    if (!Number.isFinite(number)) return number > 0 ? "Infinity" : "-Infinity";
    return pyNumber(number, value instanceof PyFloat);
  }
  if (typeof value === "string" || isSafeString(value)) return jsonString(String(value));
  if (!isSerializable(value)) {
    throw new TemplateRuntimeError(`Object of type ${pyTypeName(value)} is not JSON serializable`);
  }
  const pad = (level: number) => indent === undefined ? "" : "\n" + " ".repeat(indent * level);
  const separator = indent === undefined ? ", " : ",";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((item) => pad(depth + 1) + dumps(item, indent, depth + 1));
    return `[${items.join(separator)}${pad(depth)}]`;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort((
      [a],
      [b],
    ) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length === 0) return "{}";
    const items = entries.map(([key, item]) =>
      `${pad(depth + 1)}${jsonString(key)}: ${dumps(item, indent, depth + 1)}`
    );
    return `{${items.join(separator)}${pad(depth)}}`;
  }
  throw new TemplateRuntimeError(`Object of type ${pyTypeName(value)} is not JSON serializable`);
}

/**
 * Whether `tojson` and `toyaml` may write a value: data (None, booleans, numbers, strings, lists,
 * tuples, dicts), never a function (its source), a range, a namespace or an engine object.
 */
export function isSerializable(value: unknown): boolean {
  if (typeof value === "function" || value instanceof PyRange) return false;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return true;
  return isPlainObject(value) || value instanceof PyFloat || isSafeString(value);
}

/** A JSON string as Python's json.dumps writes it (ASCII only). */
function jsonString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (char === "\b") out += "\\b";
    else if (char === "\f") out += "\\f";
    else if (code < 0x20 || code > 0x7e) {
      if (code > 0xffff) {
        const high = Math.floor((code - 0x10000) / 0x400) + 0xd800;
        const low = ((code - 0x10000) % 0x400) + 0xdc00;
        out += `\\u${high.toString(16)}\\u${low.toString(16)}`;
      } else out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += char;
  }
  return out + '"';
}

/** Whether a value is a plain data object (a Python dict). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const BASE_PREFIXES: Record<string, number> = { x: 16, o: 8, b: 2 };

/**
 * Python's `int(text, base)`: surrounding whitespace, a sign, the base's prefix (`0x` for 16,
 * any for base 0), underscores between digits; undefined where Python raises ValueError.
 */
export function parsePyInt(text: string, base = 10): bigint | undefined {
  const match = /^\s*([-+]?)(?:0([xob])_?)?([0-9a-z]+(?:_[0-9a-z]+)*)\s*$/i.exec(text);
  if (!match || base < 0 || base === 1 || base > 36) return undefined;
  const [, sign, prefix] = match;
  let body = match[3];
  let radix = base;
  if (prefix && (base === 0 || base === BASE_PREFIXES[prefix.toLowerCase()])) {
    radix = BASE_PREFIXES[prefix.toLowerCase()];
  } else if (prefix) {
    body = `0${prefix}${body}`; // `0b1` in base 16 is the number 0xb1
  } else if (base === 0) {
    if (/^0+(?:_0+)*$/.test(body)) return 0n;
    if (body.startsWith("0")) return undefined;
    radix = 10;
  }
  let value = 0n;
  for (const char of body.replaceAll("_", "").toLowerCase()) {
    const digit = parseInt(char, 36);
    if (!(digit < radix)) return undefined;
    value = value * BigInt(radix) + BigInt(digit);
  }
  return sign === "-" ? -value : value;
}

/** Python's `float(text)`: decimal, exponent, underscores, `inf` and `nan`; undefined if invalid. */
export function parsePyFloat(text: string): number | undefined {
  const trimmed = text.trim();
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(trimmed);
  if (special) {
    if (special[2].toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  const digits = "\\d(?:_?\\d)*";
  const pattern = new RegExp(
    `^[-+]?(?:${digits}(?:\\.(?:${digits})?)?|\\.${digits})(?:[eE][-+]?${digits})?$`,
  );
  return pattern.test(trimmed) ? Number(trimmed.replaceAll("_", "")) : undefined;
}

/** Python's `float(value)`: numbers, booleans and numeric strings; anything else is an error. */
export function pyToFloat(value: unknown): number {
  if (isPyNumber(value)) return Number(value);
  if (typeof value === "string" || isSafeString(value)) {
    const parsed = parsePyFloat(String(value));
    if (parsed === undefined) {
      throw new TemplateRuntimeError(
        `could not convert string to float: ${pyRepr(String(value))}`,
        "ValueError",
      );
    }
    return parsed;
  }
  throw new TemplateRuntimeError(
    `float() argument must be a string or a real number, not '${pyTypeName(value)}'`,
    // Jinja2's Undefined raises on float() itself.
    value === undefined ? "UndefinedError" : "TypeError",
  );
}
