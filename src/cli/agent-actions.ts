/**
 * What the `rke-harden agent …` commands do (agent-command.ts declares them): loaded only when one runs,
 * so the other commands do not pay for the aggregator, the Kubernetes client and the metrics at start-up.
 * Each returns the exit code.
 */
import fs from 'node:fs';
import { loadCatalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId } from '../catalog/select-benchmark.js';
import { loadKubeConfig } from '../collectors/cluster/load-kube-config.js';
import { usageError } from '../errors/rke-harden-error.js';
import { Aggregator, parseListen, serve } from '../agent/aggregator.js';
import { childProcessCollector, collectSnapshot, inProcessCollector, type CollectRequest } from '../agent/collect.js';
import { RestAgentKube } from '../agent/kube-store.js';
import { A } from '../agent/labels.js';
import { runNodeAgent } from '../agent/node-agent.js';
import { completeScanIds, ScanStore } from '../agent/scan-store.js';
import { parseSchedule } from '../agent/schedule.js';
import { catalogSysctls } from '../agent/sysctls.js';
import { applyWaivers } from '../waivers/apply-waivers.js';
import { loadWaivers } from '../waivers/load-waivers.js';
import { knownIds } from '../waivers/waivers-option.js';
import { auditCluster } from './audit-cluster-command.js';
import { parseRoles } from './audit-node-command.js';
import { EXIT } from './exit-codes.js';

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function agentNamespace(given: string | undefined, env: NodeJS.ProcessEnv = process.env, saFile = SA_NAMESPACE_FILE): string {
  if (given) return given;
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const ns = fs.readFileSync(saFile, 'utf8').trim();
    if (ns) return ns;
  } catch {
    // not in a pod
  }
  throw usageError('--namespace: not given, no POD_NAMESPACE, and not running in a pod');
}

function logger(component: string): (line: string) => void {
  return (line) => process.stderr.write(`${new Date().toISOString()} ${component}: ${line}\n`);
}

/** Resolves on the first SIGTERM or SIGINT; `dispose` removes the handlers. */
function onStopSignal(): { stopped: Promise<void>; dispose: () => void } {
  let resolve!: () => void;
  const stopped = new Promise<void>((r) => (resolve = r));
  const handler = () => resolve();
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
  return { stopped, dispose: () => (process.off('SIGTERM', handler), process.off('SIGINT', handler)) };
}

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
}

async function kubeOf(o: KubeFlags): Promise<RestAgentKube> {
  const { kc } = await loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context });
  return new RestAgentKube(kc);
}

export type NodeFlags = KubeFlags & { hostRoot: string; procDir: string; nodeName?: string; namespace?: string; publish: 'configmap' | 'stdout'; interval: number; timeout: number; jitter: number; once: boolean; inProcess: boolean; distro?: 'rke1' | 'rke2'; k8sVersion?: string; role?: string };
export type AggregateFlags = KubeFlags & { namespace?: string; schedule: string; keep: number; listen: string; maxSnapshotAge: number; scanTimeout: number; initialDelay: number; scanOnStart: boolean; once: boolean; skipCluster: boolean; nodeSelector?: string; benchmark?: string; distro?: 'rke1' | 'rke2'; waivers?: string; exemptions?: string[]; exemptNamespace?: string[] };
export type ScansFlags = KubeFlags & { namespace?: string; show?: string };
export type CollectFlags = { hostRoot: string; procDir: string; nodeName: string; distro?: 'rke1' | 'rke2'; k8sVersion?: string; role?: string; sysctl: string };

export async function runAgentNode(o: NodeFlags): Promise<number> {
  const node = o.nodeName ?? process.env.NODE_NAME;
  if (!node) throw usageError('--node-name: not given and no $NODE_NAME (set it from spec.nodeName with the downward API)');
  if (!fs.existsSync(o.hostRoot)) throw usageError(`--host-root ${o.hostRoot}: no such directory`);
  const roles = parseRoles(o.role);
  const request: CollectRequest = {
    hostRoot: o.hostRoot,
    procDir: o.procDir,
    node,
    ...(o.distro ? { distro: o.distro } : {}),
    ...(o.k8sVersion ? { k8sVersion: o.k8sVersion } : {}),
    ...(roles ? { roles } : {}),
    sysctls: catalogSysctls(loadCatalog()),
  };
  const publishToCluster = o.publish === 'configmap';
  const namespace = publishToCluster ? agentNamespace(o.namespace) : (o.namespace ?? '');
  const kube = publishToCluster ? await kubeOf(o) : undefined;
  const signal = onStopSignal();
  const log = logger(`node-agent[${node}]`);
  try {
    if (!o.once) log(`collecting every ${o.interval / 1000} s (timeout ${o.timeout / 1000} s) from ${o.hostRoot}, publishing to ${publishToCluster ? `namespace ${namespace}` : 'stdout'}`);
    const last = await runNodeAgent(
      { request, namespace, timeoutMs: o.timeout, intervalMs: o.interval, jitter: o.jitter, once: o.once, publish: o.publish },
      { collector: o.inProcess ? inProcessCollector() : childProcessCollector(), ...(kube ? { kube } : {}), log, stopped: signal.stopped },
    );
    return last === 'ok' ? EXIT.ok : EXIT.incomplete;
  } finally {
    signal.dispose();
    kube?.close();
  }
}

