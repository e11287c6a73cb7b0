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
  compareNumbers,
  isMarkup,
  isPlainObject,
  isPyFloat,
  isPyInt,
  isPyNumber,
  isSafeString,
  markup,
  markupEscape,
  pyEquals,
  pyFixed,
  PyFloat,
  pyFloat,
  pyInt,
  pyRepr,
  pyStr,
  PyTuple,
  pyTuple,
  pyTypeName,
  toBigInt,
} from "./python.ts";

/** A binary operator of Jinja2's expressions. */
export type BinaryOperator = "+" | "-" | "*" | "/" | "//" | "%" | "**";

/** A string, or a nunjucks SafeString (a `str` too, since autoescape is off). */
function isText(value: unknown): boolean {
  return typeof value === "string" ||
    (typeof value === "object" && value !== null && !Array.isArray(value) && "val" in value);
}

function unsupported(operator: string, left: unknown, right: unknown): TemplateRuntimeError {
  return new TemplateRuntimeError(
    `unsupported operand type(s) for ${operator}: '${pyTypeName(left)}' and '${pyTypeName(right)}'`,
  );
}

/** Most items a repeated sequence may have (Python would need gigabytes past this). */
const MAX_REPEAT = 1 << 26;

function repeatEmpty(sequence: unknown): unknown {
  return sequence instanceof PyTuple ? pyTuple([]) : [];
}

/** Python's largest sequence length (`sys.maxsize`); a larger repeat count is an OverflowError. */
const MAX_SIZE = 2n ** 63n - 1n;

function repeat(sequence: unknown, times: number | bigint | boolean): unknown {
  const big = toBigInt(times);
  if (big > MAX_SIZE || big < -MAX_SIZE - 1n) {
    throw new TemplateRuntimeError("cannot fit 'int' into an index-sized integer", "OverflowError");
  }
  const count = Math.max(0, Number(times));
  const length = isText(sequence) ? String(sequence).length : (sequence as unknown[]).length;
  if (length === 0 || count === 0) return isText(sequence) ? "" : repeatEmpty(sequence);
  if (length * count > MAX_REPEAT) {
    throw new TemplateRuntimeError(
      `repeating a sequence ${count} times needs too much memory`,
      "TemplateRuntimeError",
    );
  }
  if (isText(sequence)) return String(sequence).repeat(count);
  const items = Array.from({ length: count }, () => sequence as unknown[]).flat(1);
  return sequence instanceof PyTuple ? pyTuple(items) : items;
}

/** Python's `left <operator> right`. */
export function pyBinary(operator: BinaryOperator, left: unknown, right: unknown): unknown {
  if (isMarkup(left) || isMarkup(right)) {
    const result = markupBinary(operator, left, right);
    if (result !== undefined) return result;
  }
  if (operator === "%" && isText(left)) {
    return pyFormat(String(left), right instanceof PyTuple ? [...right] : [right]);
  }
  if (left === undefined || right === undefined) {
    throw new TemplateRuntimeError(
      `an undefined value cannot be an operand of '${operator}'`,
      "UndefinedError",
    );
  }
  if (isPyInt(left) && isPyInt(right) && operator !== "/") {
    const exponent = toBigInt(right);
    if (operator !== "**" || exponent >= 0n) return integer(operator, toBigInt(left), exponent);
  }
  if (operator === "/" && isPyInt(left) && isPyInt(right)) {
    return pyFloat(divideIntegers(toBigInt(left), toBigInt(right)));
  }
  if (isPyNumber(left) && isPyNumber(right)) {
    // `/` always gives a float, as does any operation with a float (`0.5 * 2` is `1.0`).
    return pyFloat(numeric(operator, toFloat(left), toFloat(right)));
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
    if (isSequence(left) && isPyInt(right)) return repeat(left, right);
    if (isPyInt(left) && isSequence(right)) return repeat(right, left);
    if (isSequence(left) || isSequence(right)) {
      const other = isSequence(left) ? right : left;
      throw new TemplateRuntimeError(
        `can't multiply sequence by non-int of type '${pyTypeName(other)}'`,
      );
    }
  }
  throw unsupported(operator, left, right);
}

/** A Python number as a float; an int too large for one is an error, as in Python. */
function toFloat(value: number | bigint | boolean | PyFloat): number {
  const number = Number(value);
  if (typeof value === "bigint" && !Number.isFinite(number)) {
    throw new TemplateRuntimeError("int too large to convert to float", "OverflowError");
  }
  return number;
}

