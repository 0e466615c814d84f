/**
 * `rke-harden agent …`: the in-cluster parts (deploy/helm/rke-harden runs them).
 *   agent node       DaemonSet: collect this node's snapshot, publish it as a ConfigMap, repeat
 *   agent aggregate  Deployment: evaluate snapshots + cluster audit on a schedule, store runs, /metrics
 *   agent scans      list stored runs, or print one as JSON (for `rke-harden report`)
 *   agent collect    (internal) one collection printed as JSON: the node agent runs it as a child
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { loadCatalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId } from '../catalog/select-benchmark.js';
import { NODE_ROLES } from '../collectors/node/collect-node.js';
import { loadKubeConfig } from '../collectors/cluster/load-kube-config.js';
import { usageError } from '../errors/rke-harden-error.js';
import { Aggregator, parseListen, serve } from '../agent/aggregator.js';
import { childProcessCollector, collectSnapshot, inProcessCollector, type CollectRequest } from '../agent/collect.js';
import { RestAgentKube } from '../agent/kube-store.js';
import { A } from '../agent/labels.js';
import { runNodeAgent } from '../agent/node-agent.js';
import { completeScanIds, ScanStore } from '../agent/scan-store.js';
import { parseDuration, parseSchedule } from '../agent/schedule.js';
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

const duration = (what: string) => (v: string) => parseDuration(v, what);
const positiveInt = (what: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw usageError(`${what} ${v}: a whole number of at least 1`);
  return Number(v);
};
const fraction = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw usageError(`--jitter ${v}: a number from 0 to 1`);
  return n;
};

interface KubeFlags {
  kubeconfig?: string;
  context?: string;
}

async function kubeOf(o: KubeFlags): Promise<RestAgentKube> {
  const { kc } = await loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context });
  return new RestAgentKube(kc);
}

export function registerAgentCommand(root: Command, setExit: (code: number) => void): void {
  const agent = root.command('agent').description('in-cluster node collector, scheduled aggregator with /metrics, and stored scans');

  agent
    .command('node')
    .description('collect this node\'s facts from the host mounts every --interval and publish them (ConfigMap rke-harden-snapshot-<node>)')
    .option('--host-root <dir>', 'where the host\'s file system is mounted (read-only)', '/host')
    .option('--proc-dir <dir>', 'the host\'s /proc (a hostPID pod sees it at /proc)', '/proc')
    .option('--node-name <name>', 'this node\'s name (default: $NODE_NAME, from spec.nodeName)')
    .option('--namespace <ns>', 'namespace of the snapshot ConfigMaps (default: $POD_NAMESPACE or the pod\'s)')
    .addOption(new Option('--publish <where>', 'publish to the cluster or print the envelope as JSON').choices(['configmap', 'stdout']).default('configmap'))
    .option('--interval <duration>', 'time between collections', duration('--interval'), 15 * 60_000)
    .option('--timeout <duration>', 'per-collection deadline: the collector is killed and a timeout is published', duration('--timeout'), 120_000)
    .option('--jitter <fraction>', 'random extra wait, as a fraction of the interval', fraction, 0.1)
    .option('--once', 'collect and publish once, then exit', false)
    .option('--in-process', 'collect in this process (no child process: the timeout cannot stop a hung read)', false)
    .addOption(new Option('--distro <distro>', 'skip distro detection').choices(['rke1', 'rke2']))
    .option('--k8s-version <version>', 'skip version detection')
    .option('--role <roles>', `audit only these roles' components (${NODE_ROLES.join(',')})`)
    .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster service account)')
    .option('--context <name>', 'kubeconfig context')
    .action(async (o: KubeFlags & { hostRoot: string; procDir: string; nodeName?: string; namespace?: string; publish: 'configmap' | 'stdout'; interval: number; timeout: number; jitter: number; once: boolean; inProcess: boolean; distro?: 'rke1' | 'rke2'; k8sVersion?: string; role?: string }) => {
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
        setExit(last === 'ok' ? EXIT.ok : EXIT.incomplete);
      } finally {
        signal.dispose();
        kube?.close();
      }
    });

  agent
    .command('aggregate')
    .description('on a schedule: evaluate the nodes\' snapshots and the cluster audit, store each run (ConfigMaps rke-harden-scan-<time>), serve /metrics and /healthz')
    .option('--namespace <ns>', 'namespace of the snapshots and stored runs (default: $POD_NAMESPACE or the pod\'s)')
    .option('--schedule <cron>', 'when to scan: cron in UTC ("0 * * * *"), @hourly, @daily, or @every <duration>', '@every 1h')
    .option('--keep <n>', 'stored runs to keep', positiveInt('--keep'), 10)
    .option('--listen <addr>', 'address of /metrics and /healthz ([host]:port)', ':9090')
    .option('--max-snapshot-age <duration>', 'older node snapshots count as stale (their controls are errors)', duration('--max-snapshot-age'), 45 * 60_000)
    .option('--scan-timeout <duration>', '/healthz fails while a scan runs longer than this', duration('--scan-timeout'), 10 * 60_000)
    .option('--initial-delay <duration>', 'wait before the first scan (node agents publish first)', duration('--initial-delay'), 60_000)
    .option('--no-scan-on-start', 'wait for the schedule before the first scan')
    .option('--once', 'scan once, store the run, print its summary and exit (no server)', false)
    .option('--skip-cluster', 'nodes only: no cluster (section 5) audit', false)
    .option('--benchmark <id>', 'one benchmark profile for every target (default: from the cluster\'s distro and version)')
    .addOption(new Option('--distro <distro>', 'the cluster\'s distro, when the server version does not say (+rke2rN / -rancherN)').choices(['rke1', 'rke2']))
    .option('--waivers <file>', 'YAML file of accepted risks, applied to every run')
    .option('--exemptions <list...>', 'namespace exemption lists for the cluster audit (default: the distro\'s)')
    .option('--exempt-namespace <ns...>', 'more namespaces exempt from the cluster audit\'s workload checks')
    .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster service account)')
    .option('--context <name>', 'kubeconfig context')
    .action(async (o: KubeFlags & { namespace?: string; schedule: string; keep: number; listen: string; maxSnapshotAge: number; scanTimeout: number; initialDelay: number; scanOnStart: boolean; once: boolean; skipCluster: boolean; benchmark?: string; distro?: 'rke1' | 'rke2'; waivers?: string; exemptions?: string[]; exemptNamespace?: string[] }) => {
      const schedule = parseSchedule(o.schedule);
      const listen = parseListen(o.listen);
      const namespace = agentNamespace(o.namespace);
      const catalog = loadCatalog();
      if (o.benchmark) resolveBenchmarkId(catalog, o.benchmark);
      const waivers = o.waivers ? loadWaivers(o.waivers, knownIds(catalog)) : undefined;
      const kube = await kubeOf(o);
      const log = logger('aggregator');
      const agg = new Aggregator(
        { namespace, schedule, keep: o.keep, maxSnapshotAgeMs: o.maxSnapshotAge, scanTimeoutMs: o.scanTimeout, scanOnStart: o.scanOnStart, initialDelayMs: o.initialDelay, skipCluster: o.skipCluster, ...(o.benchmark ? { benchmark: o.benchmark } : {}) },
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
            setExit(EXIT.incomplete);
            return;
          }
          const s = rec.run.summary;
          process.stdout.write(`${rec.storedAs}: ${rec.run.targets.length} targets; pass ${s.pass}, fail ${s.fail}, manual ${s.manual}, notApplicable ${s.notApplicable}, error ${s.error}, waived ${s.waived}\n`);
          for (const n of rec.nodes) process.stdout.write(`  node ${n.node}: ${n.state}${n.reason ? ` (${n.reason})` : ''}\n`);
          setExit(EXIT.ok);
          return;
        }
        const signal = onStopSignal();
        const { server, url } = await serve(agg, listen);
        log(`serving ${url}/metrics and /healthz; schedule ${schedule.text} (UTC), keeping ${o.keep} runs in namespace ${namespace}`);
        agg.start();
        await signal.stopped;
        log('stopping');
        signal.dispose();
        await agg.stop();
        await new Promise<void>((r) => server.close(() => r()));
        setExit(EXIT.ok);
      } finally {
        kube.close();
      }
    });

  agent
    .command('scans')
    .description('list the stored runs, or print one (`--show latest|<id>`) as JSON for `rke-harden report`')
    .option('--namespace <ns>', 'namespace of the stored runs (default: $POD_NAMESPACE or the pod\'s)')
    .option('--show <id>', 'print this run (an id from the list, or latest) as JSON')
    .option('--kubeconfig <file>', 'kubeconfig')
    .option('--context <name>', 'kubeconfig context')
    .action(async (o: KubeFlags & { namespace?: string; show?: string }) => {
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
        setExit(EXIT.ok);
      } finally {
        kube.close();
      }
    });

  agent
    .command('collect', { hidden: true })
    .description('(internal) collect this node\'s snapshot once and print it as JSON')
    .requiredOption('--host-root <dir>', 'host root')
    .requiredOption('--proc-dir <dir>', 'host /proc')
    .requiredOption('--node-name <name>', 'target name')
    .addOption(new Option('--distro <distro>').choices(['rke1', 'rke2']))
    .option('--k8s-version <version>')
    .option('--role <roles>')
    .option('--sysctl <names>', 'kernel parameters to read (comma-separated)', '')
    .action((o: { hostRoot: string; procDir: string; nodeName: string; distro?: 'rke1' | 'rke2'; k8sVersion?: string; role?: string; sysctl: string }) => {
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
      setExit(EXIT.ok);
    });
}
