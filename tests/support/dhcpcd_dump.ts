/**
 * dhcpcd as an oracle: `dhcpcd -f /dev/null -4|-6 -U < FILE` prints the variables dhcpcd would
 * give its hooks for a lease read from standard input, without touching any interface, starting
 * a daemon or running a hook. Without `stdbuf -o0` it prints nothing into a pipe; with empty
 * input it asks a running daemon instead (so it is never given one).
 *
 * @module
 */

/** What dhcpcd printed for one file: its variables in order, and its exit status. */
export interface Dump {
  /** `name=value` lines in order (a variable may repeat: dhcpcd numbers DHCPv6 IAs oddly). */
  variables: [string, string][];
  /** dhcpcd's exit status. */
  code: number;
}

/**
 * Dumps every file with dhcpcd, `parallel` shell loops at a time (one dhcpcd process per file,
 * but no Deno process per file). Files must not be empty.
 */
export async function dumpWithDhcpcd(
  files: readonly { path: string; family: 4 | 6 }[],
  parallel = 2,
): Promise<Dump[]> {
  const chunks: number[][] = Array.from({ length: parallel }, () => []);
  files.forEach((_, index) => chunks[index % parallel].push(index));
  const dumps: Dump[] = new Array(files.length);
  await Promise.all(chunks.map(async (indexes) => {
    // One line per file: "family path"; the loop marks each dump with its index and status.
    const list = indexes.map((index) => `${index} ${files[index].family} ${files[index].path}`)
      .join("\n");
    const script = 'while read -r index family path; do echo "@@@ $index"; ' +
      'stdbuf -o0 dhcpcd -f /dev/null -"$family" -U < "$path" 2>/dev/null; rc=$?; echo; ' +
      'echo "@@@ rc $rc"; done';
    const child = new Deno.Command("sh", {
      args: ["-c", script],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${list}\n`));
    await writer.close();
    const { stdout, success } = await child.output();
    if (!success) throw new Error("the dhcpcd loop failed");
    let current: Dump | undefined;
    for (const line of new TextDecoder().decode(stdout).split("\n")) {
      const start = /^@@@ (\d+)$/.exec(line);
      const end = /^@@@ rc (\d+)$/.exec(line);
      if (start) {
        current = { variables: [], code: -1 };
        dumps[Number(start[1])] = current;
      } else if (end && current) {
        current.code = Number(end[1]);
      } else if (current && line !== "") {
        current.variables.push(...parseLine(line));
      }
    }
  }));
  return dumps;
}

/**
 * One printed line. When dhcpcd fails to print an option it leaves the line open, and the next
 * variable follows with its `new_` prefix (`classless_static_routes=new_routers=10.0.0.1`): the
 * failed variable then has no value (`undefined`).
 */
function parseLine(line: string): [string, string][] {
  const equals = line.indexOf("=");
  if (equals < 0) return [];
  const name = line.slice(0, equals);
  const value = line.slice(equals + 1);
  const glued = /^(.*?)new_([a-z0-9_]+=.*)$/.exec(value);
  if (glued) return [[name, "\u0000failed"], ...parseLine(glued[2])];
  return [[name, value]];
}
