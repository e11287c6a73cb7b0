/** Cost of the node state operations a reconcile and a report make, at 5,000 nodes. */
import type { Interface } from "../../shared/model.ts";
import { isCurrent, mergeReport, nextExpiry, type NodeState, snapshotNode } from "./state.ts";

const NOW = new Date("2026-11-24T14:00:00Z");

function interfaces(n: number): Interface[] {
  const prefix = (ip: string, validUntil: string) => ({
    ip,
    len: 56,
    preferred_lifetime: 1800,
    valid_lifetime: 3600,
    preferred_until: validUntil,
    valid_until: validUntil,
  });
  return [{
    name: "eth0",
    lease6: {
      temporary6: [],
      ia: [],
      address6: [],
      prefix6: [
        prefix(`2001:db8:${(n % 0xffff).toString(16)}::`, "2026-11-24T15:00:00Z"),
        prefix(`2001:db8:${((n + 1) % 0xffff).toString(16)}::`, "2026-11-24T14:30:00Z"),
      ],
      dns: ["2001:db8::53"],
      search: [],
      ntp: [],
      t1: 900,
      t2: 1440,
      obtained_at: "2026-11-24T13:00:00Z",
    },
  }];
}

const states: NodeState[] = Array.from({ length: 5000 }, (_, n) => ({
  name: `node-${n}`,
  interfaces: interfaces(n),
  digest: "",
  reportedAt: NOW.toISOString(),
}));

Deno.bench("snapshot of 5,000 nodes", () => {
  for (const state of states) snapshotNode(state, NOW);
});

Deno.bench("count current nodes of 5,000", () => {
  let count = 0;
  for (const state of states) if (isCurrent(state, NOW)) count++;
  if (count !== states.length) throw new Error(`counted ${count}`);
});

Deno.bench("next expiry over 5,000 nodes", () => {
  for (const state of states) nextExpiry(state.interfaces, NOW);
});

Deno.bench("merge one report into a node's state", () => {
  mergeReport(states[0].interfaces, interfaces(7), NOW);
});
