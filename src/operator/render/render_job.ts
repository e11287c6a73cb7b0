/**
 * One render job as the render worker runs it: refuse node data that could inject YAML, compile
 * the template (cached by source), render it within the output limit and parse the output into
 * Kubernetes objects (a parser per template, so a re-render parses only changed documents).
 * No I/O; the worker (`worker.ts`) runs it, and the render benchmark runs it in-process.
 *
 * @module
 */
import type { KubernetesObject } from "../../shared/kube_object.ts";
import { findUnsafeText } from "./context_guard.ts";
import { type CompiledTemplate, compileTemplate, TemplateError } from "./engine.ts";
import { ManifestError, ManifestParser } from "./manifests.ts";

/** A render job. */
export interface RenderRequest {
  /** Correlates the answer. */
  id: number;
  /** Template name, for messages. */
  name: string;
  /** Template source. */
  source: string;
  /** Template variables. */
  context: Record<string, unknown>;
  /** Output limit in UTF-8 bytes. */
  outputBytes: number;
}

/** The answer to a {@link RenderRequest}. */
export type RenderAnswer =
  | { id: number; ok: true; objects: KubernetesObject[] }
  | { id: number; ok: false; error: { message: string; line?: number; column?: number } };

/** How many compiled templates and parsers are kept. */
const CACHE_SIZE = 256;

/** Runs render jobs, keeping compiled templates and manifest parsers between them. */
export class RenderJobs {
  readonly #compiled = new Map<string, CompiledTemplate>();
  readonly #parsers = new Map<string, ManifestParser>();

  /** Runs one job; every failure becomes an answer with the template's name. */
  run(request: RenderRequest): RenderAnswer {
    const unsafe = findUnsafeText(request.context.nodes, "nodes");
    if (unsafe) {
      return {
        id: request.id,
        ok: false,
        error: {
          message: `${request.name}: not rendered: ${unsafe} holds a line break or another ` +
            "control character, which could inject YAML into the output",
        },
      };
    }
    try {
      // By name and source: a template only ever runs its own compiled code.
      const template = cached(
        this.#compiled,
        `${request.name}\0${request.source}`,
        () => compileTemplate(request.source, request.name),
      );
      const output = template.render(request.context, request.outputBytes);
      const parser = cached(this.#parsers, request.name, () => new ManifestParser());
      return { id: request.id, ok: true, objects: parser.parse(output) };
    } catch (error) {
      if (error instanceof TemplateError) {
        return {
          id: request.id,
          ok: false,
          error: { message: error.message, line: error.line, column: error.column },
        };
      }
      const message = error instanceof ManifestError ? error.message : String(error);
      return { id: request.id, ok: false, error: { message: `${request.name}: ${message}` } };
    }
  }
}

/** The entry of `key`, made by `make` (dropping the oldest entry when the cache is full). */
function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, value);
  }
  return value;
}
