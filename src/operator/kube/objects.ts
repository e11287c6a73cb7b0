/**
 * Reads, applies and deletes arbitrary Kubernetes objects: the reconciler's only way to touch the
 * objects templates generate. Server-side apply under one fixed field manager; resource
 * discovery is cached by the client library and refreshed when a kind is not found.
 *
 * Applies and deletes can be made as a template's service account (impersonation, see
 * `impersonation.ts`); reads and discovery are always the operator's own. The header is set per
 * request: the library's own `impersonateUser` of a kubeconfig user would act as the account for
 * every request of the client, reads and discovery included.
 *
 * Objects travel as the JSON the apiserver speaks: the library's generic object API would pass
 * built-in kinds through its typed models, which rename fields (`enum` → `_enum`) and drop the
 * ones its models do not know.
 *
 * @module
 */

import {
  ApiException,
  HttpMethod,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type ResponseContext,
} from "@kubernetes/client-node";
import { DhcpTemplateError } from "../../shared/errors.ts";
import { impersonationHeaders, type ServiceAccountRef } from "./impersonation.ts";
import {
  describeRef,
  type KubernetesObject,
  type ObjectRef,
  refOf,
} from "../../shared/kube_object.ts";

/** The field manager of every apply this operator makes of objects it owns. */
export const FIELD_MANAGER = "dhcp-template";
/**
 * The field manager of patches of opted-in objects: apart from {@link FIELD_MANAGER}, so a patch
 * never drops the fields of an owned apply, and releasing a patch releases only its fields.
 */
export const PATCH_FIELD_MANAGER = "dhcp-template-patch";

/** How an apply is made. */
export interface ApplyOptions {
  /** The field manager (default {@link FIELD_MANAGER}). */
  fieldManager?: string;
  /** Only validate, store nothing (server-side dry run). */
  dryRun?: boolean;
  /** The service account to impersonate. */
  as?: ServiceAccountRef;
  /** The UID the object must still have (a replaced object is refused with 422, not changed). */
  uid?: string;
}

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

/** A list of objects as the apiserver returns it. */
export interface ObjectList {
  /** Resource version of the list, where a watch continues. */
  metadata: { resourceVersion?: string };
  /** The objects. */
  items: KubernetesObject[];
}

/** Marks a request whose response stays raw JSON. */
const RAW = "raw JSON";

/**
 * The library's generic object client, with its cached discovery made reachable and requests
 * whose bodies and responses bypass the typed models.
 */
class RawObjectApi extends KubernetesObjectApi {
  /** The API resource of a kind; the library caches it and asks again on a miss. */
  lookup(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }

  /** Drops the cached resources of an API version (its CRD may have been deleted). */
  forget(apiVersion: string): void {
    delete this.apiVersionResourceCache[apiVersion];
  }

  /** Sends one request (as `as`, when given); the response body comes back as parsed JSON. */
  send(
    method: HttpMethod,
    path: string,
    query: Record<string, string> = {},
    body?: { contentType: string; json: unknown },
    as?: ServiceAccountRef,
  ): Promise<unknown> {
    const request = this.configuration.baseServer.makeRequestContext(path, method);
    request.setHeaderParam("Accept", "application/json");
    for (const [name, value] of Object.entries(impersonationHeaders(as))) {
      request.setHeaderParam(name, value);
    }
    for (const [name, value] of Object.entries(query)) request.setQueryParam(name, value);
    if (body) {
      request.setHeaderParam("Content-Type", body.contentType);
      request.setBody(JSON.stringify(body.json));
    }
    return this.requestPromise(request, RAW);
  }

  protected override async processResponse<T>(response: ResponseContext, type?: string) {
    if (type !== RAW) return await super.processResponse(response, type) as T;
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) {
      return JSON.parse(await response.body.text()) as T;
    }
    throw new ApiException(
      response.httpStatusCode,
      "Unsuccessful HTTP Request",
      await response.getBodyAsAny(),
      response.headers,
    );
  }
}

/** The object operations the reconciler needs. */
export class ClusterObjects {
  readonly #api: RawObjectApi;

