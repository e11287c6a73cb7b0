/**
 * NodeStore: every node's state, kept durable in the cluster as DHCPNode objects. Every replica
 * accepts agent reports and writes them (server-side apply, only when the data changed) and
 * watches all DHCPNodes, so the leader sees what other replicas stored and a restart reloads it.
 *
 * @module
 */
import {
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject as ClientObject,
  type ObjectCache,
} from "@kubernetes/client-node";
import { makeDenoInformer, type WatchSettings } from "../kube/watch.ts";
import { compareResourceVersions, type KubernetesObject } from "../../shared/kube_object.ts";
import type { Interface, Node } from "../../shared/model.ts";
import { reportDigest } from "../../shared/wire/codec.ts";
import { type ChannelLog, SILENT_LOG } from "../../shared/wire/log.ts";
import type { NodeSource } from "../controller.ts";
import { startInformer } from "../kube/informer.ts";
import { isTransient } from "../kube/transient.ts";
import { ClusterObjects } from "../kube/objects.ts";
import {
  DHCP_NODE_API_VERSION,
  DHCP_NODE_PLURAL,
  fromDhcpNode,
  type NodeOwner,
  ownerUid,
  toDhcpNode,
} from "./dhcp_node.ts";
import {
  isCurrent,
  mergeReport,
  nextExpiry,
  type NodeState,
  sameInterfaces,
  snapshotNodes,
} from "./state.ts";

/** Options of {@link NodeStore.start}. */
export interface NodeStoreOptions {
  /** The cluster. */
  kubeConfig: KubeConfig;
  /** Where watch failures and writes are logged. */
  log?: ChannelLog;
  /** How the DHCPNode watch is kept alive (default: the apiserver ends it every 5 minutes). */
  watch?: WatchSettings;
}

/** Counts of the store's requests (for metrics and the zero-write guarantee). */
export interface NodeStoreCounts {
  /** DHCPNode applies. */
  writes: number;
  /** Reports that changed nothing and so were not written. */
  unchanged: number;
}

interface Entry {
  state: NodeState;
  uid?: string;
  resourceVersion?: string;
  ownerUid?: string;
}

const [GROUP, VERSION] = DHCP_NODE_API_VERSION.split("/");

/** The node states, from and to DHCPNode objects. */
export class NodeStore implements NodeSource {
  /** Requests made so far. */
  readonly counts: NodeStoreCounts = { writes: 0, unchanged: 0 };
  readonly #objects: ClusterObjects;
  readonly #informer: Informer<ClientObject> & ObjectCache<ClientObject>;
  readonly #log: ChannelLog;
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<(nodeName: string) => void>();
  /** The accept in progress per node: accepts of one node run one after the other. */
  readonly #pending = new Map<string, Promise<unknown>>();
  #loaded = false;
  #stopped = false;