export async function runAggregator(o: AggregateFlags): Promise<number> {
  const schedule = parseSchedule(o.schedule);
  const listen = parseListen(o.listen);
  const namespace = agentNamespace(o.namespace);
  const catalog = loadCatalog();
  if (o.benchmark) resolveBenchmarkId(catalog, o.benchmark);
  const waivers = o.waivers ? loadWaivers(o.waivers, knownIds(catalog)) : undefined;
  const kube = await kubeOf(o);
  const log = logger('aggregator');
  const agg = new Aggregator(
    { namespace, schedule, keep: o.keep, maxSnapshotAgeMs: o.maxSnapshotAge, scanTimeoutMs: o.scanTimeout, scanOnStart: o.scanOnStart, initialDelayMs: o.initialDelay, skipCluster: o.skipCluster, ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}), ...(o.benchmark ? { benchmark: o.benchmark } : {}) },
    {
      kube,
      catalog,
      log,
      auditCluster: async () => {
        const r = await auditCluster({
          ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
          ...(o.context ? { context: o.context } : {}),
          ...(o.benchmark ? { benchmark: o.benchmark } : {}),
          ...(o.distro ? { distro: o.distro } : {}),
          ...(o.exemptions ? { exemptions: o.exemptions } : {}),
          ...(o.exemptNamespace ? { exemptNamespace: o.exemptNamespace } : {}),
        });
        return { snapshot: r.snapshot, benchmark: resolveBenchmarkId(catalog, r.run.benchmark.id), results: r.run.results };
      },
      ...(waivers ? { applyWaivers: (run, now) => applyWaivers(run, waivers, now).run } : {}),
    },
  );
  try {
    if (o.once) {
      const rec = await agg.scan();
      if (!rec) {
        return EXIT.incomplete;
      }
      const s = rec.run.summary;
      process.stdout.write(`${rec.storedAs}: ${rec.run.targets.length} targets; pass ${s.pass}, fail ${s.fail}, manual ${s.manual}, notApplicable ${s.notApplicable}, error ${s.error}, waived ${s.waived}\n`);
      for (const n of rec.nodes) process.stdout.write(`  node ${n.node}: ${n.state}${n.reason ? ` (${n.reason})` : ''}\n`);
      // Stored, but a node it could not see (no or a stale snapshot) makes the run incomplete (ADR 0006):
      // exit 3, as an audit with an error result. Findings are the metrics' to alert on, not the exit code's.
      return s.error > 0 ? EXIT.incomplete : EXIT.ok;
    }
    const signal = onStopSignal();
    await agg.restore(); // before serving: the first scrape already has the last results
    const { server, url } = await serve(agg, listen);
    log(`serving ${url}/metrics and /healthz; schedule ${schedule.text} (UTC), keeping ${o.keep} runs in namespace ${namespace}`);
    agg.start();
    await signal.stopped;
    log('stopping');
    signal.dispose();
    await agg.stop();
    await new Promise<void>((r) => server.close(() => r()));
    return EXIT.ok;
  } finally {
    kube.close();
  }
}

export async function runScans(o: ScansFlags): Promise<number> {
  const kube = await kubeOf(o);
  try {
    const store = new ScanStore(kube, agentNamespace(o.namespace));
    if (o.show) {
      process.stdout.write(`${JSON.stringify(await store.load(o.show), null, 2)}\n`);
    } else {
      const objects = await store.list();
      for (const id of completeScanIds(objects)) {
        const index = objects.find((x) => x.metadata.labels?.[A.scanId] === id && x.metadata.labels?.[A.part] === '0');
        process.stdout.write(`${id}\t${index?.metadata.annotations?.[A.benchmark] ?? ''}\t${index?.metadata.annotations?.[A.summary] ?? ''}\n`);
      }
    }
    return EXIT.ok;
  } finally {
    kube.close();
  }
}

export async function runCollect(o: CollectFlags): Promise<number> {
  const roles = parseRoles(o.role);
  const snap = collectSnapshot({
    hostRoot: o.hostRoot,
    procDir: o.procDir,
    node: o.nodeName,
    ...(o.distro ? { distro: o.distro } : {}),
    ...(o.k8sVersion ? { k8sVersion: o.k8sVersion } : {}),
    ...(roles ? { roles } : {}),
    sysctls: o.sysctl.split(',').map((s) => s.trim()).filter(Boolean),
  });
  process.stdout.write(JSON.stringify(snap));
  return EXIT.ok;
}
