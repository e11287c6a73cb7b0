/**
 * Differential testing against real Jinja2: the same templates rendered by Jinja2 (one Python
 * process for the whole batch, `render_expressions.py`) and by our renderer; outputs must be
 * identical, and where one fails the other must fail in the same phase (a syntax error at compile
 * time, an error at render time) and, at render time, with the same error class (our
 * `TemplateError.kind`, see `compare.ts`). Results past 1 MB, and Python's MemoryError and OverflowError,
 * only need an error or an oversized result on our side.
 *
 * @module
 */
import { compileTemplate, TemplateError } from "../../src/operator/render/engine.ts";
import { jinjaKind } from "./compare.ts";

/** Debian's interpreter, which has python3-jinja2 (the `python3` on PATH may be another one). */
const PYTHON = "/usr/bin/python3";
const SCRIPT = new URL("./render_expressions.py", import.meta.url).pathname;
const MAX_OUTPUT = 1 << 20;

/** What rendering one template gave. */
export type Outcome =
  | { ok: true; output: string }
  | { ok: false; phase: "compile" | "render" | "resource"; kind?: string; error: string };

/** A template whose outcome differs. */
export interface Difference {
  template: string;
  jinja: Outcome;
  ours: Outcome;
}

/** Renders every template with real Jinja2 and `data`. */
export async function renderWithJinja(
  templates: string[],
  data: Record<string, unknown>,
): Promise<{ version: string; outcomes: Outcome[] }> {
  const child = new Deno.Command(PYTHON, {
    args: [SCRIPT],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify({ data, templates })));
  await writer.close();
  const result = await child.output();
  if (!result.success) {
    throw new Error(
      `Cannot run Jinja2 with ${PYTHON} (is python3-jinja2 installed? tools/install-deps.sh ` +
        `installs it): ${new TextDecoder().decode(result.stderr)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(result.stdout));
}

/** Renders one template with our renderer. */
export function renderWithUs(template: string, data: Record<string, unknown>): Outcome {
  let compiled;
  try {
    compiled = compileTemplate(template);
  } catch (error) {
    return { ok: false, phase: "compile", error: String(error) };
  }
  try {
    return { ok: true, output: compiled.render(structuredClone(data), MAX_OUTPUT) };
  } catch (error) {
    const resource = error instanceof RangeError || /exceeds the limit/.test(String(error));
    const kind = error instanceof TemplateError ? error.kind : "not a TemplateError";
    return { ok: false, phase: resource ? "resource" : "render", kind, error: String(error) };
  }
}

/** Whether two outcomes agree (see the module's description). */
export function agree(jinja: Outcome, ours: Outcome): boolean {
  if (jinja.ok && ours.ok) return jinja.output === ours.output;
  if (!jinja.ok && jinja.phase === "resource") return !ours.ok;
  if (!ours.ok && ours.phase === "resource") return !jinja.ok && jinja.phase === "render";
  if (jinja.ok || ours.ok || jinja.phase !== ours.phase) return false;
  return jinja.phase !== "render" || jinjaKind(jinja.kind ?? "") === ours.kind;
}

/** Renders every template with both and returns the differences. */
export async function differences(
  templates: string[],
  data: Record<string, unknown>,
): Promise<{ version: string; differences: Difference[] }> {
  const jinja = await renderWithJinja(templates, data);
  const found: Difference[] = [];
  templates.forEach((template, index) => {
    const ours = renderWithUs(template, data);
    if (!agree(jinja.outcomes[index], ours)) {
      found.push({ template, jinja: jinja.outcomes[index], ours });
    }
  });
  return { version: jinja.version, differences: found };
}

/** A difference, readably. */
export function describe(difference: Difference): string {
  const show = (outcome: Outcome) =>
    outcome.ok ? JSON.stringify(outcome.output) : `${outcome.phase} error: ${outcome.error}`;
  return `${difference.template}\n  jinja2: ${show(difference.jinja)}\n  ours:   ${
    show(difference.ours)
  }`;
}
