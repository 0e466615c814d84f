import { Command, CommanderError, Option } from 'commander';
import { RkeHardenError, usageError } from '../errors/rke-harden-error.js';
import { TOOL_VERSION } from '../version.js';
import type { AuditClusterOptions } from './audit-cluster-command.js';
import type { AuditNodeOptions } from './audit-node-command.js';
import type { ReportFlags } from './emit-run.js';
import { EXIT, exitCodeForError, type FailOn } from './exit-codes.js';
import { SEVERITIES, type Severity } from '../model/severity.js';
import { DIFF_FORMATS, FORMATS } from './formats.js';
import { recordFilesRead } from '../files-read.js';
import { registerAgentCommand } from './agent-command.js';

// Each action imports the code it runs when it runs: a command loads only its own modules (start-up
// time is most of a single `audit node`, and the Kubernetes client alone costs more than the audit).

function reportOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-o, --format <format>', 'output format').choices([...FORMATS]).default('text'))
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .addOption(new Option('--fail-on <level>', 'exit 1 on scored fail, on scored manual too, or never').choices(['fail', 'manual', 'never']).default('fail'))
    .addOption(new Option('--fail-severity <severity>', 'only results of checks of this severity or higher fail the run (default low: all)').choices([...SEVERITIES]))
    .option('--check <ids...>', 'report only these controls, sections or checks (1.2.1, 1.2, a check id; comma lists too)')
    .option('--skip <ids...>', 'leave these controls, sections or checks out of the report');
}

/**
 * `audit -o json config …`: options written before the sub-command are parsed by `audit` (they were
 * silently dropped). One the sub-command also has counts, unless the sub-command sets its own;
 * others (--config, --node, --cluster, or --kubeconfig before `config`) make no sense there.
 * Run as `audit`'s preAction hook: the sub-command's action then sees them as its own.
 */
function forwardAuditOptions(audit: Command, cmd: Command): void {
  if (cmd === audit) return;
  const given = audit.options.map((opt) => opt.attributeName()).filter((name) => audit.getOptionValueSource(name) === 'cli');
  const takes = new Set(cmd.options.map((opt) => opt.attributeName()));
  const misplaced = given.filter((name) => !takes.has(name));
  if (misplaced.length) throw usageError(`audit ${cmd.name()}: ${misplaced.map((m) => `--${m.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} belong${misplaced.length === 1 ? 's' : ''} to \`audit\` without a sub-command`);
  for (const name of given) {
    if (cmd.getOptionValueSource(name) !== 'cli') cmd.setOptionValueWithSource(name, audit.getOptionValue(name), 'cli');
  }
}

/** A parser of a positive number option: a typo is a usage error naming the flag and what was given. */
function positive(flag: string, kind: 'number' | 'whole' = 'number'): (v: string) => number {
  return (v) => {
    const ok = kind === 'whole' ? /^\d+$/.test(v) : /^\d+(\.\d+)?$/.test(v);
    if (!ok || Number(v) <= 0) throw usageError(`${flag} ${v}: ${kind === 'whole' ? 'a whole number' : 'a number'} greater than 0`);
    return Number(v);
  };
}

