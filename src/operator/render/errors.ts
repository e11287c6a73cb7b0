/**
 * The error a template raises at render time where Jinja2 raises one too (a TypeError, a
 * ValueError, an UndefinedError, …). Pure.
 *
 * @module
 */

/** Raised for a template error Jinja2 would raise too. */
export class TemplateRuntimeError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "TemplateRuntimeError";
  }
}
