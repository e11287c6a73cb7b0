/**
 * The agent executable: watches the host's dhcpcd lease directory and pushes the node's leases to
 * the operator. `dhcp-template-agent leases` prints what it sees instead (debugging).
 *
 *   dhcp-template-agent --operator HOST:PORT --ca-file ca.crt [flags]   (see --help)
 *
 * @module
 */
import { exitOnSetupError, stopOnSignals } from "../shared/exit.ts";
import { FlagError, formatHostPort } from "../shared/flags.ts";
import { createLogger, type Logger } from "../shared/log.ts";
import { agentMetrics, processMetrics, Registry } from "../shared/metrics.ts";
import { startProbeServer } from "../shared/probe_server.ts";
import { AGENT_USAGE, type AgentConfig, parseAgentArgs } from "./config.ts";
import { watchLeaseDirectory } from "./lease_dir.ts";
import { runLeasesCommand } from "./leases_command.ts";
import { startPusher } from "./push.ts";

/** A running agent. */
export interface RunningAgent {
  /** Stops watching and pushing. */
  stop(): Promise<void>;
}

/** Starts watching the lease directory and pushing to the operator. */
export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  const registry = new Registry();
  const metrics = agentMetrics(registry);
  processMetrics(registry);
  const pusher = await startPusher({
    target: formatHostPort(config.operator),
    tls: config.tls,
    tokenFile: config.tokenFile,
    nodeName: config.nodeName,
    log: log.child({ part: "push" }),
    onCall: (call) => {
      metrics.connected.set(call.connected ? 1 : 0);
      if (call.method === "heartbeat" && call.ok) metrics.heartbeats.inc();
      else metrics.pushes.inc({ result: call.ok ? "ok" : "error" });
    },
  });
  const watcher = watchLeaseDirectory(config.leaseDir, ({ interfaces, problems, warnings }) => {
    metrics.leaseChanges.inc();
    for (const warning of warnings) {
      log.warn("a lease was repaired", { file: warning.file, problem: warning.message });
    }
    for (const problem of problems) {
      metrics.leaseReadProblems.inc();
      log.warn("cannot read a lease file", { file: problem.file, problem: problem.message });
    }
    pusher.update(interfaces);
  }, {
    coalesceMs: config.coalesceMs,
    wireless: config.wireless,
    onError: (error) => log.error("cannot read the lease directory; retrying", { error }),
  });
  const probes = await startProbeServer({
    listen: config.metricsListen,
    registry,
    ready: () => ({
      ready: pusher.counts.reports > 0,
      reason: "the node's leases have not reached the operator yet",
    }),
    log,
  });
  return {
    async stop() {
      await watcher.stop();
      await pusher.stop();
      await probes.stop();
    },
  };
}

if (import.meta.main) {
  if (Deno.args[0] === "leases") Deno.exit(await runLeasesCommand(Deno.args.slice(1)));
  if (Deno.args.includes("--help")) {
    console.log(AGENT_USAGE);
    Deno.exit(0);
  }
  let config: AgentConfig;
  try {
    config = parseAgentArgs(Deno.args, Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    console.error(error.message);
    Deno.exit(2);
  }
  const log = createLogger({ format: config.logFormat, level: config.logLevel }).child({
    node: config.nodeName,
  });
  const agent = await startAgent(config, log).catch(exitOnSetupError);
  log.info("watching leases", { dir: config.leaseDir, operator: formatHostPort(config.operator) });
  stopOnSignals(log, () => agent.stop());
}
