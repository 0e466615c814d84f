import { Command, CommanderError, Option } from 'commander';
import { RkeHardenError } from '../errors/rke-harden-error.js';
import { TOOL_VERSION } from '../version.js';
import { auditConfig } from './audit-config-command.js';
import { EXIT, exitCodeFor, exitCodeForError, type FailOn } from './exit-codes.js';
import { emit, FORMATS, render } from './output.js';
import { listBenchmarks } from './benchmarks-command.js';

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


