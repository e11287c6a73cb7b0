/**
 * Reads and watches dhcpcd's lease directory: decodes every lease file into the node's
 * interfaces, keeps the last good value of a file that cannot be read right now (dhcpcd may be
 * writing it), drops leases whose file is gone (released), and keeps retrying when the directory
 * is missing or unreadable.
 *
 * Every entry named `*.lease` or `*.lease6` is either read or reported as a problem: a symbolic
 * link (not followed), a directory, FIFO, socket or device (never opened for reading in a way
 * that could block), a file larger than a DHCP message (64 KiB), and a name that is no interface
 * (`.lease`, `.eth2.lease`: hidden files). A lease whose valid lifetime has passed is reported as
 * a warning ("expired") for as long as its file stays.
 *
 * @module
 */
import { basename, dirname, resolve as resolvePath } from "node:path";
import { CoalescingQueue } from "../shared/coalesce.ts";
import { exists } from "../shared/files.ts";
import { DhcpTemplateError } from "../shared/errors.ts";
import type { Interface } from "../shared/model.ts";
import { isInterfaceName, isSsid } from "../shared/names.ts";
import {
  decodeLease4,
  decodeLease6,
  expiredAt,
  type LeaseOfFile,
  parseLeaseFileName,
  toInterfaces,
} from "./lease/mod.ts";
import { errorCode, LeaseFileRefused, readLeaseFile } from "./lease_file.ts";

/** The names of the entries looked at: dhcpcd's DHCPv4 and DHCPv6 lease files. */
const LEASE_FILE_NAME = /\.lease6?$/;

/** A lease file that could not be used. */
export interface LeaseProblem {
  /** The file's path. */
  file: string;
  /** What is wrong (a decode error names the byte offset). */
  message: string;
}

/** What the lease directory holds. */
export interface LeaseDirectoryState {
  /** The interfaces with leases, sorted by name. */
  interfaces: Interface[];
  /** Files that could not be read or decoded (their last good lease, if any, is kept). */
  problems: LeaseProblem[];
  /**
   * What the decoder repaired or dropped in the leases held (host bits masked in a delegated
   * prefix, a domain name that is not one), one entry per warning, for as long as the lease is held.
   */
  warnings: LeaseProblem[];
}

/** The lease directory itself cannot be read. */
export class LeaseDirectoryError extends DhcpTemplateError {
  /** Creates the error for `dir`; `action` is what failed (`read`, `watch`), `then` what follows. */
  constructor(dir: string, cause: unknown, action = "read", then = "") {
    super(
      `Cannot ${action} the lease directory "${dir}": ${
        cause instanceof Error ? cause.message : cause
      }${then}`,
      { file: dir },
      { cause },
    );
  }
}

/** Options of the reader. */
export interface LeaseReaderOptions {
  /**
   * Wireless interfaces (their lease files carry an SSID suffix), in addition to those found in
   * {@link LeaseReaderOptions.sysClassNet}.
   */
  wireless?: readonly string[];
  /**
   * Where Linux lists the network interfaces (default `/sys/class/net`): one with a `wireless` or
   * `phy80211` entry is wireless. Looked at only when a lease file name has a dash.
   */
  sysClassNet?: string;
  /** Attempts to decode a file that fails (it may be being written), default 3. */
  attempts?: number;
  /** Pause between attempts, milliseconds (default 20). */
  attemptPauseMs?: number;
  /** The current time, to tell expired leases (default: the clock). */
  now?: () => Date;
}

interface FileState {
  mtimeMs: number;
  size: number;
  lease: LeaseOfFile;
  warnings: string[];
}

/** Reads a lease directory again and again, remembering each file's last good lease. */
export class LeaseDirectoryReader {
  readonly #files = new Map<string, FileState>();

  /** A reader of `dir`. */
  constructor(readonly dir: string, readonly options: LeaseReaderOptions = {}) {}

