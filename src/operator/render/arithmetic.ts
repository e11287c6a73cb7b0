/**
 * Python's operators on template values: `+ - * / // % **`, unary `-` and `+`, and ordering
 * (`<`, `<=`, `>`, `>=`). Numbers and booleans compute; strings, lists and tuples concatenate
 * (`+`) and repeat (`*`); `%` formats a string; anything else is a `TypeError` as in Python
 * instead of JavaScript's `NaN`, `Infinity` or `"a1"`. Pure.
 *
 * @module
 */
import { compare, pyFormat, TemplateRuntimeError } from "./filters.ts";
import { PyTuple, pyTuple, pyTypeName } from "./python.ts";

/** A binary operator of Jinja2's expressions. */
export type BinaryOperator = "+" | "-" | "*" | "/" | "//" | "%" | "**";

function isNumeric(value: unknown): value is number | boolean {
  return typeof value === "number" || typeof value === "boolean";
}

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
  if (left === undefined || right === undefined) {
    throw new TemplateRuntimeError(`an undefined value cannot be an operand of '${operator}'`);
  }
  if (operator === "%" && isText(left)) {
    return pyFormat(String(left), right instanceof PyTuple ? [...right] : [right]);
  }
  if (isNumeric(left) && isNumeric(right)) return numeric(operator, Number(left), Number(right));
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
      return remainder !== 0 && (remainder < 0) !== (right < 0) ? remainder + right : remainder;
    }
    case "**":
      if (left === 0 && right < 0) {
        throw new TemplateRuntimeError("0.0 cannot be raised to a negative power");
      }
      return left ** right;
  }
}

/** Python's unary `-value` and `+value`. */
export function pyUnary(operator: "-" | "+", value: unknown): number {
  if (!isNumeric(value)) {
    throw new TemplateRuntimeError(
      `bad operand type for unary ${operator}: '${pyTypeName(value)}'`,
    );
  }
  return operator === "-" ? -Number(value) : Number(value);
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
