/**
 * Jinja2 compatibility, measured against real Jinja2 (Debian's python3-jinja2): every template of
 * the corpus in tests/jinja/ runs with every data set, through Jinja2 and through our engine, and
 * the outputs are compared byte for byte; where both fail, the error classes are compared (our
 * errors carry the class Jinja2 raises: syntax, undefined, type, value, …). Every difference must
 * be documented, per case and kind of difference, in tests/jinja/known-differences.yaml.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { compileTemplate, TemplateError } from "../src/operator/render/engine.ts";
import {
  checkDifferences,
  compareOutcomes,
  type Difference,
  type Outcome,
  parseKnownDifferences,
} from "./jinja/compare.ts";

const DIR = new URL("./jinja/", import.meta.url);
/** Debian's interpreter, which has python3-jinja2 (the `python3` on PATH may be another one). */
const PYTHON = "/usr/bin/python3";

interface Case {
  name: string;
  template: string;
  data: Record<string, unknown>;
}

async function corpus(): Promise<Case[]> {
  const templates = parse(await Deno.readTextFile(new URL("templates.yaml", DIR))) as Record<
    string,
    string
  >;
  const datasets = parse(await Deno.readTextFile(new URL("data.yaml", DIR))) as Record<
    string,
    Record<string, unknown>
  >;
  return Object.entries(templates).flatMap(([name, template]) =>
    Object.entries(datasets).map(([dataName, data]) => ({
      name: `${name}@${dataName}`,
      template,
      data,
    }))
  );
}

async function renderWithJinja(cases: Case[]): Promise<{ version: string; results: Outcome[] }> {
  const child = new Deno.Command(PYTHON, {
    args: [new URL("render_jinja.py", DIR).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(cases)));
  await writer.close();
  const output = await child.output();
  if (!output.success) {
    throw new Error(
      `Cannot run Jinja2 with ${PYTHON} (is python3-jinja2 installed? tools/install-deps.sh ` +
        `installs it): ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

function renderWithUs(testCase: Case): Outcome {
  try {
    return {
      ok: true,
      // A copy: templates may change their data (`items.append(x)`), as Jinja2's copy from JSON.
      output: compileTemplate(testCase.template, testCase.name).render(
        structuredClone(testCase.data),
      ),
    };
  } catch (error) {
    const kind = error instanceof TemplateError ? error.kind : "not a TemplateError";
    return { ok: false, kind, error: String(error) };
  }
}

Deno.test("our renderer matches real Jinja2 on at least 95 % of the corpus", async () => {
  const cases = await corpus();
  assert.ok(cases.length >= 200, `the corpus has only ${cases.length} cases`);
  const jinja = await renderWithJinja(cases);
  const known = parseKnownDifferences(
    parse(await Deno.readTextFile(new URL("known-differences.yaml", DIR))),
  );
  const found = new Map<string, Difference>();
  cases.forEach((testCase, index) => {
    const expected = jinja.results[index];
    const actual = renderWithUs(testCase);
    const difference = compareOutcomes(expected, actual);
    if (!difference) return;
    found.set(testCase.name, difference);
    if (known.get(testCase.name)?.difference !== difference) {
      console.error(
        `${testCase.name}: ${difference}\n  jinja2: ${JSON.stringify(expected)}\n  ours:   ${
          JSON.stringify(actual)
        }`,
      );
    }
  });
  const identical = cases.length - found.size;
  const score = identical / cases.length;
  console.log(
    `Jinja2 ${jinja.version}: ${identical}/${cases.length} identical (${
      (score * 100).toFixed(1)
    } %; both failing counts only with the same error class)`,
  );
  const { undocumented, stale } = checkDifferences(found, known);
  assert.deepEqual(
    undocumented,
    [],
    "every difference must be documented, with its kind, in known-differences.yaml",
  );
  assert.deepEqual(stale, [], "known-differences.yaml lists differences that no longer occur");
  assert.ok(score >= 0.95, `compatibility ${(score * 100).toFixed(1)} % is below 95 %`);
});
