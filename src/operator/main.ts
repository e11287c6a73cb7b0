/**
 * The operator executable: receives the agents' lease data over gRPC, keeps it as DHCPNode
 * objects, and — on the elected leader — reconciles every DHCPTemplate.
 *
 *   dhcp-template-operator --tls-cert tls.crt --tls-key tls.key [flags]   (see --help)
 *
 * @module
 */
import { KubeConfig } from "@kubernetes/client-node";
import { exitOnSetupError, stopOnSignals } from "../shared/exit.ts";
import { FlagError, formatHostPort } from "../shared/flags.ts";
import { createLogger, type Logger } from "../shared/log.ts";
import { operatorMetrics, processMetrics, Registry } from "../shared/metrics.ts";
import { startProbeServer } from "../shared/probe_server.ts";
import { OPERATOR_USAGE, type OperatorConfig, parseOperatorArgs } from "./config.ts";
import { startAgentServer } from "./grpc/server.ts";
import { DEFAULT_REVIEW_LIMITS } from "./grpc/review_budget.ts";
import { createAuthenticator } from "./grpc/token_review.ts";
import { useHttp1 } from "./kube/http1.ts";
import { isTransient } from "./kube/transient.ts";
import type { WatchSettings } from "./kube/watch.ts";
import { LeaderElector } from "./leader/elector.ts";
import { NodeStore } from "./nodes/store.ts";
import type { Renderer } from "./reconcile.ts";
import { SandboxedRenderer } from "./render/sandbox.ts";
import { LeaseChangeTimer } from "./lease_change_timer.ts";
import { TemplateReconciler } from "./template_reconciler.ts";

/** A running operator. */
export interface RunningOperator {
  /** Stops everything; a leader hands over its lease. */
  stop(): Promise<void>;
}

