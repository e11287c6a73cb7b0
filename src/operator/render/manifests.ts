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

/** Parses the rendered stream into objects. */
export function parseManifests(output: string): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  const lineOf = (offset: number) => output.slice(0, offset).split("\n").length;
  parseAllDocuments(output, { uniqueKeys: true }).forEach((document, index) => {
    const number = index + 1;
    const [error] = document.errors;
    if (error) {
      const position = error.linePos?.[0];
      throw new ManifestError(number, error.message.split("\n")[0], position?.line, position?.col);
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
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
    objects.push(object as unknown as KubernetesObject);
  });
  return objects;
}
