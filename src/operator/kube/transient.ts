/**
 * Which failures of an apiserver request pass by themselves: the apiserver is starting or
 * overloaded (HTTP 429 "storage is (re)initializing", 503, 502, 504) or cannot be reached for a
 * moment (connection refused or reset, a request timeout). They are retried with backoff and
 * logged quietly; every other failure needs a person and is an error.
 *
 * @module
 */

/** HTTP answers that mean "try again later". */
const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);

/** Node.js and undici error codes of a connection that failed or dropped. */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** Deno's fetch reports connection failures only in its message. */
const TRANSIENT_MESSAGE = /connection refused|connection reset|connection closed|broken pipe/i;

/** Whether `error` (or one of its causes) is an apiserver failure that passes by itself. */
export function isTransient(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let cause = error; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
    seen.add(cause);
    const { code, status, statusCode } = cause as Error & {
      code?: unknown;
      status?: unknown;
      statusCode?: unknown;
    };
    for (const value of [code, status, statusCode]) {
      if (typeof value === "number" && TRANSIENT_STATUS.has(value)) return true;
    }
    if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
    if (cause.name === "TimeoutError" || TRANSIENT_MESSAGE.test(cause.message)) return true;
  }
  return false;
}
