/**
 * Jinja2 compatibility, measured against real Jinja2 (Debian's python3-jinja2): every template of
 * the corpus in tests/jinja/ runs with every data set, through Jinja2 and through our engine, and
 * the outputs are compared byte for byte (a case where both fail counts as identical).
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { compileTemplate } from "../src/operator/render/engine.ts";

const DIR = new URL("./jinja/", import.meta.url);
/** Debian's interpreter, which has python3-jinja2 (the `python3` on PATH may be another one). */
const PYTHON = "/usr/bin/python3";

interface Case {
  name: string;
  template: string;
  data: Record<string, unknown>;
}
type Outcome = { ok: true; output: string } | { ok: false; error: string };

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
    return { ok: false, error: String(error) };
  }
}

Deno.test("our renderer matches real Jinja2 on at least 95 % of the corpus", async () => {
  const cases = await corpus();
  assert.ok(cases.length >= 200, `the corpus has only ${cases.length} cases`);
  const jinja = await renderWithJinja(cases);
  // An empty list (only comments) parses as null.
  const known = (parse(await Deno.readTextFile(new URL("known-differences.yaml", DIR))) ??
    {}) as Record<string, string>;
  const differing: string[] = [];
  cases.forEach((testCase, index) => {
    const expected = jinja.results[index];
    const actual = renderWithUs(testCase);
    const same = expected.ok && actual.ok
      ? expected.output === actual.output
      : !expected.ok && !actual.ok;
    if (!same) differing.push(testCase.name);
    if (!same && !(testCase.name.split("@")[0] in known)) {
      console.error(
        `${testCase.name}\n  jinja2: ${JSON.stringify(expected)}\n  ours:   ${
          JSON.stringify(actual)
        }`,
      );
    }
  });
  const identical = cases.length - differing.length;
  const score = identical / cases.length;
  console.log(
    `Jinja2 ${jinja.version}: ${identical}/${cases.length} identical (${
      (score * 100).toFixed(1)
    } %)`,
  );
  const undocumented = differing.filter((name) => !(name.split("@")[0] in known));
  assert.deepEqual(
    undocumented,
    [],
    "every difference must be documented in known-differences.yaml",
  );
  assert.ok(score >= 0.95, `compatibility ${(score * 100).toFixed(1)} % is below 95 %`);
});
