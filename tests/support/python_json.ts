/** Runs a Python script that reads one JSON value on stdin and writes one on stdout. */
export async function runPythonJson<T>(
  python: string,
  script: string,
  input: unknown,
  failure: (stderr: string) => string,
): Promise<T> {
  const child = new Deno.Command(python, {
    args: [script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const result = await child.output();
  if (!result.success) throw new Error(failure(new TextDecoder().decode(result.stderr)));
  return JSON.parse(new TextDecoder().decode(result.stdout));
}
