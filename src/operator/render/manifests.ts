/**
 * Turns a template's rendered output (a multi-document YAML stream) into Kubernetes objects.
 * Every document must be a mapping with `apiVersion`, `kind` and `metadata.name`; empty documents
 * are skipped. Errors name the document and the line in the output. Pure.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import type { KubernetesObject } from "../../shared/kube_object.ts";

/** The rendered output is not a stream of Kubernetes objects. */
export class ManifestError extends Error {
  /** Line in the rendered output (1-based). */
  readonly line?: number;
  /** Column in the rendered output (1-based). */
  readonly column?: number;

  /** Creates the error for document number `document` (1-based). */
  constructor(document: number, detail: string, line?: number, column?: number) {
    const where = line ? ` (output line ${line}${column ? `, column ${column}` : ""})` : "";
    super(`Cannot read rendered document ${document}${where}: ${detail}`);
    this.name = "ManifestError";
    this.line = line;
    this.column = column;
  }
}

/** Parses the rendered stream into objects (no cache; see {@link ManifestParser}). */
export function parseManifests(output: string): KubernetesObject[] {
  return new ManifestParser().parse(output);
}

/**
 * Parses rendered streams, remembering the documents of the previous stream: a re-render after a
 * lease change differs in a few documents, and only those are parsed again.
 */
export class ManifestParser {
  #previous = new Map<string, unknown[]>();

  /** Parses the stream into objects; throws {@link ManifestError}. */
  parse(output: string): KubernetesObject[] {
    const objects: KubernetesObject[] = [];
    const current = new Map<string, unknown[]>();
    let number = 0;
    for (const chunk of splitDocuments(output)) {
      const values = this.#previous.get(chunk.text) ?? current.get(chunk.text) ??
        parseChunk(chunk.text, chunk.firstLine, number);
      current.set(chunk.text, values);
      for (const value of values) {
        number++;
        if (value !== null && value !== undefined) objects.push(value as KubernetesObject);
      }
    }
    this.#previous = current;
    return objects;
  }
}

/**
 * Splits a stream before every document marker (`---` or `...` at the start of a line; YAML
 * forbids them at the start of a line inside content, so this never cuts a document).
 */
function splitDocuments(output: string): { text: string; firstLine: number }[] {
  const chunks: { text: string; firstLine: number }[] = [];
  let start = 0;
  let firstLine = 1;
  let line = 1;
  const marker = /^(?:---|\.\.\.)(?=\s|$)/gm;
  for (let match = marker.exec(output); match; match = marker.exec(output)) {
    if (match.index > start) {
      line += countNewlines(output, start, match.index);
      chunks.push({ text: output.slice(start, match.index), firstLine });
      firstLine = line;
      start = match.index;
    }
  }
  chunks.push({ text: output.slice(start), firstLine });
  return chunks;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (
    let index = text.indexOf("\n", from);
    index >= 0 && index < to;
    index = text.indexOf("\n", index + 1)
  ) {
    count++;
  }
  return count;
}

/** Parses and checks the documents of one chunk; `before` documents came earlier. */
function parseChunk(text: string, firstLine: number, before: number): unknown[] {
  const lineOf = (offset: number) => firstLine + countNewlines(text, 0, offset);
  return parseAllDocuments(text, { uniqueKeys: true }).map((document, index) => {
    const number = before + index + 1;
    const [error] = document.errors;
    if (error) {
      const position = error.linePos?.[0];
      throw new ManifestError(
        number,
        // The library's message ends with its own position, counted in this chunk: drop it.
        error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, ""),
        position ? position.line + firstLine - 1 : undefined,
        position?.col,
      );
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return value;
    const line = () => lineOf(document.contents?.range?.[0] ?? document.range[0]);
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new ManifestError(number, "a document must be a mapping (a Kubernetes object)", line());
    }
    const object = value as Record<string, unknown>;
    const metadata = object.metadata as Record<string, unknown> | undefined;
    for (
      const [field, present] of [
        ["apiVersion", typeof object.apiVersion === "string" && object.apiVersion !== ""],
        ["kind", typeof object.kind === "string" && object.kind !== ""],
        ["metadata.name", typeof metadata?.name === "string" && metadata.name !== ""],
      ] as const
    ) {
      if (!present) throw new ManifestError(number, `${field} is missing or not a string`, line());
    }
    return object;
  });
}
