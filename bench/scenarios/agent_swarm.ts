/**
 * Many agents in one process for the scale benchmark, each with its own gRPC connection (as
 * separate agent pods have): each sends its node's full report, then heartbeats at the interval the
 * operator asks for, and a full report again when the operator asks to resend. `change <index>
 * <round>` on standard input changes one node's prefix. Prints JSON lines: `{"reported": n}` once
 * every agent's first report was accepted, `{"changed": index}` after a change was accepted, and
 * `{"heartbeats": n}` every 10 s.
 *
 *   deno run --allow-all bench/scenarios/agent_swarm.ts <operator host:port> <agents.json> <n>
 *
 * `n`: first reports sent at the same time.
 *
 * `agents.json`: `[{ "index": 0, "node": "scale-0", "token": "…" }, …]`.
 *
 * @module
 */
import type { Node } from "../../src/shared/model.ts";
import { reportDigest, type ReportReply } from "../../src/shared/wire/codec.ts";
import { status } from "@grpc/grpc-js";
import { RawAgentClient } from "../../tests/support/channel.ts";
import { swarmReport } from "./swarm_report.ts";

interface SwarmAgent {
  index: number;
  node: string;
  token: string;
}

const [target, file, concurrency] = Deno.args;
const agents = JSON.parse(await Deno.readTextFile(file)) as SwarmAgent[];
const print = (line: Record<string, number>) => console.log(JSON.stringify(line));
let heartbeats = 0;
let stopped = false;

class SwarmMember {
  readonly #client: RawAgentClient;
  /** The node's current data (its lifetimes fixed when the round began, as a lease's are). */
  #node: Node;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly agent: SwarmAgent) {
    this.#client = new RawAgentClient(target, { ownConnection: true });
    this.#node = swarmReport(agent.node, agent.index, 0);
  }

  /**
   * Sends the full report and schedules the next heartbeat; retries as an agent does (backing
   * off up to 10 s) until the report is accepted. A refusal (not an overload) ends the swarm.
   */
  async report(round?: number): Promise<void> {
    if (round !== undefined) this.#node = swarmReport(this.agent.node, this.agent.index, round);
    clearTimeout(this.#timer);
    for (let delayMs = 250;; delayMs = Math.min(delayMs * 2, 10_000)) {
      try {
        this.#schedule(await this.#client.report(this.#node, this.agent.token));
        return;
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === status.UNAUTHENTICATED || code === status.PERMISSION_DENIED) {
          throw new Error(`${this.agent.node}: report refused: ${error}`);
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  close() {
    clearTimeout(this.#timer);
    this.#client.close();
  }

  #schedule(reply: ReportReply) {
    if (stopped) return;
    this.#timer = setTimeout(() => this.#heartbeat(), reply.heartbeat_seconds * 1000);
  }

  async #heartbeat() {
    const reply = await this.#client.heartbeat(
      { node_name: this.agent.node, digest: reportDigest(this.#node) },
      this.agent.token,
    ).catch((error) => {
      console.error(`${this.agent.node}: heartbeat failed: ${error}`);
      return undefined;
    });
    if (!reply) return this.#schedule({ resend: false, heartbeat_seconds: 5 });
    heartbeats++;
    if (reply.resend) await this.report();
    else this.#schedule(reply);
  }
}

const members = agents.map((agent) => new SwarmMember(agent));
const byIndex = new Map(members.map((member) => [member.agent.index, member]));
const reporting = members.slice();
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    for (let member = reporting.shift(); member; member = reporting.shift()) await member.report();
  }),
);
print({ reported: members.length });
const progress = setInterval(() => print({ heartbeats }), 10_000);

const stop = () => {
  stopped = true;
  clearInterval(progress);
  for (const member of members) member.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
let rest = "";
for await (const chunk of lines) {
  const parts = (rest + chunk).split("\n");
  rest = parts.pop() ?? "";
  for (const line of parts) {
    const [command, index, round] = line.trim().split(" ");
    const member = byIndex.get(Number(index));
    if (command !== "change" || !member) continue;
    await member.report(Number(round));
    print({ changed: Number(index) });
  }
}
stop();
