/**
 * Differential testing of the IP helpers against the real Ansible filters: the same templates
 * rendered by Jinja2 with `ansible.utils`' filters and tests (one Python process,
 * `render_ansible.py`, in the virtualenv `tools/ansible-venv.sh` makes) and by our renderer.
 *
 * @module
 */
import { compileTemplate } from "../../src/operator/render/engine.ts";
import { runPythonJson } from "../support/python_json.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SCRIPT = new URL("./render_ansible.py", import.meta.url).pathname;

/** What rendering one template gave. */
export type Outcome = { ok: true; output: string } | { ok: false; error: string };

/** The Python interpreter of the Ansible virtualenv (created on first use). */
export async function ansiblePython(): Promise<string> {
  const result = await new Deno.Command("bash", {
    args: [`${ROOT}tools/ansible-venv.sh`],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!result.success) {
    throw new Error("tools/ansible-venv.sh could not create the Ansible virtualenv");
  }
  return new TextDecoder().decode(result.stdout).trim();
}

/** Renders every template with Jinja2 and the real Ansible IP filters. */
export async function renderWithAnsible(
  templates: string[],
): Promise<{ versions: Record<string, string>; outcomes: Outcome[] }> {
  return await runPythonJson(
    await ansiblePython(),
    SCRIPT,
    { data: {}, templates },
    (stderr) => `render_ansible.py failed: ${stderr}`,
  );
}

/** Renders one template with our renderer. */
export function renderWithUs(template: string): Outcome {
  try {
    return { ok: true, output: compileTemplate(template).render({}) };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
}

/** An outcome, readably. */
export function show(outcome: Outcome): string {
  return outcome.ok ? JSON.stringify(outcome.output) : `error: ${outcome.error.slice(0, 160)}`;
}
