/**
 * Jinja2's lexical rules inside `{{ … }}` and `{% … %}`, replacing nunjucks' tokenizer there:
 * Python number literals (`0x1F`, `1_000`, `1.5e-3`), string literals with Python's escapes,
 * identifiers, Jinja2's operators, and brackets that must balance before `}}` or `%}` can end the
 * tag (`{{ {'a': {'b': 1}} }}`). `{%+` and `+%}` are accepted as in Jinja2. Pure.
 *
 * @module
 */

import { pyRepr } from "./python.ts";

/** A lexical error in a template, at a 0-based line and column. */
export class TemplateSyntaxError extends Error {
  /** Creates the error. */
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
    this.name = "TemplateSyntaxError";
  }
}

/** The kinds of token the tokenizer produces, named as nunjucks' parser expects them. */
export interface TokenTypes {
  TOKEN_STRING: string;
  TOKEN_WHITESPACE: string;
  TOKEN_BLOCK_START: string;
  TOKEN_BLOCK_END: string;
  TOKEN_VARIABLE_START: string;
  TOKEN_VARIABLE_END: string;
  TOKEN_LEFT_PAREN: string;
  TOKEN_RIGHT_PAREN: string;
  TOKEN_LEFT_BRACKET: string;
  TOKEN_RIGHT_BRACKET: string;
  TOKEN_LEFT_CURLY: string;
  TOKEN_RIGHT_CURLY: string;
  TOKEN_OPERATOR: string;
  TOKEN_COMMA: string;
  TOKEN_COLON: string;
  TOKEN_TILDE: string;
  TOKEN_PIPE: string;
  TOKEN_INT: string;
  TOKEN_FLOAT: string;
  TOKEN_SYMBOL: string;
}

/** A token as nunjucks' parser reads it (0-based position). */
export interface Token {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}

