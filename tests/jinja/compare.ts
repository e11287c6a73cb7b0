/**
 * How a render of ours compares with real Jinja2's, and how that is checked against the documented
 * known differences (`known-differences.yaml`). Pure.
 *
 * @module
 */
import type { TemplateErrorKind } from "../../src/operator/render/errors.ts";

/** What one renderer made of a case: the output, or the error and its Jinja2 class. */
export type Outcome = { ok: true; output: string } | { ok: false; kind: string; error: string };

/**
 * How our outcome differs from Jinja2's: `output` (both render, differently), `we-fail` (we raise,
 * Jinja2 renders), `we-render` (Jinja2 raises, we render), `error-kind` (both raise, different
 * classes).
 */
export type Difference = "output" | "we-fail" | "we-render" | "error-kind";

/** The differences a known-differences entry may name. */
export const DIFFERENCES: readonly Difference[] = ["output", "we-fail", "we-render", "error-kind"];

/** A documented difference of one case (`template@dataset`). */
export interface KnownDifference {
  /** The difference expected. */
  difference: Difference;
  /** Why it is accepted. */
  reason: string;
}

/**
 * Jinja2's classes that our errors report under another kind: the subclasses Jinja2 raises for
 * what we treat as their base class.
 */
const JINJA_KIND_ALIASES: Record<string, TemplateErrorKind> = {
  TemplateAssertionError: "TemplateSyntaxError",
  FilterArgumentError: "TemplateRuntimeError",
  SecurityError: "TemplateRuntimeError",
};

/** Our kind for a Jinja2 exception class name. */
export function jinjaKind(className: string): string {
  return JINJA_KIND_ALIASES[className] ?? className;
}

/** How `ours` differs from `jinja`, or undefined when they are the same. */
export function compareOutcomes(jinja: Outcome, ours: Outcome): Difference | undefined {
  if (jinja.ok && ours.ok) return jinja.output === ours.output ? undefined : "output";
  if (jinja.ok) return "we-fail";
  if (ours.ok) return "we-render";
  return jinjaKind(jinja.kind) === ours.kind ? undefined : "error-kind";
}

/**
 * The corpus cases of `known-differences.yaml` (its `cases` section), checked; throws on an entry
 * that is not well-formed.
 */
export function parseKnownDifferences(file: unknown): Map<string, KnownDifference> {
  const entries = new Map<string, KnownDifference>();
  const value = (file as { cases?: unknown } | null)?.cases;
  if (value === null || value === undefined) return entries;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error("known-differences.yaml: `cases` must map `template@dataset` to an entry");
  }
  for (const [name, entry] of Object.entries(value)) {
    const { difference, reason } = (entry ?? {}) as Record<string, unknown>;
    if (!name.includes("@")) throw new Error(`${name}: the key must be a case, template@dataset`);
    if (!DIFFERENCES.includes(difference as Difference)) {
      throw new Error(`${name}: difference must be one of ${DIFFERENCES.join(", ")}`);
    }
    if (typeof reason !== "string" || reason.trim() === "") {
      throw new Error(`${name}: the reason is missing`);
    }
    entries.set(name, { difference: difference as Difference, reason });
  }
  return entries;
}

/** What the comparison of the corpus found against the documented differences. */
export interface Verdict {
  /** Cases whose difference is not documented, or documented as another one. */
  undocumented: string[];
  /** Documented cases that no longer differ as documented (or are not in the corpus). */
  stale: string[];
}

/** Checks the found differences (case → difference) against the documented ones. */
export function checkDifferences(
  found: ReadonlyMap<string, Difference>,
  known: ReadonlyMap<string, KnownDifference>,
): Verdict {
  const undocumented = [...found]
    .filter(([name, difference]) => known.get(name)?.difference !== difference)
    .map(([name, difference]) => `${name}: ${difference}`);
  const stale = [...known]
    .filter(([name, entry]) => found.get(name) !== entry.difference)
    .map(([name, entry]) => `${name}: ${entry.difference}`);
  return { undocumented, stale };
}
