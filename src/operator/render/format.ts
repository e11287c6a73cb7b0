/**
 * Python's `str.format()` as templates call it (`'{:>5}'.format(x)`, `'{0}-{name}'.format(…)`):
 * replacement fields with automatic or manual numbering, names, `.attribute` and `[index]`, the
 * conversions `!r` and `!s`, and the format-spec mini-language for strings, ints (any size) and
 * floats. Pure.
 *
 * @module
 */
import { TemplateRuntimeError } from "./errors.ts";
import {
  isPlainObject,
  isPyInt,
  isPyNumber,
  isSafeString,
  pyFixed,
  pyFloatRepr,
  pyRepr,
  pyStr,
  pyTypeName,
  toBigInt,
} from "./python.ts";

/** Python's `template.format(*positional, **keywords)`. */
export function pyStrFormat(
  template: string,
  positional: unknown[],
  keywords: Record<string, unknown>,
): string {
  let automatic = 0;
  let numbering: "automatic" | "manual" | undefined;
  const fieldValue = (field: string): unknown => {
    const [, first, rest] = /^([^.[]*)(.*)$/s.exec(field)!;
    let value: unknown;
    if (first === "" || /^\d+$/.test(first)) {
      const mode = first === "" ? "automatic" : "manual";
      if (numbering && numbering !== mode) {
        throw new TemplateRuntimeError(
          "cannot switch from automatic field numbering to manual field specification",
          "ValueError",
        );
      }
      numbering = mode;
      const index = first === "" ? automatic++ : Number(first);
      if (index >= positional.length) {
        throw new TemplateRuntimeError(`Replacement index ${index} out of range`, "IndexError");
      }
      value = positional[index];
    } else {
      if (!Object.hasOwn(keywords, first)) throw new TemplateRuntimeError(`'${first}'`, "KeyError");
      value = keywords[first];
    }
    for (const [, attribute, index] of rest.matchAll(/\.(\w+)|\[([^\]]*)\]/g)) {
      // Only a list's items and a dict's own keys (never Object's members: `{0[constructor]}`).
      const key = attribute ?? (/^\d+$/.test(index) ? Number(index) : index);
      const found = Array.isArray(value) && typeof key === "number"
        ? value[key]
        : isPlainObject(value) && Object.hasOwn(value, String(key))
        ? value[String(key)]
        : undefined;
      if (found === undefined) {
        // Python: a list index past the end, a missing dict key, anything else not subscriptable.
        const kind = Array.isArray(value) && typeof key === "number"
          ? "IndexError"
          : isPlainObject(value)
          ? "KeyError"
          : "TypeError";
        throw new TemplateRuntimeError(
          `'${pyTypeName(value)}' has no item or attribute ${key}`,
          kind,
        );
      }
      value = found;
    }
    return value;
  };
  let out = "";
  let index = 0;
  while (index < template.length) {
    const char = template[index];
    if (char === "}") {
      if (template[index + 1] !== "}") {
        throw new TemplateRuntimeError("Single '}' encountered in format string", "ValueError");
      }
      out += "}";
      index += 2;
      continue;
    }
    if (char !== "{") {
      out += char;
      index++;
      continue;
    }
    if (template[index + 1] === "{") {
      out += "{";
      index += 2;
      continue;
    }
    // A field up to its matching `}` (a spec may hold nested fields: `{:{width}}`).
    let depth = 1;
    let end = index + 1;
    while (end < template.length && depth) {
      if (template[end] === "{") depth++;
      else if (template[end] === "}") depth--;
      if (depth) end++;
    }
    if (depth) throw new TemplateRuntimeError("expected '}' before end of string", "ValueError");
    const field = template.slice(index + 1, end);
    const [, name, conversion, spec = ""] = /^([^!:]*)(?:!(.))?(?::(.*))?$/s.exec(field) ?? [];
    if (name === undefined) {
      throw new TemplateRuntimeError(`invalid format field '{${field}}'`, "ValueError");
    }
    let value = fieldValue(name);
    if (conversion === "r" || conversion === "a") value = pyRepr(value);
    else if (conversion === "s") value = pyStr(value);
    else if (conversion !== undefined) {
      throw new TemplateRuntimeError(`Unknown conversion specifier ${conversion}`, "ValueError");
    }
    const nested = spec.replace(/\{([^{}]*)\}/g, (_, inner: string) => pyStr(fieldValue(inner)));
    out += pyFormatValue(value, nested);
    index = end + 1;
  }
  return out;
}

