/**
 * The wire format between the operator and its render process: one JSON value per line, marked
 * with a leading U+001E (record separator) so that anything else the process prints (a runtime
 * warning) is never taken for an answer. Pure.
 *
 * @module
 */

const MARK = "\u001e";

/** One frame: the marked JSON text of `value` and a line break. */
export function encodeFrame(value: unknown): string {
  return `${MARK}${JSON.stringify(value)}\n`;
}

/** The value of a frame line, or undefined for a line that is not a frame. */
export function decodeFrame(line: string): unknown {
  return line.startsWith(MARK) ? JSON.parse(line.slice(MARK.length)) : undefined;
}

/** Splits a text stream into lines (without their line breaks). */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}