/** Jinja2's rules (jinja2/lexer.py), in the order Jinja2 tries them. */
const WHITESPACE = /\s+/y;
const FLOAT = /(?<!\.)(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/iy;
const INTEGER = /0b(?:_?[01])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*/iy;
const NAME = /[\p{XID_Continue}]+/uy;
const STRING = /'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)"/sy;
// Jinja2 also has `;`, which no rule of its grammar takes: here it is an unexpected character.
const OPERATOR = /\/\/|\*\*|==|!=|>=|<=|[-+/*%~[\](){}<>=.:|,]/y;
const BLOCK_END = /\+%\}|-%\}|%\}/y;
const VARIABLE_END = /-\}\}|\}\}/y;

const CLOSING: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Python's escapes in string literals, as Jinja2 decodes them (`unicode-escape`). */
const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\n": "",
};

/**
 * The value of a string literal's body: Python's escapes decoded (`\x41`, `\u00e9`, `\U0001F600`,
 * octal `\101`); an unknown escape keeps its backslash (`'\d'` is two characters).
 */
export function decodeStringLiteral(body: string): string {
  let text = "";
  for (let index = 0; index < body.length; index++) {
    const char = body[index];
    if (char !== "\\" || index + 1 >= body.length) {
      text += char;
      continue;
    }
    const escape = body[++index];
    const hexDigits = { x: 2, u: 4, U: 8 }[escape as "x" | "u" | "U"];
    if (Object.hasOwn(SIMPLE_ESCAPES, escape)) text += SIMPLE_ESCAPES[escape];
    else if (hexDigits) {
      const digits = body.slice(index + 1, index + 1 + hexDigits);
      if (!new RegExp(`^[0-9a-fA-F]{${hexDigits}}$`).test(digits)) {
        throw new Error(`truncated \\${escape} escape in a string literal`);
      }
      index += hexDigits;
      text += String.fromCodePoint(parseInt(digits, 16));
    } else if (/[0-7]/.test(escape)) {
      let digits = escape;
      while (digits.length < 3 && /[0-7]/.test(body[index + 1] ?? "")) digits += body[++index];
      text += String.fromCodePoint(parseInt(digits, 8));
    } else text += "\\" + escape;
  }
  return text;
}

/** The nunjucks tokenizer's state this module reads and moves. */
interface Tokenizer {
  str: string;
  index: number;
  lineno: number;
  colno: number;
  in_code: boolean;
  forwardN(count: number): void;
  /** `{{` or `{%` of the tag being read; brackets open in it. */
  jinjaTag?: { kind: "block" | "variable"; open: string[]; fresh: boolean };
}

/**
 * Makes nunjucks' tokenizer read the inside of tags with Jinja2's rules. `prototype` is the
 * tokenizer's prototype; `types` the token kinds; errors are {@link TemplateSyntaxError}s.
 */
export function patchTokenizer(prototype: { nextToken(): Token | null }, types: TokenTypes): void {
  const dataToken = prototype.nextToken;
  prototype.nextToken = function (this: Tokenizer): Token | null {
    if (!this.in_code) {
      const token = dataToken.call(this);
      if (token?.type === types.TOKEN_BLOCK_START) {
        this.jinjaTag = { kind: "block", open: [], fresh: true };
      } else if (token?.type === types.TOKEN_VARIABLE_START) {
        this.jinjaTag = { kind: "variable", open: [], fresh: true };
      }
      return token;
    }
    return codeToken(this, types);
  };
}

function codeToken(tokenizer: Tokenizer, types: TokenTypes): Token | null {
  const { str, index, lineno, colno } = tokenizer;
  if (index >= str.length) return null;
  const tag = tokenizer.jinjaTag ??= { kind: "variable", open: [], fresh: false };
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = index;
    return pattern.exec(str)?.[0];
  };
  const take = (type: string, text: string, value = text): Token => {
    tokenizer.forwardN(text.length);
    return { type, value, lineno, colno };
  };
  if (tag.fresh) {
    tag.fresh = false;
    // `{%+` and `{{+` (keep the whitespace before the tag: lstrip_blocks is off anyway).
    if (str[index] === "+") {
      tokenizer.forwardN(1);
      return codeToken(tokenizer, types);
    }
  }
  if (!tag.open.length) {
    const end = match(tag.kind === "block" ? BLOCK_END : VARIABLE_END);
    if (end) {
      tokenizer.in_code = false;
      const type = tag.kind === "block" ? types.TOKEN_BLOCK_END : types.TOKEN_VARIABLE_END;
      return take(type, end, end.replace(/^\+/, ""));
    }
  }
  const fail = (message: string): never => {
    throw new TemplateSyntaxError(message, lineno, colno);
  };
  let text = match(WHITESPACE);
  if (text) return take(types.TOKEN_WHITESPACE, text);
  text = match(FLOAT);
  if (text) {
    tokenizer.forwardN(text.length);
    return { type: types.TOKEN_FLOAT, value: text.replaceAll("_", ""), lineno, colno };
  }
  text = match(INTEGER);
  if (text) {
    tokenizer.forwardN(text.length);
    return { type: types.TOKEN_INT, value: text.replaceAll("_", ""), lineno, colno };
  }
  text = match(NAME);
  if (text) {
    if (!/^[\p{XID_Start}_]/u.test(text)) {
      fail(`unexpected character ${pyRepr(text[0])}: a name starts with a letter or underscore`);
    }
    return take(types.TOKEN_SYMBOL, text);
  }
  STRING.lastIndex = index;
  const string = STRING.exec(str);
  if (string) {
    const body = (string[1] ?? string[2]).replace(/\r\n|\r/g, "\n");
    let value = "";
    try {
      value = decodeStringLiteral(body);
    } catch (error) {
      fail((error as Error).message);
    }
    tokenizer.forwardN(string[0].length);
    return { type: types.TOKEN_STRING, value, lineno, colno };
  }
  text = match(OPERATOR);
  if (!text) {
    return fail(`unexpected character ${pyRepr(String.fromCodePoint(str.codePointAt(index)!))}`);
  }
  if (CLOSING[text]) tag.open.push(CLOSING[text]);
  else if (")]}".includes(text)) {
    const expected = tag.open.pop();
    if (!expected) fail(`unexpected '${text}'`);
    if (expected !== text) fail(`unexpected '${text}', expected '${expected}'`);
  }
  const type = {
    "(": types.TOKEN_LEFT_PAREN,
    ")": types.TOKEN_RIGHT_PAREN,
    "[": types.TOKEN_LEFT_BRACKET,
    "]": types.TOKEN_RIGHT_BRACKET,
    "{": types.TOKEN_LEFT_CURLY,
    "}": types.TOKEN_RIGHT_CURLY,
    ",": types.TOKEN_COMMA,
    ":": types.TOKEN_COLON,
    "~": types.TOKEN_TILDE,
    "|": types.TOKEN_PIPE,
  }[text] ?? types.TOKEN_OPERATOR;
  return take(type, text);
}
