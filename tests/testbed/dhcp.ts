/**
 * A real DHCP testbed: Debian's kea-dhcp4 and kea-dhcp6 (with prefix delegation) in a server
 * network namespace, and one dhcpcd per simulated node in a client namespace of its own, joined
 * by veth pairs on a bridge. Every dhcpcd runs in a private mount namespace with its own lease
 * directory bind-mounted over /var/lib/dhcpcd, a private /run, and no hook scripts, so the host's
 * /etc/resolv.conf and lease directory are never touched; traffic never leaves the namespaces.
 * Used by the lease tests, the end-to-end and fault tests, the benchmarks and the demo. Root only.
 *
 * Addresses: 198.51.100.0/24 (DHCPv4), 2001:db8::/64 (DHCPv6 IA_NA), and per node i a reserved
 * delegated prefix 2001:db8:(1000 + i·100)::/56 (node 0 → 2001:db8:1000::/56). Everything a lease
 * carries comes from the kea configuration written here: {@link TestbedServerOptions}, the
 * lifetimes and the per-node reservations.
 *
 * @module
 */
import { exists } from "../../src/shared/files.ts";
import { decodeLease6 } from "../../src/agent/lease/mod.ts";
import { ExitWatch } from "../support/exits.ts";

/** The testbed cannot run here: not root, or a program is missing. */
export class TestbedPrerequisiteError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "TestbedPrerequisiteError";
  }
}

/** A simulated node. */
export interface TestbedNode {
  /** Its name (also the Kubernetes node name in the end-to-end tests). */
  name: string;
  /**
   * The interface dhcpcd runs on and names its lease files after (default `eth0`). A name such as
   * `eth0.100` gives the lease files of a VLAN interface; the interface itself is a veth (this
   * kernel may lack 802.1Q), which dhcpcd names and handles the same way.
   */
  interface?: string;
  /** A DHCPv4 reservation for the node's MAC address (default: an address of the pool). */
  address4?: string;
  /** A DHCPv6 IA_NA reservation for the node's DUID (default: an address of the pool). */
  address6?: string;
}

/** The server's own DHCPv4 address: the routers option and the DHCPv4 server identifier. */
export const SERVER_ADDRESS4 = "198.51.100.1";

/** The options both servers hand out (kea `option-data`) and kea-dhcp6's server DUID. */
export interface TestbedServerOptions {
  /** DHCPv4 domain-name (option 15). */
  domain: string;
  /** DHCPv4 domain-search (option 119). */
  search4: string[];
  /** DHCPv6 domain-search (option 24). */
  search6: string[];
  /** DHCPv4 domain-name-servers (option 6). */
  dns4: string[];
  /** DHCPv6 dns-servers (option 23). */
  dns6: string[];
  /** DHCPv4 ntp-servers (option 42). */
  ntp4: string[];
  /** DHCPv6 sntp-servers (option 31). */
  sntp6: string[];
  /**
   * kea-dhcp6's server identifier as a DUID-EN (type 2): enterprise number and identifier in hex;
   * default: the DUID-LLT kea generates on first start.
   */
  serverId6?: { enterpriseId: number; identifier: string };
}

/** The server options unless {@link TestbedOptions.serverOptions} says otherwise. */
export const DEFAULT_SERVER_OPTIONS: TestbedServerOptions = {
  domain: "example.test",
  search4: ["example.test", "lab.example.test"],
  search6: ["example.test"],
  dns4: ["198.51.100.53"],
  dns6: ["2001:db8::53"],
  ntp4: ["198.51.100.123"],
  sntp6: ["2001:db8::123"],
};

/** Lifetimes the servers hand out, in seconds. */
export interface TestbedLifetimes {
  /** DHCPv6 preferred lifetime (default 300). */
  preferred: number;
  /** DHCPv6 valid lifetime and DHCPv4 lease time (default 600). */
  valid: number;
  /** T1 (default half of preferred). */
  renew?: number;
  /** T2 (default 0.8 of preferred). */
  rebind?: number;
}