function program(setExit: (code: number) => void): Command {
  const root = new Command('rke-harden')
    .description('Audit and harden Rancher RKE1/RKE2 clusters against the CIS Kubernetes Benchmark')
    .version(TOOL_VERSION)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  // Positional options (here and on the root): `audit config … -o json` gives -o to `config`, though
  // `audit` (several targets in one report) has the same options.
  const audit = root.command('audit').enablePositionalOptions().description('audit configuration files, nodes or clusters').hook('preAction', forwardAuditOptions);
  reportOptions(
    audit
      .command('config')
      .description('audit RKE1 cluster.yml, RKE2 config.yaml (+ config.yaml.d) or Rancher Cluster files before they are applied')
      .argument('<paths...>', 'files or directories')
      .addOption(new Option('--distro <distro>', 'treat the files as this distro').choices(['rke1', 'rke2']))
      .option('--k8s-version <version>', 'Kubernetes version for files that do not name one (RKE2 config.yaml)')
      .option('--benchmark <id>', 'benchmark profile (default: chosen from distro and version)')
      .addOption(new Option('--role <role>', 'RKE2 node role of config.yaml (default: server; a Rancher worker-pool entry: agent)').choices(['server', 'agent']))
      .option('--waivers <file>', 'YAML file of accepted risks: matching fail/manual results become waived'),
  ).action(async (paths: string[], o: ReportFlags & { distro?: 'rke1' | 'rke2'; k8sVersion?: string; benchmark?: string; role?: 'server' | 'agent' }) => {
    const [{ auditConfig }, { emitRun }] = await Promise.all([import('./audit-config-command.js'), import('./emit-run.js')]);
    setExit(emitRun(auditConfig(paths, o), o, paths));
  });

  reportOptions(
    audit
      .command('cluster')
      .description('audit CIS section 5 (RBAC, service accounts, Pod Security, NetworkPolicies, secrets) through the Kubernetes API')
      .option('--kubeconfig <file>', 'kubeconfig (default: KUBECONFIG, ~/.kube/config, then the in-cluster service account)')
      .option('--context <name>', 'kubeconfig context')
      .option('--benchmark <id>', 'benchmark profile (default: chosen from the server version)')
      .addOption(new Option('--distro <distro>', 'distribution when the server version does not say').choices(['rke1', 'rke2']))
      .option('--exemptions <lists...>', 'namespace exemption lists: rke2, rke1, rancher-restricted, docs-sample, none (default: the distro\'s)')
      .option('--exempt-namespace <ns...>', 'more exempt namespaces')
      .option('--timeout <seconds>', 'deadline for the whole collection, retries included', positive('--timeout'), 120)
      .option('--request-timeout <seconds>', 'deadline for one request', positive('--request-timeout'), 30)
      .option('--page-size <n>', 'items per list request', positive('--page-size', 'whole'), 500)
      .option('--concurrency <n>', 'lists in flight', positive('--concurrency', 'whole'), 4)
      .option('--snapshot-out <file>', 'also save the collected facts (JSON, no secrets) for `audit snapshot`')
      .option('--waivers <file>', 'YAML file of accepted risks: matching fail/manual results become waived'),
  ).action(async (o: ReportFlags & AuditClusterOptions) => {
    const [{ auditCluster }, { emitRun }] = await Promise.all([import('./audit-cluster-command.js'), import('./emit-run.js')]);
    setExit(emitRun(await auditCluster({ ...o, ...(process.stderr.isTTY ? { progress: (l: string) => process.stderr.write(`${l}\n`) } : {}) }), o, o.kubeconfig ? [o.kubeconfig] : []));
  });

  reportOptions(
    audit
      .command('node')
      .description('audit the node itself: component flags from /proc, file modes and owners, kubelet config, sysctls, the etcd user')
      .option('--host-root <dir>', 'the host\'s root directory (the DaemonSet mounts the host at a prefix)', '/')
      .option('--proc-dir <dir>', 'the host\'s /proc (default <host-root>/proc; /proc in a hostPID pod)')
      .option('--benchmark <id>', 'benchmark profile (default: chosen from the node\'s distro and version)')
      .option('--role <roles...>', 'roles to audit: etcd, controlplane, worker (default: what runs on the node)')
      .addOption(new Option('--distro <distro>', 'skip distro detection').choices(['rke1', 'rke2']))
      .option('--k8s-version <version>', 'skip version detection')
      .option('--node-name <name>', 'target name in the report')
      .option('--snapshot-out <file>', 'also save the collected facts (JSON, no secrets) for `audit snapshot`')
      .option('--waivers <file>', 'YAML file of accepted risks: matching fail/manual results become waived'),
  ).action(async (o: ReportFlags & AuditNodeOptions) => {
    const [{ auditNode }, { emitRun }] = await Promise.all([import('./audit-node-command.js'), import('./emit-run.js')]);
    setExit(emitRun(auditNode(o), o));
  });

  reportOptions(
    audit
      .command('snapshot')
      .description('evaluate fact snapshots saved by `audit node|cluster --snapshot-out` offline: the same report, on any machine')
      .argument('<files...>', 'snapshot files (JSON)')
      .option('--benchmark <id>', 'benchmark profile (default: chosen from the snapshot\'s distro and version)')
      .option('--waivers <file>', 'YAML file of accepted risks: matching fail/manual results become waived'),
  ).action(async (files: string[], o: ReportFlags & { benchmark?: string }) => {
    const [{ auditSnapshots }, { emitRun }] = await Promise.all([import('./audit-snapshot-command.js'), import('./emit-run.js')]);
    setExit(emitRun(auditSnapshots(files, o), o, files));
  });

  // `audit --config … --node … --cluster`: several targets, one report. --distro, --benchmark and
  // --k8s-version are said once for every target that takes them (the node and the cluster of one
  // cluster share distro and version); the cluster's version always comes from its API server.
  reportOptions(audit)
    .option('--config <paths...>', 'configuration files or directories (as `audit config`)')
    .option('--node [host-root]', 'audit this node (host root, default /)')
    .option('--cluster', 'audit the cluster through the API (as `audit cluster`)')
    .addOption(new Option('--distro <distro>', 'every target is this distro (skips detection)').choices(['rke1', 'rke2']))
    .option('--benchmark <id>', 'benchmark profile for every target (default: chosen per target from distro and version)')
    .option('--k8s-version <version>', 'for config files that do not name one, and the node (skips version detection)')
    .option('--kubeconfig <file>', 'kubeconfig for --cluster')
    .option('--context <name>', 'kubeconfig context for --cluster')
    .option('--waivers <file>', 'YAML file of accepted risks')
    .action(async (o: ReportFlags & { config?: string[]; node?: string | boolean; cluster?: boolean; distro?: 'rke1' | 'rke2'; benchmark?: string; k8sVersion?: string; kubeconfig?: string; context?: string }) => {
      const [{ auditTargets }, { emitRun }] = await Promise.all([import('./audit-targets-command.js'), import('./emit-run.js')]);
      const shared = { ...(o.distro ? { distro: o.distro } : {}), ...(o.benchmark ? { benchmark: o.benchmark } : {}) };
      const version = o.k8sVersion ? { k8sVersion: o.k8sVersion } : {};
      const audited = await auditTargets({
        ...(o.config ? { config: o.config } : {}),
        ...(o.node !== undefined ? { node: o.node } : {}),
        ...(o.cluster ? { cluster: true } : {}),
        configOptions: { ...shared, ...version },
        nodeOptions: { ...shared, ...version },
        clusterOptions: { ...shared, ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}) },
      });
      setExit(emitRun(audited, o, o.config ?? []));
    });

  const harden = root.command('harden').description('generate hardened configuration and apply host and cluster fixes');
  harden
    .command('config')
    .description('generate a hardened RKE1 cluster.yml / RKE2 config.yaml for a version, or merge into yours (--from: also a Rancher provisioning Cluster)')
    .addOption(new Option('--distro <distro>', 'distribution').choices(['rke1', 'rke2']).makeOptionMandatory())
    .option('--k8s-version <version>', "RKE2 version (e.g. v1.31.4+rke2r1) or RKE release (e.g. v1.28.15-rancher1-1); default: the version the --from file names (RKE1, Rancher Cluster)")
    .option('--from <file>', 'your configuration: settings, comments and order are kept')
    .option('--cluster <name>', 'in a --from file of several Rancher Clusters (a Fleet bundle): the one to harden (metadata.name); the others are kept as written')
    .option('--out <dir>', 'write the configuration and companion files here (atomically)')
    .option('--benchmark <id>', 'benchmark profile (default: chosen from distro and version)')
    .option('--exemptions <lists...>', 'PSA namespace exemption lists, merged: rke2, rke1, rancher-restricted, docs-sample, none (default: rke2 for a config.yaml, rancher-restricted otherwise)')
    .option('--exempt-namespace <ns...>', 'more namespaces exempt from Pod Security Admission')
    .addOption(new Option('--psa <level>', 'Pod Security Admission level').choices(['restricted', 'baseline']).default('restricted'))
    .addOption(new Option('--role <role>', 'RKE2 config.yaml of a server or an agent (an agent gets no control-plane settings)').choices(['server', 'agent']).default('server'))
    .addOption(new Option('--check', 'with --from: exit 1 when the configuration is not hardened (it would change); write nothing').conflicts('out'))
    .action(async (o: { distro: 'rke1' | 'rke2'; k8sVersion?: string; from?: string; cluster?: string; out?: string; benchmark?: string; exemptions?: string[]; exemptNamespace?: string[]; psa: 'restricted' | 'baseline'; role: 'server' | 'agent'; check?: boolean }) => {
      if (o.check && !o.from) throw usageError('harden config --check: needs --from (the configuration to check)');
      const { runHardenConfig } = await import('./harden-config-command.js');
      const r = runHardenConfig({ ...o, ...(o.exemptNamespace ? { exemptNamespaces: o.exemptNamespace } : {}) });
      process.stdout.write(r.text);
      setExit(o.check && r.notHardened ? EXIT.failed : EXIT.ok);
    });

  harden
    .command('node')
    .description('plan (default) or --apply the host fixes: sysctl drop-in (loaded on a live host), etcd user and group, file modes and owners the node\'s profile fails; journaled')
    .option('--host-root <dir>', 'the host file system (a mounted node, or / for this machine)', '/')
    .option('--apply', 'make the changes (default: print the plan and diffs only)', false)
    .addOption(new Option('--distro <distro>', 'default: rke2 if <root>/var/lib/rancher/rke2 exists, rke1 if <root>/etc/kubernetes/ssl does').choices(['rke1', 'rke2']))
    .option('--journal <file>', 'journal of the changes for `rollback` (default: ./rke-harden-node-<time>.journal.jsonl; an existing one is continued)')
    .addOption(new Option('--sysctl-load <how>', 'on a live host: `sysctl --system` (every file) or `sysctl -p <drop-in>` (ours only)').choices(['system', 'file']).default('system'))
    .option('--only <parts...>', 'change only these: sysctl, etcd-user, files (comma lists too; default all)')
    .addOption(new Option('-o, --format <format>', 'the plan or the run as text, or as JSON (for fleet tools: changed, journal, outcomes)').choices(['text', 'json']).default('text'))
    .option('--benchmark <id>', 'profile the file modes and owners are judged by (default: the one the node\'s Kubernetes version selects, as audit node)')
    .option('--k8s-version <version>', 'the node\'s Kubernetes version, when it cannot be read from the node')
    .action(async (o: { hostRoot: string; apply: boolean; distro?: 'rke1' | 'rke2'; journal?: string; sysctlLoad: 'system' | 'file'; only?: string[]; benchmark?: string; k8sVersion?: string; format: 'text' | 'json' }) => {
      const { runHardenNode } = await import('./harden-node-command.js');
      const r = await runHardenNode(o);
      process.stdout.write(r.text);
      setExit(r.code === 0 ? EXIT.ok : EXIT.failed);
    });
  harden
    .command('cluster')
    .description('server-side dry run (default) or --apply: default ServiceAccounts, a NetworkPolicy per namespace, Pod Security labels; journaled')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--apply', 'make the changes (default: server-side dry run, dryRun=All, with the diff)', false)
    .addOption(new Option('--network-policy <policy>', 'policy for namespaces without one').choices(['allow-same-namespace', 'default-deny']).default('allow-same-namespace'))
    .addOption(new Option('--psa-level <level>', 'Pod Security level for enforce, audit and warn').choices(['restricted', 'baseline']).default('restricted'))
    .option('--psa-version <version>', 'pod-security.kubernetes.io/*-version: latest or v1.N', 'latest')
    .option('--exemptions <list...>', 'namespace exemption lists: rke2, rke1, rancher-restricted, docs-sample, none (default: the distro\'s)')
    .addOption(new Option('--distro <distro>', 'when the server version names none (+rke2rN / -rancherN)').choices(['rke1', 'rke2']))
    .option('--exempt-namespace <ns...>', 'more namespaces to leave alone (as audit cluster --exempt-namespace exempts them)', [])
    .option('--exclude-namespace <ns...>', 'namespaces to leave alone, said as excluded', [])
    .option('--journal <file>', 'journal of the changes for `rollback` (default: ./rke-harden-cluster-<time>.journal.jsonl; an existing one is continued)')
    .option('--concurrency <n>', 'writes in flight', positive('--concurrency', 'whole'), 16)
    .option('--print-journal', 'with --apply: end the output with the journal (for a pod whose files are thrown away: `rollback` reads it from the saved log)', false)
    .addOption(new Option('-o, --format <format>', 'the dry run or the run as text, or as JSON (for fleet tools: changed, journal, outcomes)').choices(['text', 'json']).default('text'))
    .action(async (o: { kubeconfig?: string; context?: string; apply: boolean; networkPolicy: 'allow-same-namespace' | 'default-deny'; psaLevel: 'restricted' | 'baseline'; psaVersion: string; exemptions?: string[]; distro?: 'rke1' | 'rke2'; exemptNamespace: string[]; excludeNamespace: string[]; journal?: string; concurrency: number; printJournal: boolean; format: 'text' | 'json' }) => {
      if (o.printJournal && o.format === 'json') throw usageError('--print-journal ends the output with the journal: not with -o json (the JSON names the journal file)');
      const progress = process.stderr.isTTY ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
      const [{ runHardenCluster }, { defaultJournalPath }, { printJournal }] = await Promise.all([import('./harden-cluster-command.js'), import('../remediation/journal.js'), import('../remediation/journal-in-log.js')]);
      const journal = o.journal ?? defaultJournalPath('cluster');
      try {
        const r = await runHardenCluster({ ...o, journal, ...(progress ? { progress } : {}) });
        process.stdout.write(r.text);
        setExit(r.code === 0 ? EXIT.ok : EXIT.failed);
      } finally {
        // Also when the run failed half-way: what it wrote must stay undoable.
        if (o.printJournal && o.apply) printJournal(journal);
      }
    });

  root
    .command('rollback')
    .description('undo the changes a `harden node|cluster --apply` journal records, newest first (a journal rolled back already: no-op)')
    .argument('<journal>', 'the journal file, or a saved log of `harden cluster --print-journal`')
    .option('--kubeconfig <file>', 'cluster journals: kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'cluster journals: kubeconfig context')
    .option('--host-root <dir>', 'node journals: the host root, when it is mounted elsewhere now')
    .option('--force', 'also undo changes that were modified since (and roll back on another server)', false)
    .option('--concurrency <n>', 'reverts in flight (cluster)', positive('--concurrency', 'whole'), 16)
    .action(async (journal: string, o: { kubeconfig?: string; context?: string; hostRoot?: string; force: boolean; concurrency: number }) => {
      const { runRollback } = await import('./rollback-command.js');
      const r = await runRollback(journal, o);
      process.stdout.write(r.text);
      setExit(r.code === 0 ? EXIT.ok : EXIT.failed);
    });

  root
    .command('upgrade-check')
    .description('what an upgrade changes: benchmark controls, and settings of your config that break or change meaning (exit 1 when blocked)')
    .argument('[config]', 'cluster.yml, config.yaml or Rancher Cluster file to check on the target version')
    .option('--from <version>', 'current Kubernetes / RKE2 version (default: the version the config names)')
    .requiredOption('--to <version>', 'target version')
    .addOption(new Option('--distro <distro>', 'distribution (read from the config when given)').choices(['rke1', 'rke2']))
    .option('--cluster <name>', 'in a config file of several Rancher Clusters (a Fleet bundle): the one to check (metadata.name)')
    .addOption(new Option('-o, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (config: string | undefined, o: { from?: string; to: string; distro?: 'rke1' | 'rke2'; cluster?: string; format: string }) => {
      const { runUpgradeCheck } = await import('./upgrade-check-command.js');
      const r = runUpgradeCheck({ ...o, ...(config ? { config } : {}) });
      process.stdout.write(r.text);
      setExit(r.blocking ? EXIT.failed : EXIT.ok);
    });

  root
    .command('report')
    .description('re-render a saved JSON scan (validated against schemas/scan-run.schema.json) in another format')
    .argument('<scan>', 'a JSON report written by `audit … -o json` (- for standard input)')
    .addOption(new Option('-o, --format <format>', 'output format').choices([...FORMATS]).default('text'))
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--waivers <file>', 'apply these waivers to the saved results')
    .addOption(new Option('--fail-on <level>', 'exit as `audit` would (default: exit 0 once rendered)').choices(['fail', 'manual', 'never']))
    .addOption(new Option('--fail-severity <severity>', 'with --fail-on: only results of checks of this severity or higher fail').choices([...SEVERITIES]))
    .option('--check <ids...>', 'report only these controls, sections or checks')
    .option('--skip <ids...>', 'leave these controls, sections or checks out')
    .action(async (scan: string, o: { format: string; output?: string; waivers?: string; failOn?: FailOn; failSeverity?: Severity; check?: string[]; skip?: string[] }) => {
      const [{ reportSaved }, { emitRun }] = await Promise.all([import('./report-command.js'), import('./emit-run.js')]);
      setExit(emitRun(reportSaved(scan, Boolean(o.waivers)), { ...o, warnOnStderr: false }, [scan]));
    });

  root
    .command('diff')
    .description('compare two saved JSON scans: new failures, fixed controls, changed evidence (exit 1 on a new scored failure, 3 when the new scan is incomplete)')
    .argument('<old>', 'the earlier JSON scan')
    .argument('<new>', 'the later JSON scan')
    .addOption(new Option('-o, --format <format>', 'output format').choices([...DIFF_FORMATS]).default('text'))
    .option('--output <file>', 'write the diff to a file (atomically) instead of stdout')
    .addOption(new Option('--fail-on <level>', 'exit 1 on a new scored fail, on a new scored manual too, or never').choices(['fail', 'manual', 'never']).default('fail'))
    .addOption(new Option('--fail-severity <severity>', 'only new results of checks of this severity or higher fail').choices([...SEVERITIES]))
    .action(async (oldScan: string, newScan: string, o: { format: string; output?: string; failOn: FailOn; failSeverity?: Severity }) => {
      const [{ diffScans }, { diffFails }, { emit }, { checkOutputs }] = await Promise.all([import('./diff-command.js'), import('../reporters/diff.js'), import('./output.js'), import('./emit-run.js')]);
      const { diff, text, incomplete } = diffScans(oldScan, newScan, o.format);
      checkOutputs(o, [oldScan, newScan]);
      emit(text, o.output);
      setExit(incomplete ? EXIT.incomplete : diffFails(diff, o.failOn, o.failSeverity) ? EXIT.failed : EXIT.ok);
    });

  root
    .command('explain')
    .description('why a control or check matters, how it is audited, how to fix it on RKE1 and RKE2, and where it is in each benchmark')
    .argument('<id>', 'a control id (1.2.1) or a check id (apiserver-anonymous-auth-disabled)')
    .option('--benchmark <id>', "this profile's meaning of a control id, its control first and its distro's remediation only")
    .action(async (id: string, o: { benchmark?: string }) => {
      const { explain } = await import('./explain-command.js');
      process.stdout.write(explain(id, o));
      setExit(EXIT.ok);
    });

  root.command('benchmarks').description('list benchmark profiles and which distro/version selects each').action(async () => {
    const { listBenchmarks } = await import('./benchmarks-command.js');
    process.stdout.write(listBenchmarks());
    setExit(EXIT.ok);
  });
  registerAgentCommand(root, setExit);
  return root;
}

/** The only place that maps outcomes and errors to exit codes. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  recordFilesRead();
  try {
    await program((c) => (code = c)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof RkeHardenError) {
      process.stderr.write(`rke-harden: ${e.message}\n`);
      return exitCodeForError(e.code);
    }
    process.stderr.write(`rke-harden: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 70;
  }
}


