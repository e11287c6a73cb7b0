/** Template data for tests and benchmarks: nodes as the agents would report them. */
import type { NodeSource } from "../../src/operator/controller.ts";
import type { Node } from "../../src/shared/model.ts";

/** A node whose `eth0` holds one active delegated prefix (`<prefix>/<len>`). */
export function nodeWithPrefix(name: string, prefix: string, len = 56): Node {
  return {
    name,
    interfaces: [{
      name: "eth0",
      lease6: {
        temporary6: [],
        ia: [],
        address6: [],
        prefix6: [{
          ip: prefix,
          len,
          preferred_lifetime: 1800,
          valid_lifetime: 3600,
          preferred_until: "2026-11-24T18:30:00Z",
          valid_until: "2026-11-24T19:00:00Z",
          state: "active",
        }],
        dns: [],
        search: [],
        ntp: [],
        t1: 900,
        t2: 1440,
        obtained_at: "2026-11-24T18:00:00Z",
      },
    }],
  };
}

/** Node data held in memory, as the agents would have reported it (the tests change `nodes`). */
export class TestNodes implements NodeSource {
  readonly loaded = true;
  nodes: Node[] = [];
  /** The nodes, sorted by name. */
  snapshot(): Node[] {
    return [...this.nodes].sort((a, b) => a.name.localeCompare(b.name));
  }
  /** Nothing expires. */
  nextExpiry(): Date | undefined {
    return undefined;
  }
}