  /** Reads the directory now; throws {@link LeaseDirectoryError} when it cannot be listed. */
  async read(): Promise<LeaseDirectoryState> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.dir)) {
        if (LEASE_FILE_NAME.test(entry.name)) names.push(entry.name);
      }
    } catch (error) {
      throw new LeaseDirectoryError(this.dir, error);
    }
    for (const name of this.#files.keys()) if (!names.includes(name)) this.#files.delete(name);
    const wireless = await this.#wireless(names);
    const problems: LeaseProblem[] = [];
    for (const name of names) {
      const problem = await this.#readFile(name, wireless);
      if (problem) problems.push(problem);
    }
    return {
      interfaces: withoutUnsafeSsids(toInterfaces(
        // Names parsed again: an interface may have become known as wireless since the read.
        [...this.#files].map(([name, file]) => ({
          ...file.lease,
          name: parseLeaseFileName(name, wireless)!,
        })),
      )),
      problems,
      warnings: this.#warnings(wireless),
    };
  }

  /** The decoder's warnings of the leases held, which of them have expired, SSIDs dropped. */
  #warnings(wireless: readonly string[]): LeaseProblem[] {
    const now = this.options.now?.() ?? new Date();
    return [...this.#files].flatMap(([name, file]) => {
      const expired = expiredAt(file.lease.lease, now);
      const ssid = parseLeaseFileName(name, wireless)?.ssid;
      return [
        ...file.warnings,
        ...(expired ? [`the lease expired at ${expired} (dhcpcd has not renewed it)`] : []),
        ...(ssid !== undefined && !isSsid(ssid)
          ? [
            `the SSID ${JSON.stringify(ssid)} is not safe to print as data: dropped (the lease ` +
            "is kept without it)",
          ]
          : []),
      ].map((message) => ({ file: `${this.dir}/${name}`, message }));
    });
  }

  async #wireless(names: readonly string[]): Promise<readonly string[]> {
    const given = this.options.wireless ?? [];
    if (!names.some((name) => name.includes("-"))) return given;
    const found = await wirelessInterfaces(this.options.sysClassNet ?? "/sys/class/net");
    return [...new Set([...given, ...found])];
  }

  async #readFile(name: string, wireless: readonly string[]): Promise<LeaseProblem | undefined> {
    const path = `${this.dir}/${name}`;
    const fileName = name.startsWith(".") ? undefined : parseLeaseFileName(name, wireless);
    if (!fileName) {
      return {
        file: path,
        message: "a hidden file (the name starts with a dot), no interface's lease (ignored)",
      };
    }
    if (!isInterfaceName(fileName.interface)) {
      return { file: path, message: "the file name does not name an interface (ignored)" };
    }
    const attempts = this.options.attempts ?? 3;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await pause(this.options.attemptPauseMs ?? 20);
      try {
        const known = this.#files.get(name);
        const { mtimeMs, size, bytes } = readLeaseFile(
          path,
          (mtimeMs, size) => known?.mtimeMs === mtimeMs && known.size === size,
        );
        if (!bytes) return undefined;
        const source = {
          file: path,
          obtainedAt: new Date(mtimeMs),
          interface: fileName.interface,
        };
        if (fileName.family === 4) {
          const { lease, warnings } = decodeLease4(bytes, source);
          const entry: LeaseOfFile = { name: fileName, family: 4, lease };
          this.#files.set(name, { mtimeMs, size, lease: entry, warnings });
        } else {
          const { lease, warnings } = decodeLease6(bytes, source);
          const entry: LeaseOfFile = { name: fileName, family: 6, lease };
          this.#files.set(name, { mtimeMs, size, lease: entry, warnings });
        }
        return undefined;
      } catch (error) {
        if (errorCode(error) === "ENOENT") {
          this.#files.delete(name);
          return undefined;
        }
        lastError = error;
        // What the file is will not change within the attempts: no use in trying again.
        if (error instanceof LeaseFileRefused) break;
      }
    }
    const kept = this.#files.has(name) ? " (keeping its last good lease)" : "";
    return {
      file: path,
      message: `${lastError instanceof Error ? lastError.message : lastError}${kept}`,
    };
  }
}

/**
 * The interfaces with every SSID that is not safe to print as data removed (lease text stays
 * data: see `src/shared/names.ts`). They were chosen by SSID before, so leases of different
 * networks do not mix.
 */
function withoutUnsafeSsids(interfaces: Interface[]): Interface[] {
  return interfaces.map((iface) => {
    if (iface.ssid === undefined || isSsid(iface.ssid)) return iface;
    const { ssid: _ssid, ...rest } = iface;
    return rest;
  });
}

/** Reads `dir` once. */
export function readLeaseDirectory(
  dir: string,
  options: LeaseReaderOptions = {},
): Promise<LeaseDirectoryState> {
  return new LeaseDirectoryReader(dir, options).read();
}

/** Options of the watcher. */
export interface LeaseWatchOptions extends LeaseReaderOptions {
  /**
   * Coalescing window, milliseconds (default 100): a change after a quiet window is read at once;
   * later changes within the window are read together when it ends.
   */
  coalesceMs?: number;
  /**
   * Pause before watching again after the directory could not be read or watched, ms (default
   * 1000). While it cannot be watched (no inotify instance left) it is read this often instead.
   */
  retryMs?: number;
  /** Hears about a directory that cannot be read or watched (the watcher keeps retrying). */
  onError?: (error: LeaseDirectoryError) => void;
  /** Starts watching the directory (default `Deno.watchFs`, non-recursive). */
  watchFs?: (dir: string) => Deno.FsWatcher;
}

