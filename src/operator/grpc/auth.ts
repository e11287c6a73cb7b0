/**
 * Decides from a TokenReview result who an agent is (pure): the token must be authenticated for
 * the audience, belong to one of the configured agent service accounts, and name the node the
 * pod runs on (`authentication.kubernetes.io/node-name`). A report for another node is denied.
 *
 * @module
 */

/** The claim the apiserver adds to tokens bound to a pod that runs on a node. */
export const NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";

/** What the apiserver's TokenReview said about a token (the fields this decision needs). */
export interface TokenReviewResult {
  /** Whether the token is valid for the requested audience. */
  authenticated: boolean;
  /** The user the token belongs to. */
  user?: {
    /** E.g. `system:serviceaccount:<namespace>:<name>`. */
    username?: string;
    /** Extra claims, e.g. the node name. */
    extra?: Record<string, string[]>;
  };
  /** The reason it was not authenticated. */
  error?: string;
}

/** An authenticated agent. */
export interface AgentIdentity {
  /** `namespace:name` of its service account. */
  serviceAccount: string;
  /** The node its pod runs on: the only node it may report for. */
  nodeName: string;
}

/**
 * Why a call was refused: no valid identity, an identity that may not do this, or a token that
 * could not be reviewed now because too many unknown tokens are being reviewed.
 */
export type RejectionKind = "unauthenticated" | "permission_denied" | "throttled";

/** Why exactly a call was refused (the metrics' `reason` label). */
export type RejectionReason =
  | "missing_token"
  | "invalid_token"
  | "not_a_service_account"
  | "wrong_service_account"
  | "no_node_claim"
  | "wrong_node"
  | "invalid_argument"
  | "throttled";

/** The outcome of checking a caller. */
export type AuthDecision =
  | { ok: true; identity: AgentIdentity }
  | { ok: false; kind: RejectionKind; label: RejectionReason; reason: string };

const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

/** A TokenReview's `status` as the apiserver returns it (the fields this decision needs). */
export interface TokenReviewStatus {
  /** Whether the token is valid. */
  authenticated?: boolean;
  /** The audiences the token is valid for, of those asked for. */
  audiences?: string[];
  /** The user the token belongs to. */
  user?: { username?: string; extra?: Record<string, string[]> };
  /** Why it is not valid. */
  error?: string;
}

/**
 * What a TokenReview for `audience` says: authenticated only when the apiserver says so and names
 * `audience` among the token's audiences. An answer without audiences (an authenticator that
 * ignores them) does not count as ours.
 */
export function reviewResult(
  status: TokenReviewStatus | undefined,
  audience: string,
): TokenReviewResult {
  const authenticated = status?.authenticated === true &&
    (status.audiences ?? []).includes(audience);
  const result: TokenReviewResult = { authenticated };
  if (status?.user) result.user = { username: status.user.username, extra: status.user.extra };
  if (status?.error) result.error = status.error;
  else if (status?.authenticated === true && !authenticated) {
    result.error = `the token is not valid for the audience "${audience}"`;
  }
  return result;
}

/**
 * Who the token belongs to, if it is an allowed agent. `allowedServiceAccounts` are
 * `namespace:name` pairs.
 */
export function identify(
  review: TokenReviewResult,
  allowedServiceAccounts: readonly string[],
): AuthDecision {
  if (!review.authenticated) {
    return {
      ok: false,
      kind: "unauthenticated",
      label: "invalid_token",
      reason: `the token is not valid${review.error ? `: ${review.error}` : ""}`,
    };
  }
  const username = review.user?.username ?? "";
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    return {
      ok: false,
      kind: "permission_denied",
      label: "not_a_service_account",
      reason: `"${username}" is not a service account`,
    };
  }
  const serviceAccount = username.slice(SERVICE_ACCOUNT_PREFIX.length);
  if (!allowedServiceAccounts.includes(serviceAccount)) {
    return {
      ok: false,
      kind: "permission_denied",
      label: "wrong_service_account",
      reason: `service account "${serviceAccount}" is not an agent service account`,
    };
  }
  const nodeNames = review.user?.extra?.[NODE_NAME_EXTRA] ?? [];
  if (nodeNames.length !== 1 || !nodeNames[0]) {
    return {
      ok: false,
      kind: "permission_denied",
      label: "no_node_claim",
      reason: `the token of "${serviceAccount}" names no node (${NODE_NAME_EXTRA}): ` +
        "it must be a projected token of a pod scheduled to a node",
    };
  }
  return { ok: true, identity: { serviceAccount, nodeName: nodeNames[0] } };
}

/** Whether `identity` may report for `nodeName`. */
export function authorizeNode(identity: AgentIdentity, nodeName: string): AuthDecision {
  if (identity.nodeName === nodeName) return { ok: true, identity };
  return {
    ok: false,
    kind: "permission_denied",
    label: "wrong_node",
    reason: `the agent of node "${identity.nodeName}" may not report for node "${nodeName}"`,
  };
}

/** The token of an `authorization: Bearer <token>` value, if it is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match?.[1];
}
