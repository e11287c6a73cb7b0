/**
 * The IP helpers against the real Ansible filters (`ansible.utils` with netaddr, in the
 * virtualenv `tools/ansible-venv.sh` makes): seeded cases (tests/ip/cases.ts) rendered by Jinja2
 * with Ansible's filters (one Python process) and by our renderer must agree, except where a
 * documented difference (tests/ip/differences.ts, the table in src/operator/render/README.md)
 * explains it. Every documented difference must still occur, and the README's table must be the
 * one that list makes, and its stated count of identical cases the measured one.
 */
import assert from "node:assert/strict";
import { ipCases } from "./ip/cases.ts";
import { renderWithAnsible, renderWithUs, show } from "./ip/differential.ts";
import { differencesTable, KNOWN_DIFFERENCES } from "./ip/differences.ts";

/** Fixed, so that a failure reproduces. */
const SEED = 1;
const CASES = 4_000;
const README = new URL("../src/operator/render/README.md", import.meta.url);

Deno.test(`${CASES} IP helper cases render as with Ansible's filters, or as documented`, async () => {
  const cases = ipCases(SEED, CASES);
  assert.equal(cases.length, CASES);
  const { versions, outcomes } = await renderWithAnsible(cases.map((item) => item.template));
  assert.equal(outcomes.length, CASES);
  let identical = 0;
  const explained = KNOWN_DIFFERENCES.map(() => 0);
  const unexplained: string[] = [];
  cases.forEach(({ helper, template }, index) => {
    const ansible = outcomes[index];
    const ours = renderWithUs(template);
    const agree = ansible.ok && ours.ok ? ansible.output === ours.output : !ansible.ok && !ours.ok;
    if (agree) {
      identical++;
      return;
    }
    const known = KNOWN_DIFFERENCES.findIndex((difference) =>
      difference.explains(helper, template, ansible, ours)
    );
    if (known >= 0) explained[known]++;
    else unexplained.push(`${template}\n  ansible: ${show(ansible)}\n  ours:    ${show(ours)}`);
  });
  console.log(
    `Ansible ${JSON.stringify(versions)}: ${identical}/${CASES} identical, documented ` +
      `differences ${JSON.stringify(explained)}, undocumented ${unexplained.length}`,
  );
  assert.deepEqual(unexplained, []);
  const readme = await Deno.readTextFile(README);
  const stated = /\*\*([\d,]+) \/ ([\d,]+) identical\*\*/.exec(readme)?.slice(1);
  assert.deepEqual(
    stated,
    [identical, CASES].map((n) => n.toLocaleString("en-US")),
    "README count",
  );
  const unseen = KNOWN_DIFFERENCES.filter((_, index) => explained[index] === 0);
  assert.deepEqual(unseen.map((difference) => difference.helpers), [], "stale documented rows");
});

Deno.test("the render README's table of differences is the documented list", async () => {
  const readme = await Deno.readTextFile(README);
  const begin = "<!-- ip-differences: generated from tests/ip/differences.ts -->";
  const start = readme.indexOf(begin);
  assert.ok(start >= 0, `the README has no "${begin}" marker`);
  const rows = (text: string) =>
    text.split("\n").filter((line) => line.startsWith("|") && !/^\|[\s|:-]+\|$/.test(line))
      .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim()).join("|"));
  const tableText = readme.slice(start + begin.length).trimStart().split("\n\n")[0];
  assert.deepEqual(rows(tableText), rows(differencesTable()));
});
