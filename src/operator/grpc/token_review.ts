/**
 * Authenticates agents with the apiserver's TokenReview API (for the configured audience) and
 * caches each token's decision briefly, so heartbeats cost no apiserver request.
 *
 * Callers are untrusted until reviewed: accepted agents and refused tokens live in separate
 * bounded caches (a flood of made-up tokens cannot evict an agent's entry), a refused token is
 * not reviewed again while its entry lasts, and reviews of unknown tokens are limited in rate and
 * concurrency ({@link ReviewBudget}); a call over the limit is refused as `throttled` without
 * asking the apiserver.
 *
 * @module
 */
import { AuthenticationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { createHash } from "node:crypto";
import { DhcpTemplateError } from "../../shared/errors.ts";
import { type AuthDecision, identify, reviewResult, type TokenReviewResult } from "./auth.ts";
import { ExpiringCache } from "./expiring_cache.ts";
import { DEFAULT_REVIEW_LIMITS, ReviewBudget, type ReviewLimits } from "./review_budget.ts";

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
  /** Limits of reviews of tokens not cached (default {@link DEFAULT_REVIEW_LIMITS}). */
  reviewLimits?: ReviewLimits;
  /** Accepted agent tokens remembered (default 10,000); refused tokens have as many places. */
  cacheEntries?: number;
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
  /** Decisions for tokens of allowed agents. */
  readonly #accepted: ExpiringCache<string, AuthDecision>;
  /** Decisions for every other token (negative caching). */
  readonly #refused: ExpiringCache<string, AuthDecision>;
  /** Reviews in flight, by token hash: callers with the same token share one. */
  readonly #pending = new Map<string, Promise<AuthDecision>>();
  readonly #budget: ReviewBudget;

  /** Creates the authenticator. */
  constructor(options: AuthenticatorOptions) {
    this.#api = options.kubeConfig.makeApiClient(AuthenticationV1Api);
    this.#audience = options.audience;
    this.#serviceAccounts = options.serviceAccounts;
    const ttlMs = (options.cacheSeconds ?? 30) * 1000;
    const entries = options.cacheEntries ?? 10_000;
    this.#accepted = new ExpiringCache(ttlMs, entries, options.now);
    this.#refused = new ExpiringCache(ttlMs, entries, options.now);
    this.#budget = new ReviewBudget(options.reviewLimits ?? DEFAULT_REVIEW_LIMITS, options.now);
  }

  /** The caller's identity, or why it has none. */
  authenticate(token: string | undefined): Promise<AuthDecision> {
    if (!token) {
      return Promise.resolve({
        ok: false,
        kind: "unauthenticated",
        label: "missing_token",
        reason: "the call carries no bearer token",
      });
    }
    const key = createHash("sha256").update(token).digest("hex");
    const known = this.#accepted.get(key) ?? this.#refused.get(key) ?? this.#pending.get(key);
    if (known) return Promise.resolve(known);
    if (!this.#budget.tryStart()) {
      return Promise.resolve({
        ok: false,
        kind: "throttled",
        label: "throttled",
        reason: "too many unknown tokens are being reviewed; not reviewed",
      });
    }
    const decision = this.#request(token).then((review) => {
      const decided = identify(review, this.#serviceAccounts);
      (decided.ok ? this.#accepted : this.#refused).set(key, decided);
      return decided;
    }).finally(() => {
      // A failed request is not an answer: the next call asks again.
      this.#pending.delete(key);
      this.#budget.finish();
    });
    this.#pending.set(key, decision);
    return decision;
  }

  async #request(token: string): Promise<TokenReviewResult> {
    this.reviews++;
    try {
      const review = await this.#api.createTokenReview({
        body: { spec: { token, audiences: [this.#audience] } },
      });
      return reviewResult(review.status, this.#audience);
    } catch (error) {
      throw new TokenReviewError(error instanceof Error ? error.message : String(error), error);
    }
  }
}

/** Creates the authenticator the agent server uses. */
export function createAuthenticator(options: AuthenticatorOptions): TokenReviewAuthenticator {
  return new TokenReviewAuthenticator(options);
}
