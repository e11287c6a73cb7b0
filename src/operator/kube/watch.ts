/**
 * Informers whose watches run on Deno's fetch. The client library's `Watch` uses undici's fetch,
 * and under Deno an undici response body neither ends when the apiserver goes away nor errors
 * when it is aborted: the watch hangs silently, its 30 s inactivity timeout cannot end it, and
 * the informer never reconnects (measured: after an apiserver restart an informer missed every
 * later change). Deno's fetch ends or fails the body, so the library's informer reconnects.
 *
 * Liveness comes from the API itself: every watch asks for bookmarks (`allowWatchBookmarks`;
 * kube-apiserver sends one about every minute and one 2 s before the end) and for the server to
 * end it after `timeoutSeconds`, after which the informer resumes from the last resource version.
 * A healthy watch, however idle, therefore ends by itself in time; only one that has received
 * nothing for `timeoutSeconds` plus a grace period is dead, and is ended from our side (the
 * informer reconnects quietly). Ending it does not wait for the body to fail: an aborted Deno
 * body was measured to hang on the second watch of an informer.
 *
 * @module
 */
import {
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
  ListWatch,
  type ObjectCache,
  Watch,
} from "@kubernetes/client-node";

/** TLS and authentication of a request, as the library's KubeConfig fills them in. */
interface RequestOptions {
  headers?: Record<string, string>;
  ca?: Uint8Array;
  cert?: Uint8Array;
  key?: Uint8Array;
}

/** How long the apiserver keeps a watch open unless told otherwise (seconds). */
export const DEFAULT_WATCH_TIMEOUT_SECONDS = 300;
/** How long past its `timeoutSeconds` a silent watch is given before it counts as dead. */
export const WATCH_GRACE_MS = 30_000;

/** Why a watch ended: the apiserver's timeout, silence past it, or an error. */
export type WatchEnd = "expired" | "dead" | "failed";

/** How the apiserver is asked to keep watches alive. */
export interface WatchSettings {
  /** The apiserver ends every watch after this many seconds (`timeoutSeconds`). */
  timeoutSeconds: number;
  /** Hears every watch that ended (not the ones the informer stopped itself). */
  onEnd?: (reason: WatchEnd) => void;
}

/** The library's `Watch`, on Deno's fetch, with bookmarks and a server-side timeout. */
export class DenoWatch extends Watch {
  readonly #settings: WatchSettings;

  /** A watch of the cluster `config` names, kept alive as `settings` say. */
  constructor(config: KubeConfig, settings: WatchSettings) {
    super(config);
    this.#settings = settings;
  }

  /** A watch that received nothing (no event, no bookmark, no end) this long is dead. */
  get deadAfterMs(): number {
    return this.#settings.timeoutSeconds * 1000 + WATCH_GRACE_MS;
  }

  /** Watches `path`; `done` hears once when the watch ends (an error, or null when it closed). */
  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    // deno-lint-ignore no-explicit-any -- the library's signature
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    // deno-lint-ignore no-explicit-any -- the library's signature
    done: (err: any) => void,
  ): Promise<AbortController> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error("No currently active cluster");
    const params = {
      ...queryParams,
      allowWatchBookmarks: true,
      timeoutSeconds: this.#settings.timeoutSeconds,
    };
    // Deno's fetch cannot skip TLS verification or verify another server name per client.
    if (cluster.skipTLSVerify || cluster.tlsServerName) {
      return await super.watch(path, params, callback, done);
    }
    const url = new URL(cluster.server + path);
    url.searchParams.set("watch", "true");
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const options: RequestOptions = {};
    await this.config.applyToHTTPSOptions(options);
    const text = (bytes?: Uint8Array) => bytes && new TextDecoder().decode(bytes);
    const client = Deno.createHttpClient({
      http2: false,
      caCerts: options.ca ? [text(options.ca)!] : undefined,
      ...(options.cert && options.key ? { cert: text(options.cert), key: text(options.key) } : {}),
    });

    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const resetTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const dead = new DOMException(
          `The watch received nothing for ${this.deadAfterMs / 1000} s`,
          "TimeoutError",
        );
        controller.abort(dead);
        finish(dead);
      }, this.deadAfterMs);
    };
    let finished = false;
    const finish = (error: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      controller.abort();
      client.close();
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      // Aborted by the informer itself (it stops or restarts): not an error.
      const abortedByCaller = !timedOut && controller.signal.aborted &&
        error instanceof DOMException && error.name === "AbortError";
      if (!abortedByCaller) {
        this.#settings.onEnd?.(timedOut ? "dead" : error ? "failed" : "expired");
      }
      done(abortedByCaller ? null : error);
    };

    try {
      resetTimer();
      const response = await fetch(url, {
        headers: options.headers,
        signal: controller.signal,
        client,
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw Object.assign(new Error(response.statusText || `HTTP ${response.status}`), {
          statusCode: response.status,
        });
      }
      readLines(response.body!, resetTimer, (line) => {
        let event: { type: string; object: unknown };
        try {
          event = JSON.parse(line);
        } catch {
          return; // as the library: a line that is not JSON is skipped
        }
        callback(event.type, event.object, event);
      }).then(() => finish(null), (error) => finish(controller.signal.reason ?? error));
    } catch (error) {
      finish(controller.signal.reason ?? error);
    }
    return controller;
  }
}

/** Calls `onLine` for every line of `body`, and `onData` for every chunk. */
async function readLines(
  body: ReadableStream<Uint8Array>,
  onData: () => void,
  onLine: (line: string) => void,
): Promise<void> {
  let pending = "";
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    onData();
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) onLine(line);
      newline = pending.indexOf("\n");
    }
  }
  if (pending.trim()) onLine(pending.trim());
}

/** The library's `makeInformer`, with watches on {@link DenoWatch}. */
export function makeDenoInformer<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  path: string,
  listFn: ListPromise<T>,
  settings: WatchSettings = { timeoutSeconds: DEFAULT_WATCH_TIMEOUT_SECONDS },
  labelSelector?: string,
): Informer<T> & ObjectCache<T> {
  return new ListWatch<T>(path, new DenoWatch(kubeConfig, settings), listFn, false, labelSelector);
}