/** Python's `divmod()` of floats (CPython's float_divmod): `7.0 // 0.1` is 69.0, not 70.0. */
function floatDivmod(left: number, right: number): [number, number] {
  let mod = left % right;
  let div = (left - mod) / right;
  if (mod) {
    if ((right < 0) !== (mod < 0)) {
      mod += right;
      div -= 1;
    }
  } else mod = right < 0 ? -0 : 0;
  let floorDiv;
  if (div) {
    floorDiv = Math.floor(div);
    if (div - floorDiv > 0.5) floorDiv += 1;
  } else floorDiv = (left / right < 0 || Object.is(left / right, -0)) ? -0 : 0;
  return [floorDiv, mod];
}

/** Python's `int / int`: the exact quotient rounded once to the nearest float. */
function divideIntegers(left: bigint, right: bigint): number {
  if (right === 0n) throw new TemplateRuntimeError("division by zero", "ZeroDivisionError");
  const exact = BigInt(Number.MAX_SAFE_INTEGER);
  const small = (value: bigint) => value <= exact && value >= -exact;
  // Both exact as doubles: JavaScript's division rounds the exact quotient once, as Python.
  if (small(left) && small(right)) return Number(left) / Number(right);
  const negative = (left < 0n) !== (right < 0n);
  const [a, b] = [left < 0n ? -left : left, right < 0n ? -right : right];
  // 55 significant bits of the quotient and a sticky bit for the rest round correctly.
  const shift = Math.max(0, 55 + b.toString(2).length - a.toString(2).length);
  let quotient = (a << BigInt(shift)) / b;
  if ((a << BigInt(shift)) % b !== 0n) quotient |= 1n;
  const result = shift > 1074 ? 0 : Number(quotient) * 2 ** -shift;
  if (!Number.isFinite(result)) {
    throw new TemplateRuntimeError(
      "integer division result too large for a float",
      "OverflowError",
    );
  }
  return negative ? -result : result;
}

/** Largest result of `**` on ints, in bits (Python has no limit; a render has a time limit). */
const MAX_POWER_BITS = 1_000_000n;

/** Python's int arithmetic, exact at any size. */
function integer(operator: BinaryOperator, left: bigint, right: bigint): number | bigint {
  switch (operator) {
    case "+":
      return pyInt(left + right);
    case "-":
      return pyInt(left - right);
    case "*":
      return pyInt(left * right);
    case "//":
    case "%": {
      if (right === 0n) {
        throw new TemplateRuntimeError("integer division or modulo by zero", "ZeroDivisionError");
      }
      let quotient = left / right;
      let remainder = left % right;
      // Python rounds the quotient down and gives the remainder the sign of the divisor.
      if (remainder !== 0n && (remainder < 0n) !== (right < 0n)) {
        quotient -= 1n;
        remainder += right;
      }
      return pyInt(operator === "//" ? quotient : remainder);
    }
    case "**": {
      const bits = BigInt((left < 0n ? -left : left).toString(2).length);
      if (left > 1n || left < -1n) {
        if (bits * right > MAX_POWER_BITS) {
          throw new TemplateRuntimeError(
            `integer power too large: ${left} ** ${right}`,
            "TemplateRuntimeError",
          );
        }
      }
      return pyInt(left ** right);
    }
    default:
      throw new TemplateRuntimeError(
        `unsupported integer operator ${operator}`,
        "TemplateRuntimeError",
      );
  }
}

/**
 * MarkupSafe's operators: `Markup + str` and `str + Markup` escape the str, `Markup * n` and
 * `Markup % values` (escaped) stay Markup; undefined where Markup has no operator of its own.
 */
function markupBinary(operator: BinaryOperator, left: unknown, right: unknown): unknown {
  if (operator === "+" && isText(left) && isText(right)) {
    return markup(markupEscape(left) + markupEscape(right));
  }
  if (operator === "*" && isMarkup(left) && isPyInt(right)) {
    return markup(String(repeat(String(left), right)));
  }
  if (operator === "*" && isPyInt(left) && isMarkup(right)) {
    return markup(String(repeat(String(right), left)));
  }
  if (operator === "%" && isMarkup(left)) {
    const escape = (value: unknown) => isText(value) ? markup(markupEscape(value)) : value;
    const values = right instanceof PyTuple ? [...right].map(escape) : [escape(right)];
    return markup(pyFormat(String(left), values));
  }
  return undefined;
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
      if (right === 0) throw new TemplateRuntimeError("division by zero", "ZeroDivisionError");
      return left / right;
    case "//":
    case "%":
      if (right === 0) {
        throw new TemplateRuntimeError("float divmod(): division by zero", "ZeroDivisionError");
      }
      return floatDivmod(left, right)[operator === "//" ? 0 : 1];
    case "**":
      if (left === 0 && right < 0) {
        throw new TemplateRuntimeError(
          "0.0 cannot be raised to a negative power",
          "ZeroDivisionError",
        );
      }
      return left ** right;
  }
}

