/**
 * Structured logging for the agent and the operator: one line per record, as JSON (for log
 * collectors) or as human-readable text. Records carry fields such as `node` and `template`;
 * {@link Logger.child} makes a logger that adds fields to every record it writes.
 *
 * Errors in fields are written with their message, their typed context
 * ({@link DhcpTemplateError.context}) and their causes; unexpected errors (not a
 * `DhcpTemplateError`) also carry their stack, because they are bugs.
 *
 * @module
 */
import { DhcpTemplateError } from "./errors.ts";
import { LOG_FORMATS, LOG_LEVELS } from "./flags.ts";

/** How important a record is, from `debug` (most verbose) to `error`. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The output format: `text` for people, `json` for log collectors (one object per line). */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Named values attached to a record (`node`, `template`, `error`, …). */
export type LogFields = Record<string, unknown>;

/** One log record before formatting. */
export interface LogRecord {
  /** When it was logged. */
  time: Date;
  /** Its level. */
  level: LogLevel;
  /** What happened, a short sentence. */
  message: string;
  /** Named values: the logger's own fields first, then the call's. */
  fields: LogFields;
}

/** Writes structured records; created by {@link createLogger}. */
export interface Logger {
  /** Logs details that help while debugging. */
  debug(message: string, fields?: LogFields): void;
  /** Logs a normal event. */
  info(message: string, fields?: LogFields): void;
  /** Logs something unexpected that the process recovers from. */
  warn(message: string, fields?: LogFields): void;
  /** Logs a failure that needs attention. */
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every record (the call's fields win on equal names). */
  child(fields: LogFields): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Output format. */
  format: LogFormat;
  /** Records below this level are dropped. */
  level: LogLevel;
  /** Receives each formatted line, without a trailing newline (default: standard error). */
  sink?: (line: string) => void;
  /** The clock (default: the current time); tests pass a fixed one. */
  now?: () => Date;
}

/** JSON keys of a record itself; fields with these names are written as `field.<name>`. */
const RECORD_KEYS = new Set(["time", "level", "msg"]);

/** Creates a logger writing records at or above `options.level` in `options.format`. */
export function createLogger(options: LoggerOptions): Logger {
  const sink = options.sink ?? ((line: string) => console.error(line));
  const now = options.now ?? (() => new Date());
  const threshold = LOG_LEVELS.indexOf(options.level);
  const make = (base: LogFields): Logger => {
    const write = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      sink(
        formatRecord(
          { time: now(), level, message, fields: { ...base, ...fields } },
          options.format,
        ),
      );
    };
    return {
      debug: write("debug"),
      info: write("info"),
      warn: write("warn"),
      error: write("error"),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make({});
}

/** Formats one record as a single JSON line or a text line (text adds stack lines of bugs). */
export function formatRecord(record: LogRecord, format: LogFormat): string {
  return format === "json" ? formatJson(record) : formatText(record);
}

function formatJson({ time, level, message, fields }: LogRecord): string {
  const line: Record<string, unknown> = { time: time.toISOString(), level, msg: message };
  for (const [name, value] of Object.entries(fields)) {
    line[RECORD_KEYS.has(name) ? `field.${name}` : name] = plain(value);
  }
  return stringify(line);
}

function formatText({ time, level, message, fields }: LogRecord): string {
  const parts = [time.toISOString(), level.toUpperCase().padEnd(5), message];
  const stacks: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      const error = describeError(value);
      parts.push(`${name}=${textValue(error.message)}`);
      for (const [key, detail] of Object.entries(error.context ?? {})) {
        parts.push(`${name}.${key}=${textValue(detail)}`);
      }
      if (error.stack) stacks.push(indent(error.stack));
    } else {
      parts.push(`${name}=${textValue(plain(value))}`);
    }
  }
  return [parts.join(" "), ...stacks].join("\n");
}

/** An error as logs show it. */
interface ErrorDescription {
  /** The message, followed by the messages of its causes (`: caused by …`). */
  message: string;
  /** Its error class. */
  type: string;
  /** The typed context of a {@link DhcpTemplateError}. */
  context?: Record<string, string | number>;
  /** The stack of an unexpected error. */
  stack?: string;
}

/** The apiserver's own words from a client-node `ApiException` (HTTP code and Status message). */
function apiserverAnswer(error: Error): string | undefined {
  const { code, body } = error as Error & { code?: unknown; body?: unknown };
  if (typeof code !== "number" || body === undefined) return undefined;
  let status: unknown = body;
  if (typeof body === "string") {
    try {
      status = JSON.parse(body);
    } catch {
      status = { message: body };
    }
  }
  const reason = (status as { message?: unknown } | null)?.message;
  return `the apiserver answered HTTP ${code}${typeof reason === "string" ? `: ${reason}` : ""}`;
}

function describeError(error: Error): ErrorDescription {
  const answer = apiserverAnswer(error);
  if (answer) return { message: answer, type: error.name };
  let message = error.message;
  const seen = new Set<unknown>([error]);
  for (let cause = error.cause; cause !== undefined && !seen.has(cause); cause = causeOf(cause)) {
    seen.add(cause);
    message += `: caused by ${cause instanceof Error ? cause.message : String(cause)}`;
  }
  if (error instanceof DhcpTemplateError) {
    const context = Object.keys(error.context).length > 0 ? { ...error.context } : undefined;
    return { message, type: error.name, ...(context ? { context } : {}) };
  }
  if (isEnvironmentError(error)) return { message, type: error.name };
  return { message, type: error.name, ...(error.stack ? { stack: error.stack } : {}) };
}

/** A failure of the outside world (a refused connection, a timeout), not a bug: no stack. */
function isEnvironmentError(error: Error): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (typeof (cause as Error & { code?: unknown }).code === "string") return true;
  }
  return false;
}

function causeOf(value: unknown): unknown {
  return value instanceof Error ? value.cause : undefined;
}

/** A value that JSON can hold: errors described, dates as ISO text, big integers as text. */
function plain(value: unknown): unknown {
  if (value instanceof Error) return describeError(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** JSON of a value; cycles and values JSON cannot hold become descriptive text. */
function stringify(value: unknown): string {
  const ancestors: unknown[] = [];
  return JSON.stringify(value, function (this: unknown, _key, inner: unknown) {
    if (typeof inner !== "object" || inner === null) return plain(inner);
    while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
    if (ancestors.includes(inner)) return "[circular]";
    const result = plain(inner);
    ancestors.push(result);
    return result;
  }) ?? "null";
}

/** A field value in text format: bare when it is a simple word, else quoted JSON. */
function textValue(value: unknown): string {
  if (typeof value === "string") {
    return /^[\w.:\/@+\[\]-]+$/.test(value) ? value : JSON.stringify(value);
  }
  return stringify(value);
}

function indent(text: string): string {
  return text.split("\n").map((line) => `    ${line}`).join("\n");
}