/** Options of {@link DhcpTestbed.start}. */
export interface TestbedOptions {
  /** The simulated nodes. */
  nodes: TestbedNode[];
  /** Lifetimes (defaults: preferred 300 s, valid 600 s). */
  lifetimes?: TestbedLifetimes;
  /** The options the servers hand out (default {@link DEFAULT_SERVER_OPTIONS}). */
  serverOptions?: TestbedServerOptions;
}

interface NodeRuntime {
  name: string;
  index: number;
  iface: string;
  address4?: string;
  address6?: string;
  namespace: string;
  dir: string;
  mac: string;
  duid: string;
  prefix: string;
  dhcpcd?: Deno.ChildProcess;
}

const REQUIRED_PROGRAMS = ["ip", "unshare", "nsenter", "kea-dhcp4", "kea-dhcp6", "dhcpcd"];
const WAIT_MS = 30_000;
const POLL_MS = 25;

/** A running testbed; `stop()` removes everything it made. */
export class DhcpTestbed {
  readonly #id = crypto.randomUUID().slice(0, 6);
  readonly #serverNamespace = `dhcpt-${this.#id}-srv`;
  readonly #nodes = new Map<string, NodeRuntime>();
  readonly #namespaces: string[] = [];
  readonly #servers: Deno.ChildProcess[] = [];
  readonly #lifetimes: Required<TestbedLifetimes>;
  readonly #serverOptions: TestbedServerOptions;
  #dir = "";
  #stopped: Promise<void> | undefined;
  /** Processes the testbed ends on purpose (`release`, `stop`): any exit status is fine. */
  readonly #ending = new WeakSet<Deno.ChildProcess>();
  /** kea and every dhcpcd: one that exits unexpectedly fails the waits and the test. */
  readonly exits: ExitWatch = new ExitWatch();

