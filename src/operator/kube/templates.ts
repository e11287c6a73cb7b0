/**
 * The DHCPTemplate resources: a watch that keeps them cached and reports changes, status
 * writes (server-side apply on the status subresource) and Kubernetes Events about them.
 *
 * @module
 */

import {
  CoreV1Api,
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesObject as ClientObject,
  type ObjectCache,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { makeDenoInformer, type WatchSettings } from "./watch.ts";
import { compareResourceVersions } from "../../shared/kube_object.ts";
import { PATCH_FINALIZER, TEMPLATE_API_VERSION, TEMPLATE_KIND } from "../plan/plan.ts";
import type { DhcpTemplate } from "../reconcile.ts";
import type { TemplateStatus } from "../status.ts";
import { startInformer } from "./informer.ts";
import { FIELD_MANAGER } from "./objects.ts";

const GROUP = "k8s.lukasdietrich.com";
const VERSION = "v1alpha1";
const PLURAL = "dhcptemplates";
/** Namespace that holds Events about the cluster-scoped templates. */
const EVENT_NAMESPACE = "default";

/** Watches DHCPTemplates and writes their status and Events. */
export class Templates {
  readonly #informer: Informer<ClientObject> & ObjectCache<ClientObject>;
  readonly #onWatchRetry: (error: unknown) => void;
  readonly #customObjects: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #onEventError: (error: unknown) => void;
  #stopped = false;
  /** Templates as our last status write returned them, until the watch catches up. */
  readonly #written = new Map<string, ClientObject>();
  /** The generation last reported per template: status writes do not change it. */
  readonly #generations = new Map<string, number | undefined>();

  /**
   * `onChange` gets the name of every template created, changed or deleted;
   * `onEventError` hears about Events that could not be recorded (they are not retried);
   * `onWatchRetry` about watch failures (the watch restarts by itself).
   */
  constructor(
    kubeConfig: KubeConfig,
    onChange: (name: string) => void,
    onEventError: (error: unknown) => void,
    onWatchRetry: (error: unknown) => void,
    watch?: WatchSettings,
  ) {
    this.#onWatchRetry = onWatchRetry;
    this.#customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#onEventError = onEventError;
    this.#informer = makeDenoInformer<ClientObject>(
      kubeConfig,
      `/apis/${GROUP}/${VERSION}/${PLURAL}`,
      () =>
        this.#customObjects.listClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
        }),
      watch,
    );
    const changed = (object: ClientObject) => {
      const name = object.metadata?.name ?? "";
      const written = this.#written.get(name);
      if (written && !isOlder(object, written)) this.#written.delete(name);
      // A status write (ours) leaves the generation alone and needs no reconcile.
      if (this.#generations.get(name) === object.metadata?.generation) return;
      this.#generations.set(name, object.metadata?.generation);
      onChange(name);
    };
    this.#informer.on("add", changed);
    this.#informer.on("update", changed);
    this.#informer.on("delete", (object) => {
      const name = object.metadata?.name ?? "";
      this.#written.delete(name);
      this.#generations.delete(name);
      onChange(name);
    });
  }

  /** Starts the watch; resolves when the first list is cached. */
  start(): Promise<void> {
    return startInformer(this.#informer, {
      stopped: () => this.#stopped,
      onRetry: this.#onWatchRetry,
    });
  }

  /** Stops the watch. */
  stop(): Promise<void> {
    this.#stopped = true;
    return this.#informer.stop();
  }

  /** Every template, from the cache. */
  list(): DhcpTemplate[] {
    return this.#informer.list().map((object) => this.#current(object));
  }

  /** One template from the cache, or undefined when it was deleted. */
  get(name: string): DhcpTemplate | undefined {
    const object = this.#informer.get(name);
    return object ? this.#current(object) : undefined;
  }

  /** The cached template, or what our status write returned when that is newer. */
  #current(cached: ClientObject): DhcpTemplate {
    const written = this.#written.get(cached.metadata?.name ?? "");
    const object = written && isOlder(cached, written) ? written : cached;
    return JSON.parse(JSON.stringify(object)) as DhcpTemplate;
  }

  /** Replaces the template's status (server-side apply: fields no longer set are removed). */
  async writeStatus(template: DhcpTemplate, status: TemplateStatus): Promise<void> {
    const written = await this.#customObjects.patchClusterCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        name: template.metadata.name,
        body: {
          apiVersion: TEMPLATE_API_VERSION,
          kind: TEMPLATE_KIND,
          metadata: { name: template.metadata.name, uid: template.metadata.uid },
          status,
        },
        fieldManager: FIELD_MANAGER,
        force: true,
      },
      setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
    ) as ClientObject;
    const cached = this.#informer.get(template.metadata.name);
    if (!cached || isOlder(cached, written)) this.#written.set(template.metadata.name, written);
  }

  /**
   * Adds or removes {@link PATCH_FINALIZER} (a merge patch of `metadata.finalizers`, only while
   * the template still has the resource version it was read at: a concurrent change fails with
   * 409 and the reconcile is retried).
   */
  async setFinalizer(template: DhcpTemplate, present: boolean): Promise<void> {
    const others = (template.metadata.finalizers ?? []).filter((name) => name !== PATCH_FINALIZER);
    await this.#customObjects.patchClusterCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        name: template.metadata.name,
        body: {
          metadata: {
            finalizers: present ? [...others, PATCH_FINALIZER] : others,
            resourceVersion: template.metadata.resourceVersion,
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }

  /** Records an Event on the template (fire and forget). */
  event(template: DhcpTemplate, type: "Normal" | "Warning", reason: string, message: string): void {
    const now = new Date();
    this.#core.createNamespacedEvent({
      namespace: EVENT_NAMESPACE,
      body: {
        metadata: { generateName: `${template.metadata.name}.` },
        involvedObject: {
          apiVersion: TEMPLATE_API_VERSION,
          kind: TEMPLATE_KIND,
          name: template.metadata.name,
          uid: template.metadata.uid,
        },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: FIELD_MANAGER },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    }).catch(this.#onEventError);
  }
}

/** Whether `a` is an older version of the object than `b` (not comparable: not older). */
function isOlder(a: ClientObject, b: ClientObject): boolean {
  return (compareResourceVersions(a.metadata?.resourceVersion, b.metadata?.resourceVersion) ?? 0) <
    0;
}
