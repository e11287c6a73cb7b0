import assert from "node:assert/strict";
import { authorizeNode, bearerToken, identify, NODE_NAME_EXTRA } from "./auth.ts";

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
