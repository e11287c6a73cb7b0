/**
 * The Prometheus metrics of the operator and the agent (prom-client). Each function registers
 * its metrics on the given registry, which `/metrics` serves (see `probe_server.ts`); register
 * them once per registry.
 *
 * Names start with `dhcp_template_operator_` or `dhcp_template_agent_`; durations are seconds.
 *
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export { Registry };

/** Buckets of render durations, in seconds (a render may take 2 s of CPU by default). */
export const RENDER_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Buckets of the lease change → applied latency, in seconds. */
export const LEASE_CHANGE_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The operator's metrics. */
export interface OperatorMetrics {
  /** Node data pushes received from agents, by `result` (`accepted`, `rejected`, `failed`). */
  agentReports: Counter<"result">;
  /** Heartbeats received from agents. */
  agentHeartbeats: Counter;
  /**
   * Agent calls refused, by `reason` (`missing_token`, `invalid_token`, `not_a_service_account`,
   * `wrong_service_account`, `no_node_claim`, `wrong_node`, `invalid_argument`).
   */
  authenticationFailures: Counter<"reason">;
  /** Template renders, by `template` and `result` (`ok`, `error`). */
  renders: Counter<"template" | "result">;
  /** Time one render took, by `template`. */
  renderDuration: Histogram<"template">;
  /** Objects applied (server-side apply), by `template`. */
  applies: Counter<"template">;
  /** Objects deleted because no render produces them any more, by `template`. */
  deletions: Counter<"template">;
  /** Reconciles that finished without error, by `template`. */
  reconciles: Counter<"template">;
  /** Patch mode: opted-in objects patched or whose patch was released, by `template`, `action`. */
  patches: Counter<"template" | "action">;
  /** Reconciles that failed (render, apply or status write), by `template`. */
  reconcileErrors: Counter<"template">;
  /** Time from an agent seeing a lease change to the rendered objects being applied. */
  leaseChangeLatency: Histogram;
  /** Nodes whose data the operator holds. */
  nodesKnown: Gauge;
  /** 1 while this replica is the leader (reconciles), else 0. */
  leader: Gauge;
  /** Watches that ended and were resumed, by why they ended. */
  watchEnds: Counter<"reason">;
}

/** The agent's metrics. */
export interface AgentMetrics {
  /** Node data pushes to the operator, by `result` (`ok`, `error`). */
  pushes: Counter<"result">;
  /** Heartbeats sent to the operator. */
  heartbeats: Counter;
  /** 1 while connected to the operator, else 0. */
  connected: Gauge;
  /** Changes of the lease directory that changed the node's data. */
  leaseChanges: Counter;
  /** Lease files that could not be read or decoded. */
  leaseReadProblems: Counter;
}

/** Registers the operator's metrics on `registry`. */
export function operatorMetrics(registry: Registry): OperatorMetrics {
  const registers = [registry];
  const prefix = "dhcp_template_operator_";
  return {
    agentReports: new Counter({
      name: `${prefix}agent_reports_total`,
      help: "Node data pushes received from agents, by result.",
      labelNames: ["result"] as const,
      registers,
    }),
    agentHeartbeats: new Counter({
      name: `${prefix}agent_heartbeats_total`,
      help: "Heartbeats received from agents.",
      registers,
    }),
    authenticationFailures: new Counter({
      name: `${prefix}authentication_failures_total`,
      help: "Agent connections refused, by reason.",
      labelNames: ["reason"] as const,
      registers,
    }),
    renders: new Counter({
      name: `${prefix}renders_total`,
      help: "Template renders, by template and result.",
      labelNames: ["template", "result"] as const,
      registers,
    }),
    renderDuration: new Histogram({
      name: `${prefix}render_duration_seconds`,
      help: "Time one template render took, by template.",
      labelNames: ["template"] as const,
      buckets: RENDER_DURATION_BUCKETS,
      registers,
    }),
    applies: new Counter({
      name: `${prefix}applies_total`,
      help: "Objects applied with server-side apply, by template.",
      labelNames: ["template"] as const,
      registers,
    }),
    deletions: new Counter({
      name: `${prefix}deletions_total`,
      help: "Objects deleted because no render produces them any more, by template.",
      labelNames: ["template"] as const,
      registers,
    }),
    reconciles: new Counter({
      name: `${prefix}reconciles_total`,
      help: "Reconciles that finished without error, by template.",
      labelNames: ["template"] as const,
      registers,
    }),
    patches: new Counter({
      name: `${prefix}patches_total`,
      help: "Opted-in objects patched or released (action), by template.",
      labelNames: ["template", "action"] as const,
      registers,
    }),
    reconcileErrors: new Counter({
      name: `${prefix}reconcile_errors_total`,
      help: "Reconciles that failed, by template.",
      labelNames: ["template"] as const,
      registers,
    }),
    leaseChangeLatency: new Histogram({
      name: `${prefix}lease_change_applied_seconds`,
      help: "Time from an agent seeing a lease change to the rendered objects being applied.",
      buckets: LEASE_CHANGE_LATENCY_BUCKETS,
      registers,
    }),
    watchEnds: new Counter({
      name: `${prefix}watch_ends_total`,
      help: "Watches that ended and were resumed, by reason (expired: the apiserver's timeout; " +
        "dead: silent past it; failed: an error).",
      labelNames: ["reason"] as const,
      registers,
    }),
    nodesKnown: new Gauge({
      name: `${prefix}nodes`,
      help: "Nodes whose lease data the operator holds.",
      registers,
    }),
    leader: new Gauge({
      name: `${prefix}leader`,
      help: "1 while this replica is the leader, else 0.",
      registers,
    }),
  };
}

/** Registers the agent's metrics on `registry`. */
export function agentMetrics(registry: Registry): AgentMetrics {
  const registers = [registry];
  const prefix = "dhcp_template_agent_";
  return {
    pushes: new Counter({
      name: `${prefix}pushes_total`,
      help: "Node data pushes to the operator, by result.",
      labelNames: ["result"] as const,
      registers,
    }),
    heartbeats: new Counter({
      name: `${prefix}heartbeats_total`,
      help: "Heartbeats sent to the operator.",
      registers,
    }),
    connected: new Gauge({
      name: `${prefix}connected`,
      help: "1 while connected to the operator, else 0.",
      registers,
    }),
    leaseChanges: new Counter({
      name: `${prefix}lease_changes_total`,
      help: "Changes of the lease directory that changed the node's data.",
      registers,
    }),
    leaseReadProblems: new Counter({
      name: `${prefix}lease_read_problems_total`,
      help: "Lease files that could not be read or decoded.",
      registers,
    }),
  };
}

/**
 * Registers prom-client's process metrics on `registry`: CPU seconds, resident memory, open file
 * descriptors, start time, event loop lag (`process_*`, `nodejs_*`).
 */
export function processMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
}