const SPEC =
  /^(?:(.)?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s;

/** Python's `format(value, spec)` for strings, ints and floats. */
export function pyFormatValue(value: unknown, spec: string): string {
  if (spec === "") return pyStr(value);
  const match = SPEC.exec(spec);
  if (!match) throw new TemplateRuntimeError(`Invalid format specifier '${spec}'`, "ValueError");
  const [, fillChar, alignChar, sign = "-", , alternate, zero, width, grouping, precision, type] =
    match;
  const text = typeof value === "string" || isSafeString(value);
  if (!text && !isPyNumber(value)) {
    throw new TemplateRuntimeError(
      `unsupported format string passed to ${pyTypeName(value)}.__format__`,
    );
  }
  let align = alignChar;
  let fill = fillChar ?? " ";
  if (zero && !alignChar) [fill, align] = ["0", "="];
  let body: string;
  let negative = false;
  if (text) {
    if ((type && type !== "s") || alignChar === "=" || sign !== "-" || grouping) {
      throw new TemplateRuntimeError(
        `Invalid format specifier '${spec}' for object of type 'str'`,
        "ValueError",
      );
    }
    body = precision === undefined ? String(value) : [...String(value)]
      .slice(0, Number(precision)).join("");
    align ??= "<";
  } else {
    align ??= ">";
    const integerType = type === undefined || "bcdoxXn".includes(type);
    if (isPyInt(value) && integerType) {
      if (precision !== undefined) {
        throw new TemplateRuntimeError(
          "Precision not allowed in integer format specifier",
          "ValueError",
        );
      }
      const number = toBigInt(value);
      negative = number < 0n;
      const magnitude = negative ? -number : number;
      if (type === "c") body = String.fromCodePoint(Number(magnitude));
      else {
        const radix = { b: 2, o: 8, x: 16, X: 16 }[type as "b"] ?? 10;
        body = magnitude.toString(radix);
        if (type === "X") body = body.toUpperCase();
        if (grouping) body = group(body, grouping, radix === 10 ? 3 : 4);
        if (alternate && radix !== 10) body = `0${type}${body}`;
      }
    } else {
      if (integerType && type !== undefined) {
        throw new TemplateRuntimeError(
          `Unknown format code '${type}' for object of type '${pyTypeName(value)}'`,
          "ValueError",
        );
      }
      const number = Number(value);
      negative = number < 0 || Object.is(number, -0);
      body = formatFloat(Math.abs(number), type, precision, alternate !== undefined);
      if (grouping) {
        const [whole, rest] = /^(\d+)(.*)$/s.exec(body)?.slice(1) ?? [body, ""];
        body = group(whole, grouping, 3) + rest;
      }
    }
  }
  const signText = text ? "" : negative ? "-" : sign === "+" ? "+" : sign === " " ? " " : "";
  const total = Number(width ?? 0);
  const padding = Math.max(0, total - [...signText + body].length);
  const pad = fill.repeat(padding);
  if (align === "<") return signText + body + pad;
  if (align === ">") return pad + signText + body;
  if (align === "=") return signText + pad + body;
  const left = Math.floor(padding / 2);
  return fill.repeat(left) + signText + body + fill.repeat(padding - left);
}

/** Digits grouped from the right with `separator` every `size` digits. */
function group(digits: string, separator: string, size: number): string {
  let out = "";
  for (let index = digits.length; index > 0; index -= size) {
    out = digits.slice(Math.max(0, index - size), index) + (out ? separator + out : "");
  }
  return out;
}

/** A non-negative float as Python's format types `e`, `f`, `g`, `%` and none write it. */
function formatFloat(
  number: number,
  type: string | undefined,
  precision: string | undefined,
  alternate: boolean,
): string {
  if (!Number.isFinite(number)) {
    const word = Number.isNaN(number) ? "nan" : "inf";
    return type && "EFG".includes(type) ? word.toUpperCase() : word;
  }
  const digits = precision === undefined ? undefined : Number(precision);
  switch (type) {
    case "f":
    case "F":
      return pyFixed(number, digits ?? 6) + (alternate && digits === 0 ? "." : "");
    case "%":
      return pyFixed(number * 100, digits ?? 6) + "%";
    case "e":
    case "E": {
      const text = exponential(number, digits ?? 6);
      return type === "E" ? text.toUpperCase() : text;
    }
    case "g":
    case "G":
    case "n": {
      const text = general(number, digits ?? 6, alternate, false);
      return type === "G" ? text.toUpperCase() : text;
    }
    default:
      if (digits === undefined) return pyFloatRepr(number);
      return general(number, digits, alternate, true);
  }
}

/** `%.<digits>e` with Python's two-digit exponent (`1.5e+07`). */
function exponential(number: number, digits: number): string {
  const [mantissa, exponent] = number.toExponential(digits).split("e");
  const power = Number(exponent);
  return `${mantissa}e${power < 0 ? "-" : "+"}${String(Math.abs(power)).padStart(2, "0")}`;
}

/** Python's `g` (and, with `repr`, the format type none with a precision). */
function general(number: number, digits: number, alternate: boolean, repr: boolean): string {
  const precision = digits === 0 ? 1 : digits;
  if (number === 0) return repr ? "0.0" : alternate ? `0.${"0".repeat(precision - 1)}` : "0";
  const power = Number(number.toExponential(precision - 1).split("e")[1]);
  let text: string;
  // The format type none switches to an exponent one digit earlier than `g`.
  if (power >= -4 && power < (repr ? precision - 1 : precision)) {
    text = pyFixed(number, Math.max(0, precision - 1 - power));
  } else text = exponential(number, precision - 1);
  if (!alternate) {
    text = text.replace(/^([^e]*\.[^e]*?)0+(e.*)?$/, "$1$2").replace(/\.(e|$)/, "$1");
  }
  if (repr && !/[.e]/.test(text)) text += ".0";
  return text;
}
