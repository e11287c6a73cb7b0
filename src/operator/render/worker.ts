/**
 * The render worker: runs templates with no permissions at all (the host starts it with
 * `permissions: "none"`). It receives one {@link RenderRequest} at a time and answers with a
 * {@link RenderResponse}.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type CompiledTemplate, compileTemplate, TemplateError } from "./engine.ts";
import { findUnsafeText } from "./context_guard.ts";
import { ManifestError, ManifestParser } from "./manifests.ts";
import type { KubernetesObject } from "../../shared/kube_object.ts";

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
  /** Output limit in bytes. */
  outputBytes: number;
}

/** The worker's answer (or, once at start, `{ ready: true }`). */
export type RenderResponse =
  | { ready: true }
  | { id: number; ok: true; objects: KubernetesObject[] }
  | { id: number; ok: false; error: { message: string; line?: number; column?: number } };

// nunjucks reads process.env.BUILD_TYPE; this worker has no env permission, so it sees none.
Object.defineProperty(process, "env", { value: Object.freeze({}), configurable: true });

/** Compiled templates by name and source: a template only ever runs its own compiled code. */
const compiled = new Map<string, CompiledTemplate>();
/** One parser per template, so each re-render parses only the documents that changed. */
const parsers = new Map<string, ManifestParser>();
const CACHE_SIZE = 256;

function render(request: RenderRequest): RenderResponse {
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
    const key = `${request.name}\0${request.source}`;
    let template = compiled.get(key);
    if (!template) {
      template = compileTemplate(request.source, request.name);
      if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
      compiled.set(key, template);
    }
    const output = template.render(request.context, request.outputBytes);
    let parser = parsers.get(request.name);
    if (!parser) {
      if (parsers.size >= CACHE_SIZE) parsers.delete(parsers.keys().next().value!);
      parser = new ManifestParser();
      parsers.set(request.name, parser);
    }
    return { id: request.id, ok: true, objects: parser.parse(output) };
  } catch (error) {
    if (error instanceof TemplateError) {
      return {
        id: request.id,
        ok: false,
        error: { message: error.message, line: error.line, column: error.column },
      };
    }
    if (error instanceof ManifestError) {
      return { id: request.id, ok: false, error: { message: `${request.name}: ${error.message}` } };
    }
    return { id: request.id, ok: false, error: { message: `${request.name}: ${String(error)}` } };
  }
}

self.onmessage = (event: MessageEvent<RenderRequest>) => {
  self.postMessage(render(event.data));
};
// Loading this module can take a while (the first time, Deno may compile it): the host starts
// the render time limit only after this message.
self.postMessage({ ready: true });
