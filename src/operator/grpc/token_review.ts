/**
 * Authenticates agents with the apiserver's TokenReview API (for the configured audience) and
 * caches each token's review briefly, so heartbeats cost no apiserver request.
 *
 * @module
 */
import { AuthenticationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { createHash } from "node:crypto";
import { DhcpTemplateError } from "../../shared/errors.ts";
import { type AuthDecision, identify, type TokenReviewResult } from "./auth.ts";
import { ExpiringCache } from "./expiring_cache.ts";

/** Decides who a caller is from its bearer token. */
export interface Authenticator {
  /** The caller's identity, or why it has none; throws when the apiserver cannot be asked. */
  authenticate(token: string | undefined): Promise<AuthDecision>;
}

/** Options of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  /** The cluster whose apiserver reviews the tokens. */
  kubeConfig: KubeConfig;
  /** The audience agent tokens must carry. */
  audience: string;
  /** The agent service accounts, as `namespace:name`. */
  serviceAccounts: readonly string[];
  /** How long a review result is reused (seconds, default 30). */
  cacheSeconds?: number;
  /** The clock in milliseconds (default `Date.now`). */
  now?: () => number;
}

/** The TokenReview request failed (the apiserver is unreachable or refused it). */
export class TokenReviewError extends DhcpTemplateError {
  /** Creates the error. */
  constructor(detail: string, cause?: unknown) {
    super(`Cannot review "agent token": ${detail}`, {}, { cause });
  }
}

/** An {@link Authenticator} backed by TokenReview, with the number of reviews it made. */
export class TokenReviewAuthenticator implements Authenticator {
  /** TokenReview requests sent so far. */
  reviews = 0;
  readonly #api: AuthenticationV1Api;
  readonly #audience: string;
  readonly #serviceAccounts: readonly string[];
  readonly #cache: ExpiringCache<string, Promise<TokenReviewResult>>;

  /** Creates the authenticator. */
  constructor(options: AuthenticatorOptions) {
    this.#api = options.kubeConfig.makeApiClient(AuthenticationV1Api);
    this.#audience = options.audience;
    this.#serviceAccounts = options.serviceAccounts;
    this.#cache = new ExpiringCache((options.cacheSeconds ?? 30) * 1000, 10_000, options.now);
  }

  /** The caller's identity, or why it has none. */
  async authenticate(token: string | undefined): Promise<AuthDecision> {
    if (!token) {
      return {
        ok: false,
        kind: "unauthenticated",
        label: "missing_token",
        reason: "the call carries no bearer token",
      };
    }
    return identify(await this.#review(token), this.#serviceAccounts);
  }

  #review(token: string): Promise<TokenReviewResult> {
    const key = createHash("sha256").update(token).digest("hex");
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const review = this.#request(token);
    this.#cache.set(key, review);
    // A failed request is not an answer: the next call asks again.
    review.catch(() => {
      if (this.#cache.get(key) === review) this.#cache.set(key, review, 0);
    });
    return review;
  }

  async #request(token: string): Promise<TokenReviewResult> {
    this.reviews++;
    let status;
    try {
      const review = await this.#api.createTokenReview({
        body: { spec: { token, audiences: [this.#audience] } },
      });
      status = review.status;
    } catch (error) {
      throw new TokenReviewError(error instanceof Error ? error.message : String(error), error);
    }
    const authenticated = status?.authenticated === true &&
      (status.audiences ?? [this.#audience]).includes(this.#audience);
    const result: TokenReviewResult = { authenticated };
    if (status?.user) result.user = { username: status.user.username, extra: status.user.extra };
    if (status?.error) result.error = status.error;
    return result;
  }
}

/** Creates the authenticator the agent server uses. */
export function createAuthenticator(options: AuthenticatorOptions): TokenReviewAuthenticator {
  return new TokenReviewAuthenticator(options);
}
