import { Command, CommanderError, Option } from 'commander';
import { RkeHardenError } from '../errors/rke-harden-error.js';
import { TOOL_VERSION } from '../version.js';
import { auditConfig } from './audit-config-command.js';
import { EXIT, exitCodeFor, exitCodeForError, type FailOn } from './exit-codes.js';
import { emit, FORMATS, render } from './output.js';
import { listBenchmarks } from './benchmarks-command.js';
import { runHardenConfig } from './harden-config-command.js';

interface ReportFlags {
  format: string;
  output?: string;
  failOn: FailOn;
}

function reportOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-o, --format <format>', 'output format').choices([...FORMATS]).default('text'))
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .addOption(new Option('--fail-on <level>', 'exit 1 on scored fail, on scored manual too, or never').choices(['fail', 'manual', 'never']).default('fail'));
}

function program(setExit: (code: number) => void): Command {
  const root = new Command('rke-harden')
    .description('Audit and harden Rancher RKE1/RKE2 clusters against the CIS Kubernetes Benchmark')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const audit = root.command('audit').description('audit configuration files, nodes or clusters');
  reportOptions(
    audit
      .command('config')
      .description('audit RKE1 cluster.yml, RKE2 config.yaml (+ config.yaml.d) or Rancher Cluster files before they are applied')
      .argument('<paths...>', 'files or directories')
      .addOption(new Option('--distro <distro>', 'treat the files as this distro').choices(['rke1', 'rke2']))
      .option('--k8s-version <version>', 'Kubernetes version for files that do not name one (RKE2 config.yaml)')
      .option('--benchmark <id>', 'benchmark profile (default: chosen from distro and version)')
      .addOption(new Option('--role <role>', 'RKE2 node role of config.yaml').choices(['server', 'agent']).default('server')),
  ).action((paths: string[], o: ReportFlags & { distro?: 'rke1' | 'rke2'; k8sVersion?: string; benchmark?: string; role: 'server' | 'agent' }) => {
    const { run, sectionTitles } = auditConfig(paths, o);
    emit(render(run, o.format, !o.output && o.format === 'text' && process.stdout.isTTY === true, sectionTitles), o.output);
    setExit(exitCodeFor(run, o.failOn));
  });

  const harden = root.command('harden').description('generate hardened configuration and apply host and cluster fixes');
  harden
    .command('config')
    .description('generate a hardened RKE1 cluster.yml / RKE2 config.yaml for a version, or merge into yours (--from)')
    .addOption(new Option('--distro <distro>', 'distribution').choices(['rke1', 'rke2']).makeOptionMandatory())
    .requiredOption('--k8s-version <version>', 'Kubernetes / RKE2 version, e.g. v1.31.4+rke2r1 or v1.28.15-rancher1-1')
    .option('--from <file>', 'your configuration: settings, comments and order are kept')
    .option('--out <dir>', 'write the configuration and companion files here (atomically)')
    .option('--benchmark <id>', 'benchmark profile (default: chosen from distro and version)')
    .addOption(new Option('--exemptions <list>', 'PSA namespace exemption list').choices(['rke2', 'rke1', 'rancher-restricted', 'docs-sample', 'none']))
    .option('--exempt-namespace <ns...>', 'more namespaces exempt from Pod Security Admission')
    .addOption(new Option('--psa <level>', 'Pod Security Admission level').choices(['restricted', 'baseline']).default('restricted'))
    .action((o: { distro: 'rke1' | 'rke2'; k8sVersion: string; from?: string; out?: string; benchmark?: string; exemptions?: 'rke2' | 'rke1' | 'rancher-restricted' | 'docs-sample' | 'none'; exemptNamespace?: string[]; psa: 'restricted' | 'baseline' }) => {
      process.stdout.write(runHardenConfig({ ...o, ...(o.exemptNamespace ? { exemptNamespaces: o.exemptNamespace } : {}) }));
      setExit(EXIT.ok);
    });

  root.command('benchmarks').description('list benchmark profiles and which distro/version selects each').action(() => {
    process.stdout.write(listBenchmarks());
    setExit(EXIT.ok);
  });
  return root;
}

/** The only place that maps outcomes and errors to exit codes. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
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