/** Python's unary `-value` and `+value`. */
export function pyUnary(operator: "-" | "+", value: unknown): number | bigint | PyFloat {
  if (value === undefined) {
    // Jinja2's Undefined raises on every operation.
    throw new TemplateRuntimeError("an undefined value cannot be an operand", "UndefinedError");
  }
  if (!isPyNumber(value)) {
    throw new TemplateRuntimeError(
      `bad operand type for unary ${operator}: '${pyTypeName(value)}'`,
    );
  }
  if (isPyInt(value)) return pyInt(operator === "-" ? -toBigInt(value) : toBigInt(value));
  const result = operator === "-" ? -Number(value) : Number(value);
  return value instanceof PyFloat ? pyFloat(result) : result;
}

/** Python's ordering `left <operator> right`: numbers with numbers, strings with strings, … */
export function pyOrder(operator: "<" | "<=" | ">" | ">=", left: unknown, right: unknown): boolean {
  if (left === undefined || right === undefined) {
    // Jinja2's Undefined raises on every ordering, on either side.
    throw new TemplateRuntimeError(
      `an undefined value cannot be an operand of '${operator}'`,
      "UndefinedError",
    );
  }
  if (left === null || right === null) {
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
  if (isPyNumber(a) && isPyNumber(b)) return compareNumbers(a, b);
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (a === undefined || b === undefined) {
    throw new TemplateRuntimeError(
      "an undefined value cannot be compared (a missing attribute?)",
      "UndefinedError",
    );
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
  checkConversions(template);
  let index = 0;
  const named = values.length === 1 && isPlainObject(values[0]) ? values[0] : undefined;
  const pattern = /%(?:\((\w+)\))?([-0+ ]*)(\d*)(?:\.(\d+))?([srdifxXo%])/g;
  const formatted = template.replace(pattern, (_, key, flags: string, width, precision, kind) => {
    if (kind === "%") return "%";
    if (key === undefined && index >= values.length) {
      throw new TemplateRuntimeError("not enough arguments for format string");
    }
    if (key !== undefined && !named) throw new TemplateRuntimeError("format requires a mapping");
    if (key !== undefined && !Object.hasOwn(named!, key)) {
      throw new TemplateRuntimeError(`'${key}'`, "KeyError");
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
    // Exact digits for ints of any size; floats are truncated as Python's %d does.
    const whole = isPyInt(value)
      ? toBigInt(value)
      : BigInt(Math.trunc(Number.isFinite(number) ? number : 0));
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
        const digits = (whole < 0n ? -whole : whole).toString(kind === "o" ? 8 : 16);
        text = kind === "X" ? digits.toUpperCase() : digits;
        break;
      }
      default:
        if (!Number.isFinite(number)) {
          throw new TemplateRuntimeError(
            `cannot convert float ${pyRepr(value)} to integer`,
            Number.isNaN(number) ? "ValueError" : "OverflowError",
          );
        }
        text = (whole < 0n ? -whole : whole).toString();
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

/** Python's conversion characters of `%` formatting (not all of which we implement). */
const PYTHON_CONVERSIONS = new Set("diouxXeEfFgGcrsa%");

/** Raises Python's ValueError for a conversion Python does not know, or a trailing `%`. */
function checkConversions(template: string): void {
  for (
    const match of template.matchAll(/%(?:\([^)]*\))?[-0+ #]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(.?)/g)
  ) {
    const conversion = match[1];
    if (conversion === "") throw new TemplateRuntimeError("incomplete format", "ValueError");
    if (!PYTHON_CONVERSIONS.has(conversion)) {
      const at = match.index! + match[0].length - 1;
      const code = conversion.codePointAt(0)!.toString(16);
      throw new TemplateRuntimeError(
        `unsupported format character '${conversion}' (0x${code}) at index ${at}`,
        "ValueError",
      );
    }
  }
}
