import assert from "node:assert/strict";
import { FlagError } from "../shared/flags.ts";
import { parseOperatorArgs } from "./config.ts";

Deno.test("operator flags: the chart's arguments parse", () => {
  const config = parseOperatorArgs([
    "--grpc-listen=[::]:9443",
    "--metrics-listen=127.0.0.1:0",
    "--token-audience=dhcp-template",
    "--agent-service-account=dhcp:dhcp-template-agent",
    "--leader-election=false",
    "--leader-election-namespace=dhcp",
    "--leader-election-name=dhcp-template-operator",
    "--coalesce-ms=25",
    "--render-timeout-ms=1500",
    "--render-memory-mib=192",
    "--log-level=debug",
    "--log-format=json",
    "--tls-cert=/tls/tls.crt",
    "--tls-key=/tls/tls.key",
  ], { POD_NAME: "operator-0", POD_NAMESPACE: "dhcp" });
  assert.deepEqual(config.grpcListen, { hostname: "::", port: 9443 });
  assert.deepEqual(config.metricsListen, { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(config.tls, { certFile: "/tls/tls.crt", keyFile: "/tls/tls.key" });
  assert.deepEqual(config.agentServiceAccounts, ["dhcp:dhcp-template-agent"]);
  assert.deepEqual(config.leaderElection, false);
  assert.deepEqual(config.identity, "operator-0");
  assert.deepEqual(config.coalesceMs, 25);
  assert.deepEqual(config.renderTimeoutMs, 1500);
  assert.deepEqual(config.renderMemoryMiB, 192);
  assert.deepEqual(config.logFormat, "json");
});

Deno.test("operator flags: defaults follow the pod's namespace", () => {
  const config = parseOperatorArgs(["--plaintext"], { POD_NAMESPACE: "kube-system" });
  assert.deepEqual(config.tls, "plaintext");
  assert.deepEqual(config.agentServiceAccounts, ["kube-system:dhcp-template-agent"]);
  assert.deepEqual(config.leaderElectionNamespace, "kube-system");
  assert.deepEqual(config.leaderElection, true);
  assert.deepEqual(config.heartbeatSeconds, 30);
  assert.deepEqual(config.tokenReviewsPerSecond, 50);
  assert.deepEqual(config.renderMemoryMiB, 256);
});

Deno.test("operator flags: mistakes name the flag to fix", () => {
  const cases: [string[], RegExp][] = [
    [[], /--tls-cert: TLS needs both/],
    [["--tls-cert=a"], /--tls-key: TLS needs both/],
    [["--plaintext", "--tls-cert=a"], /--plaintext: give either/],
    [["--plaintext", "--grpc-listen=9443"], /--grpc-listen: "9443" is not host:port/],
    [["--plaintext", "--coalesce-ms=-1"], /--coalesce-ms: "-1" is not a whole number/],
    [["--plaintext", "--token-reviews-per-second=0"], /--token-reviews-per-second: "0"/],
    [["--plaintext", "--log-level=loud"], /--log-level: "loud" is not one of debug/],
    [["--plaintext", "--agent-service-account=agent"], /--agent-service-account: "agent"/],
    [["--plaintext", "--colour"], /Unknown option '--colour'/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseOperatorArgs(args, {}), (error: unknown) => {
      assert.ok(error instanceof FlagError);
      assert.match(error.message, message);
      return true;
    });
  }
});
