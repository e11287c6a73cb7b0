/**
 * The status of a DHCPTemplate, computed as pure data from the outcome of one reconcile, per the
 * Kubernetes API conventions (a `Ready` condition with reason, message and observedGeneration).
 *
 * @module
 */

import type { ObjectRef } from "../shared/kube_object.ts";

/** A status condition. */
export interface Condition {
  /** Condition type; this operator sets `Ready`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: "True" | "False" | "Unknown";
  /** The generation this condition describes. */
  observedGeneration: number;
  /** When `status` last changed (RFC 3339). */
  lastTransitionTime: string;
  /** CamelCase reason. */
  reason: string;
  /** Human-readable detail. */
  message: string;
}

/** An object the template renders but must not touch. */
export interface ConflictStatus extends ObjectRef {
  /** Why it was refused. */
  reason: string;
}

/** A render error with its position in the template. */
export interface RenderErrorStatus {
  /** What went wrong. */
  message: string;
  /** 1-based line in the template, when known. */
  line?: number;
  /** 1-based column in the template, when known. */
  column?: number;
}

/** `.status` of a DHCPTemplate. */
export interface TemplateStatus {
  /** The metadata.generation this status describes. */
  observedGeneration?: number;
  /** Conditions; `Ready` always present after the first reconcile. */
  conditions?: Condition[];
  /** Number of objects the template owns. */
  objectCount?: number;
  /** Number of nodes the last render saw. */
  nodeCount?: number;
  /** The objects the template applied and owns. */
  inventory?: ObjectRef[];
  /** The opted-in objects the template patches (it owns only the fields it sets). */
  patched?: ObjectRef[];
  /** Objects refused because something else owns them. */
  conflicts?: ConflictStatus[];
  /** The last render error. */
  renderError?: RenderErrorStatus;
}

/** How one reconcile of a template ended. */
export type ReconcileOutcome =
  | {
    /** Everything rendered was applied (or refused as a conflict). */
    result: "Applied";
    inventory: ObjectRef[];
    /** The opted-in objects patched (none when absent). */
    patched?: ObjectRef[];
    conflicts: ConflictStatus[];
    nodeCount: number;
  }
  | {
    /** The template did not render; nothing was changed. */
    result: "RenderFailed";
    error: RenderErrorStatus;
    nodeCount: number;
  }
  | {
    /** Some applies or deletions failed; the inventory keeps what may still exist. */
    result: "ApplyFailed";
    message: string;
    inventory: ObjectRef[];
    /** The opted-in objects that may still carry a patch (none when absent). */
    patched?: ObjectRef[];
    conflicts: ConflictStatus[];
    nodeCount: number;
  }
  | {
    /** `spec.suspend` is set; nothing was changed. */
    result: "Suspended";
  };

/** The status after `outcome`, keeping what the outcome says nothing about. */
export function nextStatus(
  previous: TemplateStatus | undefined,
  outcome: ReconcileOutcome,
  generation: number,
  now: Date,
): TemplateStatus {
  const base: TemplateStatus = { ...previous, observedGeneration: generation };
  const ready = (status: Condition["status"], reason: string, message: string) =>
    withCondition(previous?.conditions, {
      type: "Ready",
      status,
      reason,
      message,
      observedGeneration: generation,
      lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, "Z"),
    });

  switch (outcome.result) {
    case "Suspended":
      return { ...base, conditions: ready("False", "Suspended", "spec.suspend is true") };
    case "RenderFailed": {
      const { line, column, message } = outcome.error;
      const where = line ? ` (line ${line}${column ? `, column ${column}` : ""})` : "";
      return {
        ...base,
        nodeCount: outcome.nodeCount,
        renderError: outcome.error,
        conditions: ready("False", "RenderFailed", `${message}${where}; objects left as they were`),
      };
    }
    case "ApplyFailed":
    case "Applied": {
      const { renderError: _previousError, patched: _previousPatched, ...rest } = base;
      const patched = outcome.patched ?? [];
      const conflictNote = outcome.conflicts.length
        ? `; ${outcome.conflicts.length} refused: ${
          outcome.conflicts.map((c) => c.reason).join("; ")
        }`
        : "";
      const done = `${outcome.inventory.length} objects applied` +
        (patched.length ? `, ${patched.length} patched` : "");
      const condition = outcome.result === "Applied"
        ? outcome.conflicts.length
          ? ready("False", "Conflict", `${done}${conflictNote}`)
          : ready("True", "Applied", done)
        : ready("False", "ApplyFailed", `${outcome.message}${conflictNote}`);
      return {
        ...rest,
        nodeCount: outcome.nodeCount,
        objectCount: outcome.inventory.length,
        inventory: outcome.inventory,
        ...(patched.length ? { patched } : {}),
        conflicts: outcome.conflicts,
        conditions: condition,
      };
    }
  }
}

/** Replaces the condition of the same type; keeps its transition time when the status did not change. */
function withCondition(conditions: Condition[] | undefined, next: Condition): Condition[] {
  const others = (conditions ?? []).filter((condition) => condition.type !== next.type);
  const previous = conditions?.find((condition) => condition.type === next.type);
  const lastTransitionTime = previous?.status === next.status
    ? previous.lastTransitionTime
    : next.lastTransitionTime;
  return [...others, { ...next, lastTransitionTime }];
}
