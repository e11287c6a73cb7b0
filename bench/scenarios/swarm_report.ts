/**
 * The node data the scale benchmark's agents report: one /48 per node, moved by `round`. Pure.
 *
 * @module
 */
import type { Node } from "../../src/shared/model.ts";
import { eth0WithPrefixes, prefixValidFor } from "../../tests/support/leases.ts";

/** The prefix (`2001:db8:<x>::`) node `index` holds in `round`. */
export function swarmPrefix(index: number, round: number): string {
  return `2001:db8:${((index + round * 7919) % 65536).toString(16)}::`;
}

/** Node `index`'s report in `round`. */
export function swarmReport(node: string, index: number, round: number): Node {
  return {
    name: node,
    interfaces: [eth0WithPrefixes([prefixValidFor(swarmPrefix(index, round), 3600, 48)])],
  };
}
