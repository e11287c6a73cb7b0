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
  return frameOf(JSON.stringify(value));
}

/** The frame of a value's JSON text (which has no line break). */
export function frameOf(json: string): string {
  return `${MARK}${json}\n`;
}

/** The value of a frame line, or undefined for a line that is not a frame. */
export function decodeFrame(line: string): unknown {
  const json = frameJson(line);
  return json === undefined ? undefined : JSON.parse(json);
}

/** The JSON text of a frame line, or undefined for a line that is not a frame. */
export function frameJson(line: string): string | undefined {
  return line.startsWith(MARK) ? line.slice(MARK.length) : undefined;
}

/** Splits a text stream into lines (without their line breaks); long lines in linear time. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending: string[] = []; // the current line's text so far, chunk by chunk
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    let start = 0;
    for (let end = chunk.indexOf("\n"); end !== -1; end = chunk.indexOf("\n", start)) {
      pending.push(chunk.slice(start, end));
      yield pending.join("");
      pending = [];
      start = end + 1;
    }
    if (start < chunk.length) pending.push(chunk.slice(start));
  }
  if (pending.length) yield pending.join("");
}
