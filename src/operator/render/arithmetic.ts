/**
 * Python's operators on template values: `+ - * / // % **`, unary `-` and `+`, and ordering
 * (`<`, `<=`, `>`, `>=`). Numbers and booleans compute; strings, lists and tuples concatenate
 * (`+`) and repeat (`*`); `%` formats a string; anything else is a `TypeError` as in Python
 * instead of JavaScript's `NaN`, `Infinity` or `"a1"`. Pure.
 *
 * @module
 */
import { TemplateRuntimeError } from "./errors.ts";
import {
  isPlainObject,
  isPyFloat,
  isPyNumber,
  isSafeString,
  pyEquals,
  pyFixed,
  PyFloat,
  pyFloat,
  pyRepr,
  pyStr,
  PyTuple,
  pyTuple,
  pyTypeName,
} from "./python.ts";

/** A binary operator of Jinja2's expressions. */
export type BinaryOperator = "+" | "-" | "*" | "/" | "//" | "%" | "**";

/** A string, or a nunjucks SafeString (a `str` too, since autoescape is off). */
function isText(value: unknown): boolean {
  return typeof value === "string" ||
    (typeof value === "object" && value !== null && !Array.isArray(value) && "val" in value);
}

function isInteger(value: unknown): value is number | boolean {
  return typeof value === "boolean" || (typeof value === "number" && Number.isInteger(value));
}

function unsupported(operator: string, left: unknown, right: unknown): TemplateRuntimeError {
  return new TemplateRuntimeError(
    `unsupported operand type(s) for ${operator}: '${pyTypeName(left)}' and '${pyTypeName(right)}'`,
  );
}

function repeat(sequence: unknown, times: number): unknown {
  const count = Math.max(0, times);
  if (isText(sequence)) return String(sequence).repeat(count);
  const items = Array.from({ length: count }, () => sequence as unknown[]).flat(1);
  return sequence instanceof PyTuple ? pyTuple(items) : items;
}

/** Python's `left <operator> right`. */
export function pyBinary(operator: BinaryOperator, left: unknown, right: unknown): unknown {
  if (operator === "%" && isText(left)) {
    return pyFormat(String(left), right instanceof PyTuple ? [...right] : [right]);
  }
  if (left === undefined || right === undefined) {
    throw new TemplateRuntimeError(`an undefined value cannot be an operand of '${operator}'`);
  }
  if (isPyNumber(left) && isPyNumber(right)) {
    const result = numeric(operator, Number(left), Number(right));
    // `/` always gives a float, as does any operation with a float (`0.5 * 2` is `1.0`).
    const float = operator === "/" || isPyFloat(left) || isPyFloat(right) ||
      (operator === "**" && Number(right) < 0);
    return float ? pyFloat(result) : result;
  }
  if (operator === "+") {
    if (isText(left) && isText(right)) return String(left) + String(right);
    const sameSequence = Array.isArray(left) && Array.isArray(right) &&
      (left instanceof PyTuple) === (right instanceof PyTuple);
    if (sameSequence) {
      return left instanceof PyTuple ? pyTuple([...left, ...right]) : [...left, ...right];
    }
    if (isText(left) || Array.isArray(left)) {
      const type = pyTypeName(left);
      throw new TemplateRuntimeError(
        `can only concatenate ${type} (not "${pyTypeName(right)}") to ${type}`,
      );
    }
  }
  if (operator === "*") {
    const isSequence = (value: unknown) => isText(value) || Array.isArray(value);
    if (isSequence(left) && isInteger(right)) return repeat(left, Number(right));
    if (isInteger(left) && isSequence(right)) return repeat(right, Number(left));
    if (isSequence(left) || isSequence(right)) {
      const other = isSequence(left) ? right : left;
      throw new TemplateRuntimeError(
        `can't multiply sequence by non-int of type '${pyTypeName(other)}'`,
      );
    }
  }
  throw unsupported(operator, left, right);
}

function numeric(operator: BinaryOperator, left: number, right: number): number {
  switch (operator) {
    case "+":
      return left + right;
    case "-":
      return left - right;
    case "*":
      return left * right;
    case "/":
      if (right === 0) throw new TemplateRuntimeError("division by zero");
      return left / right;
    case "//":
      if (right === 0) throw new TemplateRuntimeError("integer division or modulo by zero");
      return Math.floor(left / right);
    case "%": {
      if (right === 0) throw new TemplateRuntimeError("integer modulo by zero");
      const remainder = left % right;
      // Python's remainder has the sign of the divisor.
      if (remainder === 0) return right < 0 ? -0 : 0;
      return (remainder < 0) !== (right < 0) ? remainder + right : remainder;
    }
    case "**":
      if (left === 0 && right < 0) {
        throw new TemplateRuntimeError("0.0 cannot be raised to a negative power");
      }
      return left ** right;
  }
}