  private constructor(options: NodeStoreOptions) {
    const { kubeConfig } = options;
    this.#log = options.log ?? SILENT_LOG;
    this.#objects = new ClusterObjects(kubeConfig);
    const customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#informer = makeDenoInformer<ClientObject>(
      kubeConfig,
      `/apis/${DHCP_NODE_API_VERSION}/${DHCP_NODE_PLURAL}`,
      async () =>
        await customObjects.listClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: DHCP_NODE_PLURAL,
        }) as KubernetesListObject<ClientObject>,
      options.watch,
    );
    this.#informer.on("add", (object) => this.#observed(object));
    this.#informer.on("update", (object) => this.#observed(object));
    this.#informer.on("delete", (object) => this.#removed(object));
  }

  /**
   * Starts watching DHCPNodes; resolves once every stored node has been loaded (an apiserver
   * that is still starting is waited for), rejects (and stops watching) when the first list
   * fails for good, e.g. because the DHCPNode CRD is missing.
   */
  static async start(options: NodeStoreOptions): Promise<NodeStore> {
    const store = new NodeStore(options);
    try {
      await startInformer(store.#informer, {
        stopped: () => store.#stopped,
        onRetry: (error) => {
          // An apiserver that is starting or unreachable for a moment needs nobody.
          const level = isTransient(error) ? "info" : "warn";
          store.#log[level]("DHCPNode watch interrupted; restarting it", { error });
        },
      });
    } catch (error) {
      await store.stop().catch(() => {});
      throw error;
    }
    for (const object of store.#informer.list()) store.#observed(object);
    store.#loaded = true;
    return store;
  }

  /** Whether the stored nodes have been loaded. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Every node's current data at `now`, sorted by name (expired entries left out). */
  snapshot(now: Date): Node[] {
    return snapshotNodes([...this.#entries.values()].map((entry) => entry.state), now);
  }

  /** How many nodes have valid data at `now` (the length of `snapshot(now)`, without copying). */
  count(now: Date): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (isCurrent(entry.state, now)) count++;
    return count;
  }

  /** When the next address, prefix or lease of any node expires. */
  nextExpiry(now: Date): Date | undefined {
    let next: Date | undefined;
    for (const entry of this.#entries.values()) {
      const at = nextExpiry(entry.state.interfaces, now);
      if (at && (!next || at < next)) next = at;
    }
    return next;
  }

  /** Whether the stored state of `nodeName` is the one of the report with `digest`. */
  holds(nodeName: string, digest: string): boolean {
    return this.#entries.get(nodeName)?.state.digest === digest;
  }

  /** The stored (merged) state of one node, if any. */
  state(nodeName: string): NodeState | undefined {
    const entry = this.#entries.get(nodeName);
    return entry && structuredClone(entry.state);
  }

  /**
   * Stores a node's report: merges it with the stored state and applies the DHCPNode when
   * anything changed (data, digest or owning Node); the DHCPNode records when the change was seen
   * (`seenAt`, else `receivedAt`). Returns whether it wrote.
   */
  accept(
    nodeName: string,
    interfaces: Interface[],
    receivedAt: Date,
    seenAt?: Date,
  ): Promise<boolean> {
    const previous = this.#pending.get(nodeName) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() =>
      this.#accept(nodeName, interfaces, receivedAt, seenAt)
    );
    this.#pending.set(nodeName, next);
    const cleanup = () => {
      if (this.#pending.get(nodeName) === next) this.#pending.delete(nodeName);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  /** Calls `listener` with a node's name whenever its state changes; returns the unsubscriber. */
  onChange(listener: (nodeName: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops the watch. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#informer.stop();
  }

  async #accept(
    nodeName: string,
    interfaces: Interface[],
    receivedAt: Date,
    seenAt: Date | undefined,
  ): Promise<boolean> {
    const digest = reportDigest({ name: nodeName, interfaces });
    const entry = this.#entries.get(nodeName);
    const merged = mergeReport(entry?.state.interfaces, interfaces, receivedAt);
    const owner = await this.#owner(nodeName);
    if (
      entry && entry.state.digest === digest && entry.ownerUid === owner?.uid &&
      sameInterfaces(entry.state.interfaces, merged)
    ) {
      this.counts.unchanged++;
      return false;
    }
    const state: NodeState = {
      name: nodeName,
      interfaces: merged,
      digest,
      reportedAt: receivedAt.toISOString(),
      changeSeenAt: (seenAt ?? receivedAt).toISOString(),
    };
    this.counts.writes++;
    const applied = await this.#objects.apply(toDhcpNode(state, owner));
    this.#store(applied);
    return true;
  }

  async #owner(nodeName: string): Promise<NodeOwner | undefined> {
    const node = await this.#objects.get({ apiVersion: "v1", kind: "Node", name: nodeName });
    const uid = node?.metadata.uid;
    return uid ? { name: nodeName, uid } : undefined;
  }

  #observed(object: ClientObject): void {
    this.#store(JSON.parse(JSON.stringify(object)) as KubernetesObject);
  }

  /** Takes a DHCPNode as current unless an equal or newer version is already known. */
  #store(object: KubernetesObject): void {
    const name = object.metadata.name;
    const known = this.#entries.get(name);
    if (known && known.uid === object.metadata.uid && !isNewer(object, known.resourceVersion)) {
      return;
    }
    let state: NodeState;
    try {
      state = fromDhcpNode(object);
    } catch (error) {
      this.#log.error("Ignoring a DHCPNode that cannot be read", {
        node: name,
        error: String(error),
      });
      return;
    }
    this.#entries.set(name, {
      state,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      ownerUid: ownerUid(object),
    });
    this.#notify(name);
  }

  #removed(object: ClientObject): void {
    const name = object.metadata?.name ?? "";
    const known = this.#entries.get(name);
    if (!known || (known.uid && known.uid !== object.metadata?.uid)) return;
    this.#entries.delete(name);
    this.#log.info("Node state removed", { node: name });
    this.#notify(name);
  }

  #notify(nodeName: string): void {
    for (const listener of this.#listeners) {
      try {
        listener(nodeName);
      } catch (error) {
        this.#log.error("A node change listener failed", { node: nodeName, error: String(error) });
      }
    }
  }
}

/** Whether `object` is newer than the version known (not comparable: newer, to be safe). */
function isNewer(object: KubernetesObject, knownVersion: string | undefined): boolean {
  return (compareResourceVersions(object.metadata.resourceVersion, knownVersion) ?? 1) > 0;
}