  private constructor(options: TestbedOptions) {
    const lifetimes = options.lifetimes ?? { preferred: 300, valid: 600 };
    this.#lifetimes = {
      renew: Math.floor(lifetimes.preferred / 2),
      rebind: Math.floor(lifetimes.preferred * 0.8),
      ...lifetimes,
    };
    this.#serverOptions = options.serverOptions ?? DEFAULT_SERVER_OPTIONS;
  }

  /** Creates the namespaces, starts kea and one dhcpcd per node. Leases follow within seconds. */
  static async start(options: TestbedOptions): Promise<DhcpTestbed> {
    await checkPrerequisites();
    const testbed = new DhcpTestbed(options);
    try {
      await testbed.#start(options.nodes);
      return testbed;
    } catch (error) {
      await testbed.stop();
      throw error;
    }
  }

  /** The interface the node's dhcpcd runs on (its lease files are `<interface>.lease(6)`). */
  interfaceName(node: string): string {
    return this.#node(node).iface;
  }

  /** The node's dhcpcd lease directory on the host (what its agent reads). */
  leaseDir(node: string): string {
    return `${this.#node(node).dir}/lib`;
  }

  /** What the server delegates to the node now (`["2001:db8:1000::/56"]`). */
  delegatedPrefixes(node: string): Promise<string[]> {
    return Promise.resolve([this.#node(node).prefix]);
  }

  /** Resolves once dhcpcd holds a DHCPv4 lease and a DHCPv6 lease with the delegated prefix. */
  async waitForLeases(node: string, timeoutMs = WAIT_MS): Promise<void> {
    const runtime = this.#node(node);
    await this.#waitFor(
      `${node}'s leases`,
      timeoutMs,
      async () =>
        await exists(`${this.leaseDir(node)}/${runtime.iface}.lease`) &&
        (await this.#leasedPrefixes(runtime)).includes(runtime.prefix),
    );
  }

  /**
   * Makes the server delegate `cidr` (a /56) to the node instead, and dhcpcd renew; resolves once
   * the node's lease file carries the new prefix.
   */
  async setDelegatedPrefix(node: string, cidr: string): Promise<void> {
    const runtime = this.#node(node);
    runtime.prefix = cidr;
    const reloads = await this.#countInLog("kea6", "DHCP6_DYNAMIC_RECONFIGURATION_SUCCESS");
    await this.#writeKea6Config();
    this.#servers[1].kill("SIGHUP");
    await this.#waitFor(
      "kea-dhcp6 to reload its configuration",
      WAIT_MS,
      async () =>
        (await this.#countInLog("kea6", "DHCP6_DYNAMIC_RECONFIGURATION_SUCCESS")) > reloads,
    );
    await this.renew(node);
    await this.#waitFor(
      `${node}'s lease to carry ${cidr}`,
      WAIT_MS,
      async () => (await this.#leasedPrefixes(runtime)).includes(cidr),
    );
  }

  /** Makes the node's dhcpcd renew its leases now. */
  async renew(node: string): Promise<void> {
    await this.#dhcpcdControl(this.#node(node), "--renew");
  }

  /** Makes the node's dhcpcd release its leases (it removes its lease files) and exit. */
  async release(node: string): Promise<void> {
    const runtime = this.#node(node);
    if (runtime.dhcpcd) this.#ending.add(runtime.dhcpcd);
    await this.#dhcpcdControl(runtime, "--release");
    await runtime.dhcpcd?.status;
  }

  /** Stops every process it started and removes every namespace and file; idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #start(nodes: TestbedNode[]) {
    this.#dir = await Deno.makeTempDir({ prefix: "dhcpt-testbed-" });
    const server = this.#serverNamespace;
    await this.#addNamespace(server);
    await ip(server, "link", "add", "br0", "type", "bridge");
    await ip(server, "link", "set", "br0", "up");
    await ip(server, "addr", "add", `${SERVER_ADDRESS4}/24`, "dev", "br0");
    await ip(server, "addr", "add", "2001:db8::1/64", "dev", "br0", "nodad");
    for (const [index, node] of nodes.entries()) {
      const mac = `02:00:00:00:${hex(index >> 8)}:${hex(index & 0xff)}`;
      const runtime: NodeRuntime = {
        name: node.name,
        index,
        iface: node.interface ?? "eth0",
        address4: node.address4,
        address6: node.address6,
        namespace: `dhcpt-${this.#id}-${index}`,
        dir: `${this.#dir}/node-${index}`,
        mac,
        duid: `00:03:00:01:${mac}`,
        prefix: `2001:db8:${(0x1000 + index * 0x100).toString(16)}::/56`,
      };
      this.#nodes.set(node.name, runtime);
      await this.#addNamespace(runtime.namespace);
      const veth = `v${this.#id}-${index}`;
      await ip(
        server,
        "link",
        "add",
        veth,
        "type",
        "veth",
        "peer",
        "name",
        runtime.iface,
        "netns",
        runtime.namespace,
      );
      await ip(server, "link", "set", veth, "master", "br0", "up");
      await ip(runtime.namespace, "link", "set", runtime.iface, "address", mac);
      await ip(runtime.namespace, "link", "set", "lo", "up");
      await ip(runtime.namespace, "link", "set", runtime.iface, "up");
      await Deno.mkdir(`${runtime.dir}/lib`, { recursive: true });
      await Deno.writeTextFile(`${runtime.dir}/lib/duid`, runtime.duid);
      await Deno.writeTextFile(`${runtime.dir}/dhcpcd.conf`, dhcpcdConfig(runtime.iface));
    }
    await this.#writeKea4Config();
    await this.#writeKea6Config();
    for (const [log, program] of [["kea4", "kea-dhcp4"], ["kea6", "kea-dhcp6"]]) {
      const child = this.#spawnInNamespace(server, log, [
        program,
        "-c",
        `${this.#dir}/${log}.json`,
      ]);
      this.#servers.push(child);
      this.#watch(program, child, `${this.#dir}/${log}.log`);
    }
    await this.#waitFor(
      "kea to start",
      WAIT_MS,
      async () =>
        (await this.#countInLog("kea4", "DHCP4_STARTED")) > 0 &&
        (await this.#countInLog("kea6", "DHCP6_STARTED")) > 0,
    );
    for (const runtime of this.#nodes.values()) this.#startDhcpcd(runtime);
  }

  #startDhcpcd(runtime: NodeRuntime) {
    // A private mount namespace: our lease directory over /var/lib/dhcpcd, a private /run for
    // its control socket, no hook scripts (-c /bin/true): the host is never touched.
    const script = [
      "mount -t tmpfs tmpfs /run",
      `mount --bind '${runtime.dir}/lib' /var/lib/dhcpcd`,
      `exec dhcpcd --nobackground --config '${runtime.dir}/dhcpcd.conf' --script /bin/true ` +
      `'${runtime.iface}' ` +
      `> '${runtime.dir}/dhcpcd.log' 2>&1`,
    ].join(" && ");
    runtime.dhcpcd = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        runtime.namespace,
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.#watch(`dhcpcd of ${runtime.name}`, runtime.dhcpcd, `${runtime.dir}/dhcpcd.log`);
  }

  #watch(name: string, child: Deno.ChildProcess, logFile: string) {
    const ending = this.#ending;
    this.exits.watch({
      name,
      get exitRequest() {
        return ending.has(child) ? "kill" : undefined;
      },
      get output() {
        try {
          return Deno.readTextFileSync(logFile).split("\n").slice(-20).join("\n");
        } catch {
          return "(no log)";
        }
      },
      exited: () => child.status,
    });
  }

  /** Runs `dhcpcd <flag> <interface>` in the mount and network namespace of the node's dhcpcd. */
  async #dhcpcdControl(runtime: NodeRuntime, flag: string) {
    const pid = runtime.dhcpcd?.pid;
    if (pid === undefined) throw new Error(`${runtime.name}: dhcpcd is not running`);
    const result = await new Deno.Command("nsenter", {
      args: ["--target", String(pid), "--mount", "--net", "dhcpcd", flag, runtime.iface],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!result.success) {
      throw new Error(
        `${runtime.name}: dhcpcd ${flag} failed: ${new TextDecoder().decode(result.stderr)}` +
          await this.#logs(runtime),
      );
    }
  }

  #spawnInNamespace(namespace: string, log: string, command: string[]): Deno.ChildProcess {
    const quoted = command.map((part) => `'${part}'`).join(" ");
    return new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        namespace,
        "sh",
        "-c",
        `exec ${quoted} > '${this.#dir}/${log}.log' 2>&1`,
      ],
      env: { KEA_PIDFILE_DIR: this.#dir, KEA_LOCKFILE_DIR: this.#dir },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  }

  async #addNamespace(name: string) {
    await run("ip", ["netns", "add", name]);
    this.#namespaces.push(name);
    for (const setting of ["all", "default"]) {
      await run("ip", [
        "netns",
        "exec",
        name,
        "sysctl",
        "-qw",
        `net.ipv6.conf.${setting}.accept_dad=0`,
      ]);
    }
  }

  async #writeKea4Config() {
    const options = this.#serverOptions;
    await Deno.writeTextFile(
      `${this.#dir}/kea4.json`,
      JSON.stringify(
        {
          Dhcp4: {
            "interfaces-config": { interfaces: ["br0"], "dhcp-socket-type": "raw" },
            "lease-database": {
              type: "memfile",
              persist: true,
              name: `${this.#dir}/leases4.csv`,
              "lfc-interval": 0,
            },
            "valid-lifetime": this.#lifetimes.valid,
            "renew-timer": this.#lifetimes.renew,
            "rebind-timer": this.#lifetimes.rebind,
            "option-data": [
              { name: "routers", data: SERVER_ADDRESS4 },
              { name: "domain-name-servers", data: options.dns4.join(", ") },
              { name: "domain-name", data: options.domain },
              { name: "domain-search", data: options.search4.join(", ") },
              { name: "ntp-servers", data: options.ntp4.join(", ") },
            ],
            subnet4: [{
              id: 1,
              subnet: "198.51.100.0/24",
              interface: "br0",
              pools: [{ pool: "198.51.100.100-198.51.100.250" }],
              reservations: [...this.#nodes.values()].flatMap((node) =>
                node.address4 ? [{ "hw-address": node.mac, "ip-address": node.address4 }] : []
              ),
            }],
            loggers: [{
              name: "kea-dhcp4",
              output_options: [{ output: "stdout" }],
              severity: "INFO",
            }],
          },
        },
        null,
        2,
      ),
    );
  }

  async #writeKea6Config() {
    const options = this.#serverOptions;
    const serverId = options.serverId6 && {
      type: "EN",
      "enterprise-id": options.serverId6.enterpriseId,
      identifier: options.serverId6.identifier,
      persist: false,
    };
    await Deno.writeTextFile(
      `${this.#dir}/kea6.json`,
      JSON.stringify(
        {
          Dhcp6: {
            "data-directory": this.#dir,
            ...(serverId ? { "server-id": serverId } : {}),
            "interfaces-config": { interfaces: ["br0"] },
            "lease-database": {
              type: "memfile",
              persist: true,
              name: `${this.#dir}/leases6.csv`,
              "lfc-interval": 0,
            },
            "preferred-lifetime": this.#lifetimes.preferred,
            "valid-lifetime": this.#lifetimes.valid,
            "renew-timer": this.#lifetimes.renew,
            "rebind-timer": this.#lifetimes.rebind,
            "option-data": [
              { name: "dns-servers", data: options.dns6.join(", ") },
              { name: "domain-search", data: options.search6.join(", ") },
              { name: "sntp-servers", data: options.sntp6.join(", ") },
            ],
            subnet6: [{
              id: 1,
              subnet: "2001:db8::/64",
              interface: "br0",
              pools: [{ pool: "2001:db8::1000-2001:db8::1fff" }],
              reservations: [...this.#nodes.values()].map((node) => ({
                duid: node.duid,
                prefixes: [node.prefix],
                ...(node.address6 ? { "ip-addresses": [node.address6] } : {}),
              })),
            }],
            loggers: [{
              name: "kea-dhcp6",
              output_options: [{ output: "stdout" }],
              severity: "INFO",
            }],
          },
        },
        null,
        2,
      ),
    );
  }

  async #leasedPrefixes(runtime: NodeRuntime): Promise<string[]> {
    const file = `${runtime.dir}/lib/${runtime.iface}.lease6`;
    try {
      const bytes = await Deno.readFile(file);
      const { lease } = decodeLease6(bytes, { file, obtainedAt: new Date() });
      return lease.prefix6.map((prefix) => `${prefix.ip}/${prefix.len}`);
    } catch {
      return [];
    }
  }

  async #countInLog(log: string, marker: string): Promise<number> {
    const text = await Deno.readTextFile(`${this.#dir}/${log}.log`).catch(() => "");
    return text.split(marker).length - 1;
  }

  async #waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>) {
    await this.exits.guard(this.#poll(what, timeoutMs, check));
  }

  async #poll(what: string, timeoutMs: number, check: () => Promise<boolean>) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const logs = await Promise.all([...this.#nodes.values()].map((node) => this.#logs(node)));
    throw new Error(
      `DHCP testbed: timed out after ${timeoutMs} ms waiting for ${what}${logs.join("")}`,
    );
  }

  async #logs(runtime?: NodeRuntime): Promise<string> {
    const tail = async (file: string) =>
      (await Deno.readTextFile(file).catch(() => "(no log)")).split("\n").slice(-12).join("\n    ");
    const parts = [
      `\n  kea-dhcp4:\n    ${await tail(`${this.#dir}/kea4.log`)}`,
      `\n  kea-dhcp6:\n    ${await tail(`${this.#dir}/kea6.log`)}`,
    ];
    if (runtime) {
      parts.push(`\n  dhcpcd of ${runtime.name}:\n    ${await tail(`${runtime.dir}/dhcpcd.log`)}`);
    }
    return parts.join("");
  }

  #node(name: string): NodeRuntime {
    const runtime = this.#nodes.get(name);
    if (!runtime) throw new Error(`DHCP testbed: no node "${name}"`);
    return runtime;
  }

  async #stop() {
    const processes = [
      ...[...this.#nodes.values()].flatMap((node) => node.dhcpcd ?? []),
      ...this.#servers,
    ];
    for (const child of processes) this.#ending.add(child);
    for (const child of processes) signal(child, "SIGTERM");
    await Promise.race([
      Promise.all(processes.map((child) => child.status)),
      new Promise((resolve) => setTimeout(resolve, 3000)),
    ]);
    // Whatever still runs in our namespaces (dhcpcd's helper processes) is killed by PID.
    for (const namespace of this.#namespaces) {
      const pids = await output("ip", ["netns", "pids", namespace]).catch(() => "");
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          Deno.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    await Promise.all(processes.map((child) => child.status));
    for (const namespace of this.#namespaces.reverse()) {
      await run("ip", ["netns", "del", namespace]).catch(() => {});
    }
    if (this.#dir) await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

/** The IAIDs dhcpcd is configured with: `ia_na 1`, `ia_pd 2`. */
export const DHCPCD_IAIDS = { na: 1, pd: 2 };

/** dhcpcd's configuration: DHCPv4 and DHCPv6 (IA_NA + IA_PD) without router advertisements. */
function dhcpcdConfig(iface: string): string {
  return `# dhcp-template test node
noipv6rs
noipv4ll
noarp
nodev
option domain_name_servers, domain_name, domain_search, ntp_servers
interface ${iface}
  ia_na ${DHCPCD_IAIDS.na}
  ia_pd ${DHCPCD_IAIDS.pd} -
`;
}

async function checkPrerequisites() {
  if (Deno.uid() !== 0) {
    throw new TestbedPrerequisiteError(
      "the DHCP testbed needs root (it creates network namespaces); run the tests as root",
    );
  }
  const missing: string[] = [];
  for (const program of REQUIRED_PROGRAMS) {
    const found = await new Deno.Command("sh", {
      args: ["-c", `command -v ${program}`],
      stdout: "null",
    })
      .output();
    if (!found.success) missing.push(program);
  }
  if (missing.length > 0) {
    throw new TestbedPrerequisiteError(
      `the DHCP testbed needs ${missing.join(", ")}: run tools/install-deps.sh ` +
        "(Debian packages dhcpcd-base kea-dhcp4-server kea-dhcp6-server iproute2 util-linux)",
    );
  }
  if (!(await exists("/var/lib/dhcpcd"))) {
    throw new TestbedPrerequisiteError("/var/lib/dhcpcd is missing: install dhcpcd-base");
  }
}

async function ip(namespace: string, ...args: string[]) {
  await run("ip", ["-n", namespace, ...args]);
}

async function run(command: string, args: string[]) {
  await output(command, args);
}

async function output(command: string, args: string[]): Promise<string> {
  const result = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!result.success) {
    throw new Error(
      `DHCP testbed: ${command} ${args.join(" ")} failed: ${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
  return new TextDecoder().decode(result.stdout);
}

function signal(child: Deno.ChildProcess, name: Deno.Signal) {
  try {
    child.kill(name);
  } catch {
    // already gone
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(2, "0");
}