  /** Creates the client for the cluster of `kubeConfig`. */
  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(RawObjectApi);
  }

  /** Whether objects of this kind live in a namespace; an unknown kind is an error. */
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.#resource(apiVersion, kind)).namespaced;
  }

  /** The URL path of all objects of a kind, across namespaces (for list and watch). */
  async collectionPath(apiVersion: string, kind: string): Promise<string> {
    const resource = await this.#resource(apiVersion, kind);
    return `${groupVersionPath(apiVersion)}/${resource.name}`;
  }

  /**
   * Every object of a kind with a label (`labelSelector` syntax), across namespaces. Each item
   * carries its `apiVersion` and `kind`, which the apiserver leaves out of the items of built-in
   * kinds (a ConfigMap listed without them would never equal the rendered one).
   */
  async list(apiVersion: string, kind: string, labelSelector: string): Promise<ObjectList> {
    const path = await this.collectionPath(apiVersion, kind);
    let list: ObjectList;
    try {
      list = await this.#api.send(HttpMethod.GET, path, { labelSelector }) as ObjectList;
    } catch (error) {
      throw await this.#failure("list", { apiVersion, kind, name: `*` }, error);
    }
    return { ...list, items: list.items.map((item) => ({ ...item, apiVersion, kind })) };
  }

  async #objectPath(ref: ObjectRef): Promise<string> {
    const resource = await this.#resource(ref.apiVersion, ref.kind);
    const base = groupVersionPath(ref.apiVersion);
    const namespace = resource.namespaced
      ? `/namespaces/${encodeURIComponent(ref.namespace ?? "default")}`
      : "";
    return `${base}${namespace}/${resource.name}/${encodeURIComponent(ref.name)}`;
  }

  async #resource(apiVersion: string, kind: string) {
    const ref = { apiVersion, kind, name: "*" };
    let resource;
    try {
      resource = await this.#api.lookup(apiVersion, kind);
    } catch (error) {
      // The whole API version is unknown (a CRD's group that is not installed).
      if (statusOf(error) !== 404) throw wrap("look up", ref, error);
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

  /**
   * Wraps a failed request on `ref`. A 404 without a Status body means the resource path itself
   * is gone (its CRD was deleted): the cached discovery is dropped and asked again, so the error
   * says the kind is not served, and a reinstalled CRD is found.
   */
  async #failure(verb: string, ref: ObjectRef, error: unknown): Promise<KubeObjectError> {
    if (isMissingPath(error)) {
      this.#api.forget(ref.apiVersion);
      try {
        await this.#resource(ref.apiVersion, ref.kind);
      } catch (lookupError) {
        return wrap(verb, ref, lookupError);
      }
    }
    return wrap(verb, ref, error);
  }

  /** The object, or undefined when it does not exist. */
  async get(ref: ObjectRef): Promise<KubernetesObject | undefined> {
    try {
      return await this.#api.send(HttpMethod.GET, await this.#objectPath(ref)) as KubernetesObject;
    } catch (error) {
      if (statusOf(error) === 404 && !isMissingPath(error)) return undefined;
      throw await this.#failure("read", ref, error);
    }
  }

  /**
   * Server-side applies `object` (forcing ownership of conflicting fields) and returns the result;
   * as the service account `as` when given.
   */
  apply(object: KubernetesObject, as?: ServiceAccountRef): Promise<KubernetesObject> {
    return this.applyWith(object, { as });
  }

  /**
   * Server-side applies `object` (forcing ownership of conflicting fields) as `options` say:
   * under another field manager, as a service account, or as a dry run (admission, defaulting and
   * validation run, nothing is stored).
   */
  async applyWith(object: KubernetesObject, options: ApplyOptions): Promise<KubernetesObject> {
    const query: Record<string, string> = {
      fieldManager: options.fieldManager ?? FIELD_MANAGER,
      force: "true",
    };
    if (options.dryRun) query.dryRun = "All";
    const body = { ...object, metadata: { ...object.metadata } };
    delete body.metadata.uid;
    delete body.metadata.resourceVersion;
    if (options.uid) body.metadata.uid = options.uid;
    try {
      const path = await this.#objectPath(refOf(object));
      return await this.#api.send(
        HttpMethod.PATCH,
        path,
        query,
        { contentType: PatchStrategy.ServerSideApply, json: body },
        options.as,
      ) as KubernetesObject;
    } catch (error) {
      throw await this.#failure("apply", refOf(object), error);
    }
  }

  /**
   * Releases every field of `ref` that the patch field manager holds (an apply of nothing under
   * {@link PATCH_FIELD_MANAGER}): fields no other manager holds are removed, the object and every
   * other field stay. Only while the object still has `uid`: the result, or undefined when the
   * object is gone (the apiserver answers 409 and creates nothing) or was replaced (422,
   * `metadata.uid` is immutable).
   */
  async releasePatch(
    ref: ObjectRef,
    uid: string,
    options: Omit<ApplyOptions, "fieldManager" | "uid"> = {},
  ): Promise<KubernetesObject | undefined> {
    const metadata: KubernetesObject["metadata"] = { name: ref.name };
    if (ref.namespace) metadata.namespace = ref.namespace;
    try {
      return await this.applyWith(
        { apiVersion: ref.apiVersion, kind: ref.kind, metadata },
        { ...options, fieldManager: PATCH_FIELD_MANAGER, uid },
      );
    } catch (error) {
      const gone = error instanceof KubeObjectError &&
        (error.status === 409 || (error.status === 422 && /metadata\.uid/.test(error.message)));
      if (gone) return undefined;
      throw error;
    }
  }

  /**
   * Deletes the object if it still has `uid` (a recreated object of the same name is left alone).
   * Returns false when it was already gone or had been replaced. As the service account `as` when
   * given.
   */
  async delete(ref: ObjectRef, uid: string, as?: ServiceAccountRef): Promise<boolean> {
    try {
      await this.#api.send(HttpMethod.DELETE, await this.#objectPath(ref), {}, {
        contentType: "application/json",
        json: {
          apiVersion: "v1",
          kind: "DeleteOptions",
          propagationPolicy: "Background",
          preconditions: { uid },
        },
      }, as);
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 409) return false;
      throw wrap("delete", ref, error);
    }
  }
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` for the others. */
function groupVersionPath(apiVersion: string): string {
  return `/${apiVersion.includes("/") ? "apis" : "api"}/${apiVersion}`;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** A 404 that is not about an object (no Status body): the resource path does not exist. */
function isMissingPath(error: unknown): boolean {
  if (statusOf(error) !== 404) return false;
  const { body } = error as ApiException<unknown>;
  const parsed = typeof body === "string" ? safeJson(body) : body;
  return !(parsed && typeof parsed === "object" &&
    (parsed as { kind?: unknown }).kind === "Status");
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
