/**
 * Writing a template's objects as the service account the template names
 * (`spec.serviceAccount`): the operator sends `Impersonate-User:
 * system:serviceaccount:<namespace>:<name>`, and the apiserver then authorizes the write as that
 * account. For a service account user it adds the account's groups itself
 * (`system:serviceaccounts`, `system:serviceaccounts:<namespace>`, `system:authenticated`), so the
 * operator needs `impersonate` on that `serviceaccounts` object only — not on `users` or `groups`.
 * Pure.
 *
 * @module
 */

/** A service account, by namespace and name. */
export interface ServiceAccountRef {
  /** Its namespace. */
  namespace: string;
  /** Its name. */
  name: string;
}

/** The request header that makes the apiserver act as another user. */
export const IMPERSONATE_USER_HEADER = "Impersonate-User";

/** The user name of a service account: `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUser(account: ServiceAccountRef): string {
  return `system:serviceaccount:${account.namespace}:${account.name}`;
}

/** The headers of a request made as `account`; none when the operator acts as itself. */
export function impersonationHeaders(account?: ServiceAccountRef): Record<string, string> {
  return account ? { [IMPERSONATE_USER_HEADER]: serviceAccountUser(account) } : {};
}
