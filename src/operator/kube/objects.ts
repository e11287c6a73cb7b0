/**
 * Reads, applies and deletes arbitrary Kubernetes objects: the reconciler's only way to touch the
 * objects templates generate. Server-side apply under one fixed field manager; resource
 * discovery is cached by the client library and refreshed when a kind is not found.
 *
 * @module
 */

import {
  ApiException,
  type KubeConfig,
  type KubernetesObject as ClientObject,
  KubernetesObjectApi,
  PatchStrategy,
} from "@kubernetes/client-node";
import { DhcpTemplateError } from "../../shared/errors.ts";
import { describeRef, type KubernetesObject, type ObjectRef } from "../../shared/kube_object.ts";

/** The field manager of every apply this operator makes. */
export const FIELD_MANAGER = "dhcp-template";

/** A request to the apiserver about one object failed. */
export class KubeObjectError extends DhcpTemplateError {
  /** HTTP status code, when the apiserver answered. */
  readonly status?: number;

  /** Creates the error for `verb` on `ref`. */
  constructor(verb: string, ref: ObjectRef, detail: string, status?: number, cause?: unknown) {
    super(`Cannot ${verb} "${describeRef(ref)}": ${detail}`, { object: describeRef(ref) }, {
      cause,
    });
    this.status = status;
  }
}

/** The library's generic object client with its cached discovery made reachable. */
class DiscoveringObjectApi extends KubernetesObjectApi {
  /** The API resource of a kind; the library caches it and asks again on a miss. */
  lookup(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }
}

/** The object operations the reconciler needs. */
export class ClusterObjects {
  readonly #api: DiscoveringObjectApi;

  /** Creates the client for the cluster of `kubeConfig`. */
  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(DiscoveringObjectApi);
  }

  /** Whether objects of this kind live in a namespace; an unknown kind is an error. */
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.#resource(apiVersion, kind)).namespaced;
  }

  /** The URL path of all objects of a kind, across namespaces (for list and watch). */
  async collectionPath(apiVersion: string, kind: string): Promise<string> {
    const resource = await this.#resource(apiVersion, kind);
    return `/${apiVersion.includes("/") ? "apis" : "api"}/${apiVersion}/${resource.name}`;
  }

  async #resource(apiVersion: string, kind: string) {
    const ref = { apiVersion, kind, name: "*" };
    let resource;
    try {
      resource = await this.#api.lookup(apiVersion, kind);
    } catch (error) {
      throw wrap("look up", ref, error);
    }
    if (!resource) {
      throw new KubeObjectError(
        "look up",
        ref,
        `the cluster serves no kind ${kind} in ${apiVersion} (is its CRD installed?)`,
      );
    }
    return resource;
  }

  /** The object, or undefined when it does not exist. */
  async get(ref: ObjectRef): Promise<KubernetesObject | undefined> {
    try {
      return fromClient(await this.#api.read(toHeader(ref)));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw wrap("read", ref, error);
    }
  }

  /** Server-side applies `object` (forcing ownership of conflicting fields) and returns the result. */
  async apply(object: KubernetesObject): Promise<KubernetesObject> {
    const body = { ...object, metadata: { ...object.metadata } };
    delete body.metadata.uid;
    delete body.metadata.resourceVersion;
    try {
      return fromClient(
        await this.#api.patch(
          body as ClientObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        ),
      );
    } catch (error) {
      throw wrap("apply", object as ObjectRef & KubernetesObject, error);
    }
  }

  /**
   * Deletes the object if it still has `uid` (a recreated object of the same name is left alone).
   * Returns false when it was already gone or had been replaced.
   */
  async delete(ref: ObjectRef, uid: string): Promise<boolean> {
    try {
      await this.#api.delete(
        toHeader(ref),
        undefined,
        undefined,
        undefined,
        undefined,
        "Background",
        { preconditions: { uid } },
      );
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 409) return false;
      throw wrap("delete", ref, error);
    }
  }
}

function toHeader(
  ref: ObjectRef,
): { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name },
  };
}

function fromClient(object: ClientObject): KubernetesObject {
  // Round-trip through JSON: the client turns timestamps into Date objects.
  return JSON.parse(JSON.stringify(object)) as KubernetesObject;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

function wrap(verb: string, ref: ObjectRef, error: unknown): KubeObjectError {
  if (error instanceof KubeObjectError) return error;
  if (error instanceof ApiException) {
    const body = typeof error.body === "string" ? safeJson(error.body) : error.body;
    const message = body && typeof body === "object" && "message" in body
      ? String((body as { message: unknown }).message)
      : `HTTP ${error.code}`;
    return new KubeObjectError(verb, ref, message, error.code, error);
  }
  return new KubeObjectError(verb, ref, error instanceof Error ? error.message : String(error));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
