/**
 * The error a template raises at render time where Jinja2 raises one too (a TypeError, a
 * ValueError, an UndefinedError, …), and the kinds of template errors: the Python exception class
 * Jinja2 raises for the same mistake. Pure.
 *
 * @module
 */

/** The Jinja2 (Python) exception class of a template error. */
export type TemplateErrorKind =
  | "TemplateSyntaxError"
  | "TemplateRuntimeError"
  | "UndefinedError"
  | "TypeError"
  | "ValueError"
  | "ZeroDivisionError"
  | "OverflowError"
  | "IndexError"
  | "KeyError"
  | "AttributeError"
  | "AssertionError"
  | "RuntimeError";

/** The kinds an error raised while rendering can have. */
export type RuntimeErrorKind = Exclude<TemplateErrorKind, "TemplateSyntaxError">;

const RUNTIME_KINDS: ReadonlySet<string> = new Set<RuntimeErrorKind>([
  "TemplateRuntimeError",
  "UndefinedError",
  "TypeError",
  "ValueError",
  "ZeroDivisionError",
  "OverflowError",
  "IndexError",
  "KeyError",
  "AttributeError",
  "AssertionError",
  "RuntimeError",
]);

/** Whether `name` is a {@link RuntimeErrorKind}. */
export function isRuntimeErrorKind(name: string): name is RuntimeErrorKind {
  return RUNTIME_KINDS.has(name);
}

/** Raised for a template error Jinja2 would raise too, with the class Jinja2 raises. */
export class TemplateRuntimeError extends Error {
  /** The Jinja2 exception class of this error. */
  readonly kind: RuntimeErrorKind;

  /** Creates the error (a `TypeError` unless `kind` says otherwise). */
  constructor(message: string, kind: RuntimeErrorKind = "TypeError") {
    super(message);
    this.kind = kind;
    // nunjucks re-wraps a render error as "<name>: <message>" and keeps nothing else of it: the
    // name carries the kind (and reads as Jinja2's message does, e.g. "TypeError: …").
    this.name = kind;
  }
}
