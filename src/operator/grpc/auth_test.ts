import assert from "node:assert/strict";
import { authorizeNode, bearerToken, identify, NODE_NAME_EXTRA, reviewResult } from "./auth.ts";

const AGENTS = ["dhcp-template:dhcp-template-agent"];

Deno.test("an agent's pod token identifies its service account and node", () => {
  const decision = identify({
    authenticated: true,
    user: {
      username: "system:serviceaccount:dhcp-template:dhcp-template-agent",
      extra: { [NODE_NAME_EXTRA]: ["node-a"] },
    },
  }, AGENTS);
  assert.deepEqual(decision, {
    ok: true,
    identity: { serviceAccount: "dhcp-template:dhcp-template-agent", nodeName: "node-a" },
  });
  if (!decision.ok) return;
  assert.equal(authorizeNode(decision.identity, "node-a").ok, true);
  const denied = authorizeNode(decision.identity, "node-b");
  assert.equal(denied.ok, false);
  assert.equal(!denied.ok && denied.kind, "permission_denied");
  assert.equal(!denied.ok && denied.label, "wrong_node");
  assert.match(!denied.ok ? denied.reason : "", /node "node-a" may not report for node "node-b"/);
});

Deno.test("invalid tokens are unauthenticated; other users and node-less tokens denied", () => {
  const invalid = identify({ authenticated: false, error: "token expired" }, AGENTS);
  assert.deepEqual(invalid, {
    ok: false,
    kind: "unauthenticated",
    label: "invalid_token",
    reason: "the token is not valid: token expired",
  });
  const kinds = [
    { authenticated: true, user: { username: "admin" } },
    { authenticated: true, user: { username: "system:serviceaccount:default:other" } },
    {
      authenticated: true,
      user: { username: "system:serviceaccount:dhcp-template:dhcp-template-agent" },
    },
  ].map((review) => {
    const decision = identify(review, AGENTS);
    return decision.ok ? "ok" : `${decision.kind} ${decision.label}`;
  });
  assert.deepEqual(kinds, [
    "permission_denied not_a_service_account",
    "permission_denied wrong_service_account",
    "permission_denied no_node_claim",
  ]);
});

Deno.test("bearer tokens are read from the authorization value", () => {
  assert.equal(bearerToken("Bearer abc.def"), "abc.def");
  assert.equal(bearerToken("bearer abc"), "abc");
  assert.equal(bearerToken("Basic abc"), undefined);
  assert.equal(bearerToken(undefined), undefined);
  assert.equal(bearerToken("Bearer "), undefined);
});

Deno.test("a review counts as ours only when it names our audience", () => {
  const user = { username: "system:serviceaccount:dhcp-template:dhcp-template-agent" };
  assert.deepEqual(
    reviewResult(
      { authenticated: true, audiences: ["other", "dhcp-template"], user },
      "dhcp-template",
    ),
    { authenticated: true, user: { username: user.username, extra: undefined } },
  );
  // An authenticator that ignores audiences answers without them (the field is then omitted).
  for (const audiences of [undefined, [], ["other"]]) {
    const result = reviewResult({ authenticated: true, audiences, user }, "dhcp-template");
    assert.equal(result.authenticated, false, JSON.stringify(audiences));
    assert.equal(result.error, 'the token is not valid for the audience "dhcp-template"');
    assert.equal(identify(result, AGENTS).ok, false);
  }
  assert.deepEqual(reviewResult({ authenticated: false, error: "expired" }, "dhcp-template"), {
    authenticated: false,
    error: "expired",
  });
  assert.deepEqual(reviewResult(undefined, "dhcp-template"), { authenticated: false });
});
