/**
 * The permissions of a render context (the worker, the render process): which exist, their
 * states, and which are granted. A render context must have none.
 *
 * @module
 */

/** Every permission a Deno context can be given. */
export const PERMISSION_NAMES = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "ffi",
  "sys",
  "import",
] as const;

/** A permission's name. */
export type PermissionName = (typeof PERMISSION_NAMES)[number];

/** The state of every permission of a context, by name. */
export type PermissionStates = Record<PermissionName, Deno.PermissionState>;

/** The state of each permission of the calling context. */
export function permissionStates(): PermissionStates {
  return Object.fromEntries(
    PERMISSION_NAMES.map((name) => [name, Deno.permissions.querySync({ name }).state]),
  ) as PermissionStates;
}

/** The names of the permissions that are granted in `states`. */
export function grantedPermissions(states: PermissionStates): PermissionName[] {
  return PERMISSION_NAMES.filter((name) => states[name] === "granted");
}
