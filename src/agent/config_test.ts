import assert from "node:assert/strict";
import { FlagError } from "../shared/flags.ts";
import { parseAgentArgs } from "./config.ts";

Deno.test("agent flags: the chart's arguments parse", () => {
  const config = parseAgentArgs([
    "--lease-dir=/var/lib/dhcpcd",
    "--operator=dhcp-template-operator.dhcp.svc:9443",
    "--token-file=/var/run/secrets/dhcp-template/token",
    "--ca-file=/etc/dhcp-template/tls/ca.crt",
  ], { NODE_NAME: "worker-1" });
  assert.deepEqual(config.operator, { hostname: "dhcp-template-operator.dhcp.svc", port: 9443 });
  assert.deepEqual(config.tls, { caFile: "/etc/dhcp-template/tls/ca.crt" });
  assert.equal(config.nodeName, "worker-1");
  assert.equal(config.coalesceMs, 100);
  assert.deepEqual(config.metricsListen, { hostname: "::", port: 8081 });
});

Deno.test("agent flags: mistakes name the flag to fix", () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--plaintext"], { NODE_NAME: "n" }, /--operator: the operator's address is required/],
    [["--operator=o:1", "--plaintext"], {}, /--node-name: give --node-name or set NODE_NAME/],
    [["--operator=o:1"], { NODE_NAME: "n" }, /--ca-file: TLS needs --ca-file/],
    [["--operator=o:1", "--plaintext", "--ca-file=c"], { NODE_NAME: "n" }, /--plaintext/],
    [["--operator=o", "--plaintext"], { NODE_NAME: "n" }, /--operator: "o" is not host:port/],
  ];
  for (const [args, env, message] of cases) {
    assert.throws(() => parseAgentArgs(args, env), (error: unknown) => {
      assert.ok(error instanceof FlagError);
      assert.match(error.message, message);
      return true;
    });
  }
});
