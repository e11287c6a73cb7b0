/**
 * The last line of defence against YAML injection: a template prints lease text into YAML, and
 * a value with a line break can start a new document (`\n---\nkind: Secret`) or add keys. Lease
 * text is checked where it enters (src/shared/names.ts), yet the renderer does not rely on that:
 * it refuses to render with variables holding control characters or Unicode line separators.
 * Pure.
 *
 * @module
 */

/** Control characters (C0, DEL, C1 — line breaks among them) and the Unicode line separators. */
const UNSAFE_CHARACTER = /[\p{Cc}\u2028\u2029]/u;

/**
 * The path (e.g. `nodes[0].interfaces[1].lease4.domain`) of the first string in `value` that
 * holds a control character or a line separator, or undefined when there is none.
 */
export function findUnsafeText(value: unknown, path: string): string | undefined {
  // Every render checks every value: the common case (nothing found) builds no paths.
  return holdsUnsafeText(value) ? pathOfUnsafeText(value, path) : undefined;
}

function holdsUnsafeText(value: unknown): boolean {
  if (typeof value === "string") return UNSAFE_CHARACTER.test(value);
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) {
    for (const entry of value) if (holdsUnsafeText(entry)) return true;
    return false;
  }
  for (const key in value) {
    if (UNSAFE_CHARACTER.test(key) || holdsUnsafeText((value as Record<string, unknown>)[key])) {
      return true;
    }
  }
  return false;
}

function pathOfUnsafeText(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return UNSAFE_CHARACTER.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = pathOfUnsafeText(value[index], `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, entry] of Object.entries(value)) {
      const found = pathOfUnsafeText(key, `${path} key ${JSON.stringify(key)}`) ??
        pathOfUnsafeText(entry, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}
