/**
 * The live preview's output, as pure data and text: what the operator would do with each object a
 * template renders (or rendered before), shown as a unified diff of the live object against the
 * object the apiserver would store (like `kubectl diff`).
 *
 * @module
 */
import { createTwoFilesPatch } from "diff";
import { stringify } from "yaml";
import { describeRef, type KubernetesObject, type ObjectRef } from "../shared/kube_object.ts";

/** What the operator would do with one object. */
export type PreviewEntry =
  | {
    /**
     * Created, changed, patched (an opted-in object) or its patch released (server-side apply);
     * `after` is the apiserver's dry-run result.
     */
    action: "create" | "update" | "patch" | "release";
    ref: ObjectRef;
    before?: KubernetesObject;
    after: KubernetesObject;
  }
  | {
    /** Deleted: the template no longer renders it and owns it. */
    action: "delete";
    ref: ObjectRef;
    before: KubernetesObject;
  }
  | {
    /** Refused as a conflict (`reason`), or the apiserver would reject it (`fail`). */
    action: "refuse" | "fail";
    ref: ObjectRef;
    reason: string;
  }
  | {
    /** Already as rendered: no request. */
    action: "unchanged";
    ref: ObjectRef;
  };

/** Metadata the apiserver maintains, which no template sets: left out of diffs. */
const SERVER_METADATA = [
  "managedFields",
  "resourceVersion",
  "generation",
  "uid",
  "creationTimestamp",
];

/** The object without the metadata the apiserver maintains. */
export function comparable(object: KubernetesObject): KubernetesObject {
  const metadata = { ...object.metadata };
  for (const field of SERVER_METADATA) delete metadata[field];
  return { ...object, metadata };
}

/** A unified diff between two versions of an object (absent: empty), without a header line. */
export function diffObjects(
  ref: ObjectRef,
  before: KubernetesObject | undefined,
  after: KubernetesObject | undefined,
): string {
  const text = (object?: KubernetesObject) =>
    object ? stringify(comparable(object), { version: "1.1" }) : "";
  const name = describeRef(ref);
  return createTwoFilesPatch(`${name} (live)`, `${name} (after)`, text(before), text(after))
    .replace(/^=+\n/, "");
}

/** Whether the operator would write anything, or refuse or fail anything. */
export function hasDifferences(entries: readonly PreviewEntry[]): boolean {
  return entries.some((entry) => entry.action !== "unchanged");
}

/** A one-line count of the entries per action, e.g. `1 to create, 2 unchanged`. */
export function summarize(entries: readonly PreviewEntry[]): string {
  const words: Record<PreviewEntry["action"], string> = {
    create: "to create",
    update: "to update",
    patch: "to patch",
    release: "to release",
    delete: "to delete",
    refuse: "refused",
    fail: "failing",
    unchanged: "unchanged",
  };
  const counts = Map.groupBy(entries, (entry) => entry.action);
  const parts = (Object.keys(words) as PreviewEntry["action"][])
    .filter((action) => counts.has(action))
    .map((action) => `${counts.get(action)!.length} ${words[action]}`);
  return parts.length ? parts.join(", ") : "nothing rendered";
}

/** The preview as text: a summary line, then each entry with its diff or reason. */
export function formatPreview(templateName: string, entries: readonly PreviewEntry[]): string {
  const lines = [`# DHCPTemplate ${templateName}: ${summarize(entries)}`];
  for (const entry of entries) {
    const head = `${entry.action} ${describeRef(entry.ref)}`;
    switch (entry.action) {
      case "create":
      case "update":
      case "patch":
      case "release":
        lines.push(head, diffObjects(entry.ref, entry.before, entry.after).trimEnd());
        break;
      case "delete":
        lines.push(head, diffObjects(entry.ref, entry.before, undefined).trimEnd());
        break;
      case "refuse":
      case "fail":
        lines.push(`${head}: ${entry.reason}`);
        break;
      case "unchanged":
        lines.push(head);
        break;
    }
  }
  return lines.join("\n");
}