/** Starts every part of the operator. */
export async function startOperator(config: OperatorConfig, log: Logger): Promise<RunningOperator> {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
  else kubeConfig.loadFromDefault();
  // HTTP/1.1 to the apiserver: Deno's node:http2 under undici can crash when connections drop.
  useHttp1(kubeConfig);

  const registry = new Registry();
  const metrics = operatorMetrics(registry);
  processMetrics(registry);
  const watch: WatchSettings = {
    timeoutSeconds: config.watchTimeoutSeconds,
    onEnd: (reason) => metrics.watchEnds.inc({ reason }),
  };
  const store = await NodeStore.start({ kubeConfig, log: log.child({ part: "nodes" }), watch });
  metrics.nodesKnown.set(store.count(new Date()));
  const sandbox = new SandboxedRenderer({
    timeoutMs: config.renderTimeoutMs,
    outputBytes: config.renderOutputBytes,
    memoryMiB: config.renderMemoryMiB,
  });
  const renderer: Renderer = {
    async render(template, source, nodes) {
      const started = performance.now();
      const result = await sandbox.render(template, source, nodes);
      metrics.renderDuration.observe({ template }, (performance.now() - started) / 1000);
      metrics.renders.inc({ template, result: result.ok ? "ok" : "error" });
      return result;
    },
  };
  const leaseChanges = new LeaseChangeTimer();
  const reconciler = await TemplateReconciler.start({
    kubeConfig,
    nodes: store,
    renderer,
    coalesceMs: config.coalesceMs,
    watch,
    onReconciled: (template, report, durationMs) => {
      metrics.reconciles.inc({ template });
      metrics.applies.inc({ template }, report.applied);
      metrics.deletions.inc({ template }, report.deleted);
      metrics.patches.inc({ template, action: "patched" }, report.patched);
      metrics.patches.inc({ template, action: "released" }, report.released);
      const wrote = report.applied + report.deleted + report.patched + report.released > 0;
      if (wrote) {
        const latencyMs = leaseChanges.applied(Date.now());
        if (latencyMs !== undefined) metrics.leaseChangeLatency.observe(latencyMs / 1000);
      } else {
        // Once every reconcile started so far has finished, a change still pending applied
        // nothing: it must not start the clock of a later one.
        const changes = leaseChanges.changes;
        reconciler.idle().then(() => leaseChanges.settled(changes));
      }
      if (wrote || report.result !== "Applied") {
        log.info("reconciled", { template, ...report, durationMs: Math.round(durationMs) });
      }
    },
    onError: (context, error) => {
      // An apiserver that is starting or unreachable for a moment needs nobody: retried quietly.
      if (isTransient(error)) {
        log.info("apiserver not available; retrying", { context, error });
      } else if (context.startsWith("reconcile ")) {
        metrics.reconcileErrors.inc({ template: context.slice("reconcile ".length) });
        log.error("reconcile failed", { context, error });
      } else {
        log.warn(context === "watch" ? "watch failed; restarting it" : "event not recorded", {
          context,
          error,
        });
      }
    },
  });
  store.onChange((node) => {
    const seenAt = Date.parse(store.state(node)?.changeSeenAt ?? "");
    leaseChanges.changed(Number.isNaN(seenAt) ? Date.now() : seenAt);
    metrics.nodesKnown.set(store.count(new Date()));
    reconciler.nodesChanged();
  });

  const server = await startAgentServer({
    listen: formatHostPort(config.grpcListen),
    tls: config.tls === "plaintext" ? undefined : config.tls,
    authenticator: createAuthenticator({
      kubeConfig,
      audience: config.tokenAudience,
      serviceAccounts: config.agentServiceAccounts,
      reviewLimits: {
        ...DEFAULT_REVIEW_LIMITS,
        perSecond: config.tokenReviewsPerSecond,
        burst: 2 * config.tokenReviewsPerSecond,
      },
    }),
    store,
    heartbeatSeconds: config.heartbeatSeconds,
    log: log.child({ part: "grpc" }),
    onCall: (call) => {
      if (call.method === "Heartbeat" && call.result === "accepted") metrics.agentHeartbeats.inc();
      if (call.method === "Report") metrics.agentReports.inc({ result: call.result });
      if (call.rejection) metrics.authenticationFailures.inc({ reason: call.rejection });
    },
  });
  log.info("agents connect here", {
    grpc: formatHostPort({ ...config.grpcListen, port: server.port }),
  });

  const setLeading = (leading: boolean) => {
    metrics.leader.set(leading ? 1 : 0);
    // What happened before this replica led was applied (or not) by the previous leader.
    leaseChanges.reset();
    reconciler.setLeading(leading);
    log.info(leading ? "leading: reconciling templates" : "not leading: standing by");
  };
  const elector = config.leaderElection
    ? new LeaderElector(kubeConfig, {
      namespace: config.leaderElectionNamespace,
      name: config.leaderElectionName,
      identity: config.identity,
      leaseDurationSeconds: config.leaderElectionLeaseSeconds,
      retryPeriodMs: Math.min(2000, config.leaderElectionLeaseSeconds * 250),
      onStartedLeading: () => setLeading(true),
      onStoppedLeading: () => setLeading(false),
      onError: (error) =>
        isTransient(error)
          ? log.info("leader election: apiserver not available; retrying", { error })
          : log.warn("leader election", { error }),
    })
    : undefined;
  if (!elector) setLeading(true);

  const probes = await startProbeServer({
    listen: config.metricsListen,
    registry,
    ready: () => ({ ready: store.loaded, reason: "node data has not been read from the cluster" }),
    log,
  });

  return {
    async stop() {
      await elector?.stop();
      await server.stop();
      await reconciler.stop();
      await sandbox.close();
      await store.stop();
      await probes.stop();
    },
  };
}

/** Runs the operator executable with its command-line arguments. */
export async function runOperator(args: string[]): Promise<void> {
  let config: OperatorConfig;
  try {
    if (args.includes("--help")) {
      console.log(OPERATOR_USAGE);
      Deno.exit(0);
    }
    config = parseOperatorArgs(args, Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    console.error(error.message);
    Deno.exit(2);
  }
  const log = createLogger({ format: config.logFormat, level: config.logLevel });
  const operator = await startOperator(config, log).catch(exitOnSetupError);
  stopOnSignals(log, () => operator.stop());
}

if (import.meta.main) await runOperator(Deno.args);
