/**
 * The base of every error this project throws on purpose: a message written as
 * `Cannot <verb> "<value>": <detail>` and the context needed to act on it.
 *
 * @module
 */

/** An error of dhcp-template with a machine-readable code and the context it happened in. */
export class DhcpTemplateError extends Error {
  /** Where it happened: file, node, template, line, … (only what is known). */
  readonly context: Readonly<Record<string, string | number>>;

  /** Creates the error; `context` names the file, node, template or line involved. */
  constructor(
    message: string,
    context: Record<string, string | number> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
    this.context = context;
  }
}
