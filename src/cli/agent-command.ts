/**
 * `rke-harden agent …`: the in-cluster parts (deploy/helm/rke-harden runs them).
 *   agent node       DaemonSet: collect this node's snapshot, publish it as a ConfigMap, repeat
 *   agent aggregate  Deployment: evaluate snapshots + cluster audit on a schedule, store runs, /metrics
 *   agent scans      list stored runs, or print one as JSON (for `rke-harden report`)
 *   agent collect    (internal) one collection printed as JSON: the node agent runs it as a child
 */
import { Command, Option } from 'commander';
import { NODE_ROLES } from '../collectors/node/node-roles.js';
import { usageError } from '../errors/rke-harden-error.js';
import { parseDuration } from '../agent/schedule.js';
import type { AggregateFlags, CollectFlags, NodeFlags, ScansFlags } from './agent-actions.js';

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
    .addOption(new Option('--interval <duration>', 'time between collections').argParser(duration('--interval')).default(15 * 60_000, '15m'))
    .addOption(new Option('--timeout <duration>', 'per-collection deadline: the collector is killed and a timeout is published').argParser(duration('--timeout')).default(120_000, '2m'))
    .option('--jitter <fraction>', 'random extra wait, as a fraction of the interval', fraction, 0.1)
    .option('--once', 'collect and publish once, then exit', false)
    .option('--in-process', 'collect in this process (no child process: the timeout cannot stop a hung read)', false)
    .addOption(new Option('--distro <distro>', 'skip distro detection').choices(['rke1', 'rke2']))
    .option('--k8s-version <version>', 'skip version detection')
    .option('--role <roles>', `audit only these roles' components (${NODE_ROLES.join(',')})`)
    .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster service account)')
    .option('--context <name>', 'kubeconfig context')
    .action(async (o: NodeFlags) => setExit(await (await import('./agent-actions.js')).runAgentNode(o)));

  agent
    .command('aggregate')
    .description('on a schedule: evaluate the nodes\' snapshots and the cluster audit, store each run (ConfigMaps rke-harden-scan-<time>), serve /metrics and /healthz')
    .option('--namespace <ns>', 'namespace of the snapshots and stored runs (default: $POD_NAMESPACE or the pod\'s)')
    .option('--schedule <cron>', 'when to scan: cron in UTC ("0 * * * *"), @hourly, @daily, or @every <duration>', '@every 1h')
    .option('--keep <n>', 'stored runs to keep', positiveInt('--keep'), 10)
    .option('--listen <addr>', 'address of /metrics and /healthz ([host]:port)', ':9090')
    .addOption(new Option('--max-snapshot-age <duration>', 'older node snapshots count as stale (their controls are errors)').argParser(duration('--max-snapshot-age')).default(45 * 60_000, '45m'))
    .addOption(new Option('--scan-timeout <duration>', '/healthz fails while a scan runs longer than this').argParser(duration('--scan-timeout')).default(10 * 60_000, '10m'))
    .addOption(new Option('--initial-delay <duration>', 'wait before the first scan (node agents publish first)').argParser(duration('--initial-delay')).default(60_000, '1m'))
    .option('--no-scan-on-start', 'wait for the schedule before the first scan')
    .option('--once', 'scan once, store the run, print its summary and exit (no server)', false)
    .option('--skip-cluster', 'nodes only: no cluster (section 5) audit', false)
    .option('--node-selector <selector>', 'label selector of the nodes the node agents run on (their nodeSelector, e.g. kubernetes.io/os=linux): others are not expected to publish')
    .option('--benchmark <id>', 'one benchmark profile for every target (default: from the cluster\'s distro and version)')
    .addOption(new Option('--distro <distro>', 'the cluster\'s distro, when the server version does not say (+rke2rN / -rancherN)').choices(['rke1', 'rke2']))
    .option('--waivers <file>', 'YAML file of accepted risks, applied to every run')
    .option('--exemptions <list...>', 'namespace exemption lists for the cluster audit (default: the distro\'s)')
    .option('--exempt-namespace <ns...>', 'more namespaces exempt from the cluster audit\'s workload checks')
    .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster service account)')
    .option('--context <name>', 'kubeconfig context')
    .action(async (o: AggregateFlags) => setExit(await (await import('./agent-actions.js')).runAggregator(o)));

  agent
    .command('scans')
    .description('list the stored runs, or print one (`--show latest|<id>`) as JSON for `rke-harden report`')
    .option('--namespace <ns>', 'namespace of the stored runs (default: $POD_NAMESPACE or the pod\'s)')
    .option('--show <id>', 'print this run (an id from the list, or latest) as JSON')
    .option('--kubeconfig <file>', 'kubeconfig')
    .option('--context <name>', 'kubeconfig context')
    .action(async (o: ScansFlags) => setExit(await (await import('./agent-actions.js')).runScans(o)));

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
    .action(async (o: CollectFlags) => setExit(await (await import('./agent-actions.js')).runCollect(o)));
}
