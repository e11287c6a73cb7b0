/**
 * Talks HTTP/1.1 to the apiserver. The client library sends its requests through undici, which
 * negotiates HTTP/2 by default; under Deno, HTTP/2 runs on Deno's node:http2, and when the
 * apiserver shuts down (GOAWAY) the whole process can die (SIGSEGV, or an nghttp2 assertion) —
 * measured: 1 of 2 runs of a process listing ConfigMaps while the apiserver stopped.
 *
 * @module
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { Agent } from "undici";

/** How long a request may wait for the apiserver's response or its next data. */
const REQUEST_TIMEOUT_MS = 30_000;

type CreateDispatcher = (
  cluster: Parameters<KubeConfig["createDispatcherOptions"]>[0],
  agentOptions: Parameters<KubeConfig["createDispatcherOptions"]>[1],
) => unknown;

/**
 * Makes `config`'s API clients use HTTP/1.1 (direct connections; requests through a proxy are
 * left as the library makes them). Returns `config`.
 */
export function useHttp1(config: KubeConfig): KubeConfig {
  const library = config as unknown as { createDispatcher: CreateDispatcher };
  const original = library.createDispatcher.bind(config);
  library.createDispatcher = (cluster, agentOptions) => {
    const options = config.createDispatcherOptions(cluster, agentOptions);
    if (options.type !== "agent") return original(cluster, agentOptions);
    return new Agent({
      connect: options.connect,
      allowH2: false,
      // A request on a connection the apiserver dropped can hang under Deno; give up after 30 s
      // (no response, or no data) so the caller retries instead of waiting 5 minutes.
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
  };
  return config;
}
