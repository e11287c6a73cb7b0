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
export function isPyNumber(value: unknown): value is number | boolean | PyFloat {
  return typeof value === "number" || typeof value === "boolean" || value instanceof PyFloat;
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
  if (isPyNumber(left) && isPyNumber(right)) return Number(left) === Number(right);
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
    return pyStringRepr(String(value)); // nunjucks SafeString
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
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (!float || !Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 1e16) return value.toExponential(); // 1e+16, as Python
  return Object.is(value, -0) ? "-0.0" : `${value}.0`;
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
  if (typeof value === "number" || value instanceof PyFloat) {
    const number = Number(value);
    if (Number.isNaN(number)) return "NaN";
    if (!Number.isFinite(number)) return number > 0 ? "Infinity" : "-Infinity";
    return value instanceof PyFloat ? pyNumber(number, true) : String(number);
  }
  if (typeof value === "string" || isSafeString(value)) return jsonString(String(value));
  if (typeof value === "bigint") return value.toString();
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