/** A running watcher. */
export interface LeaseWatcher {
  /** Stops watching. */
  stop(): Promise<void>;
}

/**
 * Calls `onChange` with the directory's state at start and whenever it changes. The first event
 * on a lease file after a quiet window is read at once; events within `coalesceMs` of that read
 * are read together when the window ends (the window is not extended by later events, and reads
 * never overlap). A state equal to the last one is not reported.
 */
export function watchLeaseDirectory(
  dir: string,
  onChange: (state: LeaseDirectoryState) => void,
  options: LeaseWatchOptions = {},
): LeaseWatcher {
  const reader = new LeaseDirectoryReader(dir, options);
  let stopped = false;
  let watcher: Deno.FsWatcher | undefined;
  let lastReported: string | undefined;
  let reading = Promise.resolve();
  let wake: (() => void) | undefined;

  const readAndReport = async () => {
    const state = await reader.read();
    const key = JSON.stringify(state);
    if (key !== lastReported && !stopped) {
      lastReported = key;
      onChange(state);
    }
  };
  const closeWatcher = () => {
    try {
      watcher?.close();
    } catch {
      // already closed
    }
  };
  const failed = (error: unknown) => {
    if (stopped) return;
    options.onError?.(
      error instanceof LeaseDirectoryError ? error : new LeaseDirectoryError(dir, error),
    );
    // Watch again from scratch: the directory may have been removed and created anew.
    closeWatcher();
  };
  // A lone change is read at once; the rest of a burst once more when the window ends (a
  // steady stream of writes is still read every `coalesceMs`). The directory is the one key.
  const reads = new CoalescingQueue<string>(options.coalesceMs ?? 100, () => {
    reading = reading.then(readAndReport).catch(failed);
    return reading;
  });

  const watchFs = options.watchFs ?? ((path) => Deno.watchFs(path, { recursive: false }));
  const retryMs = options.retryMs ?? 1000;
  let pollingBecause: string | undefined;
  const loop = (async () => {
    while (!stopped) {
      let cannotWatch: unknown;
      try {
        watcher = watchFs(dir);
      } catch (error) {
        watcher = undefined;
        cannotWatch = error;
      }
      try {
        const initial = reading.then(readAndReport);
        // A failed read must not stay in the chain: later reads would all fail with it.
        reading = initial.catch(() => {});
        await initial;
        if (watcher) {
          pollingBecause = undefined;
          for await (const event of watcher) {
            if (concernsLeases(event, dir)) reads.add(dir);
          }
        } else if (!stopped) {
          // Readable but not watchable (e.g. inotify instances used up): poll until it is, and
          // say so once rather than on every poll.
          const error = new LeaseDirectoryError(
            dir,
            cannotWatch,
            "watch",
            `; reading it every ${retryMs} ms`,
          );
          if (error.message !== pollingBecause) options.onError?.(error);
          pollingBecause = error.message;
        }
      } catch (error) {
        failed(error);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const retry = setTimeout(resolve, retryMs);
        wake = () => {
          clearTimeout(retry);
          resolve();
        };
      });
    }
  })();

  return {
    async stop() {
      stopped = true;
      const closing = reads.close();
      closeWatcher();
      wake?.();
      await loop;
      await closing;
      await reading.catch(() => {});
    },
  };
}

/**
 * Whether a file event in the watched `dir` may change what it holds: anything but an event on
 * entries of `dir` that are no lease files (e.g. the temporary file a writer renames into place,
 * dhcpcd's `duid`), so such a file does not use up the read of the change that follows.
 */
export function concernsLeases(event: Deno.FsEvent, dir: string): boolean {
  const watched = resolvePath(dir);
  return event.paths.length === 0 ||
    event.paths.some((path) => dirname(path) !== watched || LEASE_FILE_NAME.test(basename(path)));
}

/** The wireless interfaces listed in `sysClassNet`; none when it cannot be read. */
async function wirelessInterfaces(sysClassNet: string): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(sysClassNet)) {
      for (const marker of ["wireless", "phy80211"]) {
        if (await exists(`${sysClassNet}/${entry.name}/${marker}`)) {
          found.push(entry.name);
          break;
        }
      }
    }
  } catch {
    // No sysfs (not Linux, or not mounted in the container): only the configured ones count.
  }
  return found;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