/** Python's unary `-value` and `+value`. */
export function pyUnary(operator: "-" | "+", value: unknown): number | PyFloat {
  if (!isPyNumber(value)) {
    throw new TemplateRuntimeError(
      `bad operand type for unary ${operator}: '${pyTypeName(value)}'`,
    );
  }
  const result = operator === "-" ? -Number(value) : Number(value);
  return value instanceof PyFloat ? pyFloat(result) : result;
}

/** Python's ordering `left <operator> right`: numbers with numbers, strings with strings, … */
export function pyOrder(operator: "<" | "<=" | ">" | ">=", left: unknown, right: unknown): boolean {
  if (left === undefined || left === null || right === undefined || right === null) {
    throw new TemplateRuntimeError(
      `'${operator}' not supported between instances of '${pyTypeName(left)}' and '${
        pyTypeName(right)
      }'`,
    );
  }
  const order = compare(
    isText(left) ? String(left) : left,
    isText(right) ? String(right) : right,
  );
  switch (operator) {
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
  }
}

/** Python's ordering of two values (numbers and booleans, strings, sequences item by item). */
export function compare(a: unknown, b: unknown): number {
  if (isSafeString(a)) a = String(a);
  if (isSafeString(b)) b = String(b);
  if (isPyNumber(a) && isPyNumber(b)) return Number(a) - Number(b);
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (a === undefined || b === undefined) {
    throw new TemplateRuntimeError("an undefined value cannot be compared (a missing attribute?)");
  }
  if (Array.isArray(a) && Array.isArray(b) && (a instanceof PyTuple) === (b instanceof PyTuple)) {
    // Sequences compare item by item, then by length, as Python's tuples and lists.
    const differing = a.findIndex((item, index) => index < b.length && !pyEquals(item, b[index]));
    if (differing >= 0) return compare(a[differing], b[differing]);
    return a.length - b.length;
  }
  throw new TemplateRuntimeError(
    `'<' not supported between instances of ${pyRepr(a)} and ${pyRepr(b)}`,
  );
}

/**
 * Python's `%` string formatting: `%s`, `%r`, `%d`, `%i`, `%f`, `%x`, `%X`, `%o`, `%%`, with the
 * flags `-`, `0`, `+` and space, a width and a precision; `%(name)s` takes values from a dict.
 */
export function pyFormat(template: string, values: unknown[]): string {
  let index = 0;
  const named = values.length === 1 && isPlainObject(values[0]) ? values[0] : undefined;
  const pattern = /%(?:\((\w+)\))?([-0+ ]*)(\d*)(?:\.(\d+))?([srdifxXo%])/g;
  const formatted = template.replace(pattern, (_, key, flags: string, width, precision, kind) => {
    if (kind === "%") return "%";
    if (key === undefined && index >= values.length) {
      throw new TemplateRuntimeError("not enough arguments for format string");
    }
    if (key !== undefined && !(named && Object.hasOwn(named, key))) {
      throw new TemplateRuntimeError(`KeyError: '${key}' (format needs a dict with that key)`);
    }
    const value = key !== undefined ? named![key] : values[index++];
    let text: string;
    const numeric = !"sr".includes(kind);
    if (numeric && !isPyNumber(value)) {
      throw new TemplateRuntimeError(
        `%${kind} format: a real number is required, not ${pyTypeName(value)}`,
      );
    }
    if ("xXo".includes(kind) && isPyFloat(value)) {
      throw new TemplateRuntimeError(`%${kind} format: an integer is required, not float`);
    }
    const number = Number(value);
    const integer = Math.trunc(number);
    switch (kind) {
      case "r":
        text = pyRepr(value);
        break;
      case "s":
        text = pyStr(value);
        break;
      case "f":
        text = pyFixed(Math.abs(number), precision === undefined ? 6 : Number(precision));
        break;
      case "x":
      case "X":
      case "o": {
        const digits = Math.abs(integer).toString(kind === "o" ? 8 : 16);
        text = kind === "X" ? digits.toUpperCase() : digits;
        break;
      }
      default:
        text = String(Math.abs(integer));
    }
    if (kind === "s" && precision !== undefined) text = text.slice(0, Number(precision));
    if (numeric) {
      const sign = number < 0 ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
      if (flags.includes("0") && !flags.includes("-")) {
        text = text.padStart(Number(width || 0) - sign.length, "0");
      }
      text = sign + text;
    }
    const pad = Number(width || 0);
    return flags.includes("-") ? text.padEnd(pad) : text.padStart(pad);
  });
  // A dict, a list or Undefined as the only value may go unused (Python treats them as mappings).
  const single = values.length === 1 &&
    (isPlainObject(values[0]) || Array.isArray(values[0]) || values[0] === undefined);
  if (index < values.length && !single) {
    throw new TemplateRuntimeError("not all arguments converted during string formatting");
  }
  return formatted;
}
