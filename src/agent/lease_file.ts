/**
 * Reads one lease file without ever blocking: opened non-blocking and without following a
 * symbolic link, its type checked on the opened file (`fstat`, so a file swapped for a FIFO
 * between listing and opening is caught), and at most one byte more than a DHCP message read.
 *
 * @module
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { DhcpTemplateError } from "../shared/errors.ts";
import { MAX_LEASE_BYTES } from "./lease/mod.ts";

/** A lease file that is not read at all: not a regular file, a symbolic link, or too large. */
export class LeaseFileRefused extends DhcpTemplateError {
  /** Creates the error for `file`. */
  constructor(file: string, detail: string) {
    super(`Not reading lease "${file}": ${detail}`, { file });
  }
}

/** What was read from a lease file. */
export interface LeaseFileContent {
  /** Modification time (when dhcpcd obtained the lease), milliseconds. */
  mtimeMs: number;
  /** Size in bytes. */
  size: number;
  /** The bytes; undefined when `unchanged` said the file need not be read. */
  bytes?: Uint8Array;
}

/**
 * Reads `path`. `unchanged(mtimeMs, size)` may skip reading a file already known. Throws
 * {@link LeaseFileRefused} for a symbolic link, anything but a regular file, and a file larger
 * than {@link MAX_LEASE_BYTES}; an error with code `ENOENT` when it is gone; another error when it
 * changed while it was read.
 */
export function readLeaseFile(
  path: string,
  unchanged: (mtimeMs: number, size: number) => boolean = () => false,
): LeaseFileContent {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    if (errorCode(error) === "ELOOP") {
      throw new LeaseFileRefused(path, "it is a symbolic link (not followed)");
    }
    throw error;
  }
  try {
    const before = fstatSync(fd);
    if (!before.isFile()) {
      throw new LeaseFileRefused(path, `it is ${fileType(before)}, not a regular file`);
    }
    if (before.size > MAX_LEASE_BYTES) {
      throw new LeaseFileRefused(
        path,
        `it holds ${before.size} bytes, more than a DHCP message can (${MAX_LEASE_BYTES})`,
      );
    }
    const content = { mtimeMs: before.mtimeMs, size: before.size };
    if (unchanged(before.mtimeMs, before.size)) return content;
    const buffer = new Uint8Array(MAX_LEASE_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length === buffer.length) {
        throw new LeaseFileRefused(path, `it grew beyond ${MAX_LEASE_BYTES} bytes while read`);
      }
    }
    const after = fstatSync(fd);
    if (after.mtimeMs !== before.mtimeMs || after.size !== before.size || length !== before.size) {
      // Rewritten while read: the bytes may not belong to the modification time.
      throw new Error("the file changed while it was read");
    }
    return { ...content, bytes: buffer.slice(0, length) };
  } finally {
    closeSync(fd);
  }
}

/** The `code` of a Node.js file system error (`ENOENT`, `ELOOP`). */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function fileType(stat: ReturnType<typeof fstatSync>): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  return "a special file";
}
