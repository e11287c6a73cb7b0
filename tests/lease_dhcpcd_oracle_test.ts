/**
 * dhcpcd as a differential oracle for the lease decoder: 1,200 seeded, varied and malformed lease
 * files (tests/support/generated_leases.ts) decoded by ours and dumped by dhcpcd 9
 * (`dhcpcd -f /dev/null -4|-6 -U < FILE`); addresses, prefixes, lifetimes, routers and routes,
 * DNS servers, domain and search list are compared. dhcpcd prints the raw values, we apply the
 * RFCs: every difference must be explained by one of the accepted differences listed, with their
 * RFC sections, in tests/lease_dhcpcd_differences.md (and each is tied here to the warning or
 * error our decoder gives for it). The test first checks that dhcpcd leaves the host alone.
 */
import assert from "node:assert/strict";
import { decodeLease4, decodeLease6 } from "../src/agent/lease/mod.ts";
import type { Lease4, Lease6 } from "../src/shared/model.ts";
import { type Dump, dumpWithDhcpcd } from "./support/dhcpcd_dump.ts";
import { generateLeases } from "./support/generated_leases.ts";

const SEED = 20261203;
const COUNT = 1200;
const DIFFERENCES = new URL("./lease_dhcpcd_differences.md", import.meta.url);

/** What one side made of a lease: field → normalized text; undefined when it refused the lease. */
type View = Map<string, string> | undefined;

/** What our decoder said about a lease. */
interface Ours {
  view: View;
  warnings: string[];
  error?: string;
}

/** An accepted difference: which fields it explains, and when it applies. */
interface Rule {
  id: string;
  fields: readonly string[] | "all";
  applies: (ours: Ours, theirs: Map<string, string>, field: string) => boolean;
}

const warned = (pattern: RegExp) => (ours: Ours) => ours.warnings.some((w) => pattern.test(w));
const refused = (pattern: RegExp) => (ours: Ours) => pattern.test(ours.error ?? "");

/** The DHCPv4 options each compared field comes from. */
const OPTIONS_OF_FIELD: Record<string, string> = {
  routers: "3",
  dns: "6",
  ntp: "42",
  classless_routes: "121|249",
  static_routes: "33",
  t1: "58",
  t2: "59",
  len: "1",
};

const RULES: Rule[] = [
  {
    id: "rfc3442-ignores-routers",
    fields: ["routers", "static_routes"],
    applies: (_, theirs) => (theirs.get("classless_routes") ?? "") !== "",
  },
  {
    id: "route-host-bits",
    fields: ["classless_routes"],
    applies: warned(/route .* has host bits/),
  },
  {
    id: "static-route-destination",
    fields: ["static_routes"],
    applies: warned(/option 33 .* destination .* route dropped/),
  },
  {
    id: "malformed-option-dropped",
    fields: Object.keys(OPTIONS_OF_FIELD),
    // Only the option that carries the field explains it.
    applies: (ours, _, field) =>
      ours.warnings.some((w) =>
        new RegExp(`^option (${OPTIONS_OF_FIELD[field]}) \\(.*\\) at byte \\d+ dropped`).test(w)
      ),
  },
  {
    id: "dhcpcd-stops-at-bad-classless-routes",
    fields: "all",
    applies: (ours, theirs) =>
      theirs.size === 0 && ours.warnings.some((w) => /^option (121|249) .* dropped/.test(w)),
  },
  {
    id: "subnet-mask-not-contiguous",
    fields: ["len"],
    applies: warned(/subnet mask .* is not contiguous/),
  },
  {
    id: "name-not-well-formed",
    fields: ["domain", "search"],
    applies: (ours, _, field) =>
      warned(
        field === "domain"
          ? /^option 15 \(domain name\) .* is not a domain name: dropped/
          : /^option (119|24) .*(dropped|is not a domain name)/,
      )(ours),
  },
  {
    id: "lease-time-required",
    fields: "all",
    applies: refused(/no lease time \(option 51\)|option 51 \(lease time\): length/),
  },
  { id: "class-d-e-address", fields: "all", applies: refused(/is a class D or E address/) },
  { id: "not-a-reply", fields: "all", applies: refused(/not a REPLY \(7\)/) },
  {
    id: "option-framing",
    fields: "all",
    applies: refused(/(option \d+|length of option \d+|option code) needs \d+ byte/),
  },
  {
    id: "rfc8415-preferred-above-valid",
    fields: ["address6", "temporary6", "prefix6"],
    applies: warned(/discarded: preferred lifetime \d+ is greater than valid lifetime/),
  },
  {
    id: "rfc8415-t1-above-t2",
    fields: ["ia", "address6", "temporary6", "prefix6"],
    applies: warned(/T1 \d+ is greater than T2 \d+/),
  },
  {
    id: "rfc8415-status-not-success",
    fields: ["address6", "temporary6", "prefix6"],
    applies: warned(/(has status \d+: it yields no addresses|the message's status is)/),
  },
  {
    id: "withdrawn-entry",
    fields: ["address6", "temporary6", "prefix6"],
    applies: (_, theirs, field) => /vl=0(,|$)/.test(theirs.get(field) ?? ""),
  },
  {
    id: "iaprefix-length",
    fields: ["prefix6"],
    applies: warned(/IAPREFIX prefix length \d+ is not between 1 and 128/),
  },
  { id: "prefix-host-bits", fields: ["prefix6"], applies: warned(/has host bits set: masked/) },
  { id: "carried-twice", fields: ["address6", "prefix6"], applies: warned(/is carried twice/) },
  {
    id: "malformed-ia-dropped",
    fields: ["ia", "address6", "temporary6", "prefix6"],
    applies: warned(/(option (3|4|25) \(IA_\w+\) at byte \d+ dropped|IA_\w+ \w+: option \d+ at)/),
  },
  {
    id: "malformed-option-dropped-v6",
    fields: ["dns"],
    applies: warned(/^option 23 \(DNS servers\) at byte \d+ dropped/),
  },
];

function view4(lease: Lease4): Map<string, string> {
  return new Map([
    ["ip", lease.ip ?? ""],
    ["len", lease.ip !== undefined ? String(lease.len) : ""],
    ["lease_time", String(lease.lease_time)],
    ["t1", String(lease.t1)],
    ["t2", String(lease.t2)],
    ["routers", lease.routers.join(" ")],
    [
      "classless_routes",
      lease.classless_routes.map((r) => `${r.destination}/${r.len} ${r.router}`).join(" "),
    ],
    ["static_routes", lease.static_routes.map((r) => `${r.destination} ${r.router}`).join(" ")],
    ["dns", lease.dns.join(" ")],
    ["domain", lease.domain ?? ""],
    ["search", lease.search.join(" ")],
    ["ntp", lease.ntp.join(" ")],
  ]);
}

function dhcpcdView4(dump: Dump): Map<string, string> {
  const value = (name: string) => {
    const found = dump.variables.find(([key]) => key === name)?.[1];
    return found === undefined || found.startsWith("\u0000") ? "" : found;
  };
  const ip = value("ip_address");
  const view = new Map([
    ["ip", ip],
    ["len", ip !== "" ? value("subnet_cidr") : ""],
    ["lease_time", value("dhcp_lease_time")],
    ["routers", value("routers")],
    ["classless_routes", value("classless_static_routes") || value("ms_classless_static_routes")],
    ["static_routes", value("static_routes")],
    ["dns", value("domain_name_servers")],
    ["domain", value("domain_name")],
    ["search", value("domain_search")],
    ["ntp", value("ntp_servers")],
  ]);
  // T1 and T2 are printed only when the lease carries them; ours are then the defaults.
  if (value("dhcp_renewal_time") !== "") view.set("t1", value("dhcp_renewal_time"));
  if (value("dhcp_rebinding_time") !== "") view.set("t2", value("dhcp_rebinding_time"));
  return view;
}

const entryText = (
  e: { ip: string; len: number; preferred_lifetime: number; valid_lifetime: number },
) => `${e.ip}/${e.len} pl=${e.preferred_lifetime} vl=${e.valid_lifetime}`;
const withoutZone = (list: string[]) => list.map((ip) => ip.replace(/%.*$/, ""));

function view6(lease: Lease6): Map<string, string> {
  return new Map([
    [
      "ia",
      lease.ia.map((ia) => `${ia.kind} ${parseInt(ia.iaid, 16)} ${ia.t1} ${ia.t2}`).join(", "),
    ],
    ["address6", lease.address6.map(entryText).join(", ")],
    ["temporary6", lease.temporary6.map(entryText).join(", ")],
    ["prefix6", lease.prefix6.map(entryText).join(", ")],
    ["dns", withoutZone(lease.dns).join(" ")],
    ["search", lease.search.join(" ")],
  ]);
}

interface DumpedIa {
  kind: "na" | "ta" | "pd";
  iaid: number;
  t1: number;
  t2: number;
  entries: Map<string, { ip?: string; len?: number; pl?: number; vl?: number }>;
}

function dhcpcdView6(dump: Dump): Map<string, string> {
  const ias: DumpedIa[] = [];
  let dns = "";
  let search = "";
  for (const [key, raw] of dump.variables) {
    const value = raw.startsWith("\u0000") ? "" : raw;
    if (key === "dhcp6_name_servers") dns = withoutZone(value.split(" ")).join(" ");
    if (key === "dhcp6_domain_search") search = value;
    const match = /^dhcp6_ia_(na|ta|pd)\d+_(.*)$/.exec(key);
    if (!match) continue;
    const kind = match[1] as DumpedIa["kind"];
    const field = match[2];
    if (field === "iaid") {
      // IA_NA and IA_PD IAIDs are printed as hex, IA_TA ones as a decimal number.
      const iaid = kind === "ta" ? parseInt(value, 10) : parseInt(value, 16);
      ias.push({ kind, iaid, t1: 0, t2: 0, entries: new Map() });
      continue;
    }
    let current = ias.findLast((ia) => ia.kind === kind);
    if (!current) {
      current = { kind, iaid: NaN, t1: 0, t2: 0, entries: new Map() };
      ias.push(current);
    }
    if (field === "t1") current.t1 = Number(value);
    else if (field === "t2") current.t2 = Number(value);
    const entry = /^(?:ia_addr|prefix)(\d+)(?:_(pltime|vltime|length))?$/.exec(field);
    if (!entry) continue;
    const item = current.entries.get(entry[1]) ?? {};
    current.entries.set(entry[1], item);
    if (entry[2] === "pltime") item.pl = Number(value);
    else if (entry[2] === "vltime") item.vl = Number(value);
    else if (entry[2] === "length") item.len = Number(value);
    else item.ip = value.replace(/%.*$/, "");
  }
  const entries = (kind: DumpedIa["kind"]) =>
    ias.filter((ia) => ia.kind === kind).flatMap((ia) =>
      [...ia.entries.values()].map((e) => `${e.ip}/${e.len ?? 128} pl=${e.pl} vl=${e.vl}`)
    ).join(", ");
  return new Map([
    ["ia", ias.map((ia) => `${ia.kind} ${ia.iaid} ${ia.t1} ${ia.t2}`).join(", ")],
    ["address6", entries("na")],
    ["temporary6", entries("ta")],
    ["prefix6", entries("pd")],
    ["dns", dns],
    ["search", search],
  ]);
}

/** The `id`s of the accepted differences listed in tests/lease_dhcpcd_differences.md. */
async function listedDifferences(): Promise<string[]> {
  const text = await Deno.readTextFile(DIFFERENCES);
  return [...text.matchAll(/^\| `([a-z0-9-]+)` +\|/gm)].map((match) => match[1]);
}

/** What the host looks like to someone checking that dhcpcd changed nothing. */
async function hostState(): Promise<string> {
  const stat = async (path: string) => {
    try {
      const info = await Deno.lstat(path);
      const content = info.isFile ? await Deno.readTextFile(path) : "";
      return `${path} ${info.mtime?.getTime()} ${info.size} ${content}`;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return `${path} absent`;
      throw error;
    }
  };
  const listing = async (dir: string) => {
    try {
      const names: string[] = [];
      for await (const entry of Deno.readDir(dir)) names.push(entry.name);
      return `${dir}: ${names.sort().join(" ")}`;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return `${dir} absent`;
      throw error;
    }
  };
  return [
    await stat("/etc/resolv.conf"),
    await stat("/etc/hosts"),
    await listing("/run/dhcpcd"),
    await listing("/var/lib/dhcpcd"),
  ].join("\n");
}

Deno.test("dhcpcd -U on a lease file changes nothing on the host: no daemon, no hooks, no files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [sample] = generateLeases(SEED, 1);
    await Deno.writeFile(`${dir}/sample`, sample.bytes);
    const before = await hostState();
    const [dump] = await dumpWithDhcpcd([{ path: `${dir}/sample`, family: sample.family }], 1);
    assert.ok(dump.variables.length > 0, "dhcpcd printed the lease");
    assert.equal(await hostState(), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(`dhcpcd as oracle: ${COUNT} seeded leases, every difference an accepted one`, async () => {
  const listed = await listedDifferences();
  assert.deepEqual(
    [...listed].sort(),
    RULES.map((rule) => rule.id).sort(),
    "the rules in the file",
  );
  const leases = generateLeases(SEED, COUNT);
  const dir = await Deno.makeTempDir();
  try {
    const files = await Promise.all(leases.map(async (lease) => {
      const path = `${dir}/${lease.name}`;
      await Deno.writeFile(path, lease.bytes);
      return { path, family: lease.family };
    }));
    const before = await hostState();
    const dumps = await dumpWithDhcpcd(files, 2);
    assert.equal(await hostState(), before, "dhcpcd changed the host");

    const unexplained: string[] = [];
    /** Per accepted difference, the leases it explains. */
    const used = new Map<string, Set<string>>();
    let identical = 0;
    let bothRefused = 0;
    leases.forEach((lease, index) => {
      const dump = dumps[index];
      assert.ok(dump, `no dump for ${lease.name}`);
      const theirsRefused = dump.code !== 0 || dump.variables.length === 0;
      const theirs = theirsRefused
        ? undefined
        : lease.family === 4
        ? dhcpcdView4(dump)
        : dhcpcdView6(dump);
      const ours = decodeOurs(lease.family, lease.bytes, lease.name);
      if (!ours.view && !theirs) {
        bothRefused++;
        return;
      }
      const fields = [...new Set([...(ours.view?.keys() ?? []), ...(theirs?.keys() ?? [])])];
      const differing = fields.filter((field) =>
        ours.view && theirs ? theirs.has(field) && ours.view.get(field) !== theirs.get(field) : true
      );
      if (differing.length === 0) {
        identical++;
        return;
      }
      for (const field of differing) {
        const rules = RULES.filter((rule) =>
          (rule.fields === "all" || rule.fields.includes(field)) &&
          rule.applies(ours, theirs ?? new Map(), field)
        );
        for (const rule of rules) {
          used.set(rule.id, (used.get(rule.id) ?? new Set()).add(lease.name));
        }
        if (rules.length === 0) {
          unexplained.push(
            `${lease.name} ${field}: ours ${JSON.stringify(ours.view?.get(field) ?? ours.error)}` +
              ` dhcpcd ${JSON.stringify(theirs?.get(field) ?? "refused")}` +
              ` (warnings: ${JSON.stringify(ours.warnings)}) bytes ${
                btoa(String.fromCharCode(...lease.bytes))
              }`,
          );
        }
      }
    });
    console.log(
      `dhcpcd oracle: ${COUNT} leases, ${identical} identical, ${bothRefused} refused by both, ` +
        `${COUNT - identical - bothRefused} with accepted differences: ${
          JSON.stringify(
            Object.fromEntries([...used].sort().map(([id, names]) => [id, names.size])),
          )
        }`,
    );
    assert.deepEqual(unexplained.slice(0, 20), [], `${unexplained.length} unexplained differences`);
    // The generator reaches every accepted difference (a rule never used would be untested).
    assert.deepEqual(RULES.map((rule) => rule.id).filter((id) => !used.has(id)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function decodeOurs(family: 4 | 6, bytes: Uint8Array, file: string): Ours {
  const source = { file, obtainedAt: new Date("2026-12-03T12:00:00Z") };
  try {
    if (family === 4) {
      const { lease, warnings } = decodeLease4(bytes, source);
      return { view: view4(lease), warnings };
    }
    const { lease, warnings } = decodeLease6(bytes, source);
    return { view: view6(lease), warnings };
  } catch (error) {
    return { view: undefined, warnings: [], error: (error as Error).message };
  }
}
