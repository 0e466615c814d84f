// Regenerates bench/RESULTS.md: every bench of issue 9 in one command, figures with the machine,
// versions and date. Each bench runs as its own process; its JSON goes to test-artifacts/bench/.
//
//   npx tsx bench/run-all.ts [--quick | --full] [--only differential,node,config,cluster,harden] [--no-build] [--out bench/RESULTS.md]
//
//   default   cluster 1k and 5k namespaces (10k extrapolated, and said so), harden 1k namespaces
//   --quick   small sizes (minutes): cluster 300 and 1k, harden 200, config 500 files, fewer rounds
//   --full    cluster 1k, 5k and 10k, harden 10k (long on 2 cores: seeding alone takes minutes per size)
// Needs root (node layouts), the control plane (scripts/build-controlplane.sh) and kube-bench
// (scripts/build-kube-bench.sh). Timing is reported, never asserted.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLOW_LIST } from './differential/allow-list.js';
import { args, option } from './argv.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const mode = args.includes('--full') ? 'full' : args.includes('--quick') ? 'quick' : 'default';
const only = option('--only')?.split(',');
const want = (s: string) => !only || only.includes(s);
const out = path.resolve(ROOT, option('--out') ?? 'bench/RESULTS.md');
const artifacts = path.join(ROOT, 'test-artifacts', 'bench');
fs.mkdirSync(artifacts, { recursive: true });

const SIZES = {
  quick: { cluster: '300,1000', harden: 200, files: 500, rounds: 3, nodeRuns: 5 },
  default: { cluster: '1000,5000', harden: 1000, files: 1000, rounds: 3, nodeRuns: 7 },
  full: { cluster: '1000,5000,10000', harden: 10000, files: 2000, rounds: 5, nodeRuns: 9 },
}[mode];

const sh = (cmd: string, argv: string[]) => {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'not available';
  }
};
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** Run a bench script with tsx, echo its stderr, return its stdout. */
function bench(script: string, argv: string[], okCodes = [0]): Promise<{ stdout: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.on('error', reject);
    child.on('close', (code) => (okCodes.includes(code ?? -1) ? resolve({ stdout, ms: Date.now() - t0 }) : reject(new Error(`${script} exited ${code}:\n${stdout.slice(-3000)}`))));
  });
}
const readJson = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(artifacts, name), 'utf8')) as T;
const fence = (text: string) => ['```', text.trimEnd(), '```'].join('\n');

const started = new Date();
const loadBefore = load();
if (!args.includes('--no-build') && (want('node') || want('config'))) {
  process.stderr.write('run-all: npm run build (bench/node and bench/config time the built CLI)\n');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

const sections: string[] = [];
const summary: string[] = [];

if (want('differential')) {
  process.stderr.write('run-all: differential\n');
  const { stdout, ms } = await bench('bench/differential/run.ts', ['--json', path.join(artifacts, 'differential.json')], [0, 1]);
  type Cmp = { fixture: string; profile: string; controls: { agree: boolean; kubeBench: string; ours: string }[]; oursOnly: string[] };
  const { results } = readJson<{ results: Cmp[] }>('differential.json');
  const rowsOf = (rs: Cmp[]) => {
    const total = rs.reduce((n, r) => n + r.controls.length, 0);
    const agree = rs.reduce((n, r) => n + r.controls.filter((c) => c.agree).length, 0);
    return { total, agree, pct: (100 * agree) / Math.max(1, total) };
  };
  const profiles = [...new Set(results.map((r) => r.profile))];
  const all = rowsOf(results);
  const upstream = ALLOW_LIST.filter((e) => e.kind === 'upstream-bug');
  summary.push(`| differential (kube-bench vs rke-harden) | ${all.agree}/${all.total} control verdicts agree (${all.pct.toFixed(1)} %), every other one explained (${upstream.length} upstream bugs, ${ALLOW_LIST.length - upstream.length} deviations) | every disagreement explained | ${/, 0 unexplained/.test(stdout) && !stdout.includes('a case explains nothing') ? 'met' : 'NOT met'} |`);
  sections.push(
    '## Differential: kube-bench vs `audit node` on the same node layouts',
    '',
    `8 node fixtures laid out at their real paths in private namespaces, ${results.length} fixture × profile runs, ${(ms / 1000).toFixed(0)} s. Status mapping and every explained disagreement: docs/differential.md, bench/differential/allow-list.ts.`,
    '',
    '| kube-bench profile | runs | agree | controls | agreement |',
    '|---|---:|---:|---:|---:|',
    ...profiles.map((p) => {
      const rs = results.filter((r) => r.profile === p);
      const s = rowsOf(rs);
      return `| ${p} | ${rs.length} | ${s.agree} | ${s.total} | ${s.pct.toFixed(1)} % |`;
    }),
    `| **all** | ${results.length} | ${all.agree} | ${all.total} | ${all.pct.toFixed(1)} % |`,
    '',
    '| fixture | agreement over its profiles |',
    '|---|---:|',
    ...[...new Set(results.map((r) => r.fixture))].map((f) => `| ${f} | ${rowsOf(results.filter((r) => r.fixture === f)).pct.toFixed(1)} % |`),
    '',
    'Disagreements by allow-list entry (kind, cases matched):',
    '',
    '| entry | kind | disagreements |',
    '|---|---|---:|',
    ...ALLOW_LIST.map((e) => {
      let n = 0;
      for (const r of results) for (const c of r.controls as (Cmp['controls'][number] & { id: string })[]) if (!c.agree && e.cases.some((k) => k.profiles.includes(r.profile) && (k.fixtures as string[]).includes(r.fixture) && k.controls.includes(c.id) && k.kubeBench === c.kubeBench && k.ours === c.ours)) n++;
      return `| ${e.id} | ${e.kind} | ${n} |`;
    }),
    '',
    fence(stdout.split('\n').filter((l) => /^TOTAL|^allow-list entry/.test(l)).join('\n')),
    '',
  );
}

if (want('node')) {
  process.stderr.write('run-all: node\n');
  const { stdout } = await bench('bench/node/audit-node.bench.ts', ['--runs', String(SIZES.nodeRuns), '--warm-runs', '20', '--json', path.join(artifacts, 'node.json')]);
  const j = readJson<{ coldRatio: number; floorRatio: number; warmRatio: number }>('node.json');
  summary.push(`| audit node vs kube-bench (same layout) | cold process ${j.coldRatio.toFixed(2)}× kube-bench's speed (an empty \`node -e 0\` is ${j.floorRatio.toFixed(1)}×: the bound of any cold Node.js process); warm (catalog loaded) ${j.warmRatio.toFixed(0)}× | ≥ 20× faster | cold ${j.coldRatio >= 20 ? 'met' : 'NOT met (out of reach, see bound)'}, warm ${j.warmRatio >= 20 ? 'met' : 'NOT met'} |`);
  sections.push('## `audit node` vs kube-bench: time on the same layout', '', fence(stdout), '');
}

if (want('config')) {
  process.stderr.write('run-all: config\n');
  const { stdout } = await bench('bench/config/audit-config.bench.ts', ['--files', String(SIZES.files), '--rounds', String(SIZES.rounds), '--json', path.join(artifacts, 'config.json')]);
  const j = readJson<{ figures: Record<string, { filesPerSecond: number }> }>('config.json');
  const fps = j.figures['per-file']!.filesPerSecond;
  const cli = j.figures['CLI, text report'];
  summary.push(`| audit config throughput | ${fps.toFixed(0)} files/s per file, ${j.figures.directory!.filesPerSecond.toFixed(0)} files/s per directory run (in-process, warm)${cli ? `; ${cli.filesPerSecond.toFixed(0)} files/s by the CLI, start and text report included` : ''} | ≥ 1,000 files/s | ${fps >= 1000 ? 'met' : 'NOT met'} |`);
  sections.push('## `audit config` throughput', '', fence(stdout), '');
}

if (want('cluster')) {
  process.stderr.write('run-all: cluster\n');
  const { stdout } = await bench('bench/scale/cluster-scale.ts', ['--sizes', SIZES.cluster, '--rounds', String(SIZES.rounds), '--json', path.join(artifacts, 'cluster.json')]);
  const j = readJson<{ rows: { namespaces: number; ratio: number; auditRssMb: number }[]; extrapolated?: { auditMs: number; rawMs: number; auditRssMb: number } }>('cluster.json');
  const last = j.rows.at(-1)!;
  const ex = j.extrapolated;
  summary.push(
    `| audit cluster vs raw LIST | ${last.ratio.toFixed(2)}× at ${last.namespaces} ns (measured)${ex ? `; ${(ex.auditMs / ex.rawMs).toFixed(2)}× at 10k (extrapolated)` : ''} | ≤ 1.5× at 10k | ${(ex ? ex.auditMs / ex.rawMs : last.ratio) <= 1.5 ? 'met' : 'NOT met'} |`,
    `| audit cluster peak RSS | ${last.auditRssMb.toFixed(0)} MB at ${last.namespaces} ns (measured)${ex ? `; ${ex.auditRssMb.toFixed(0)} MB at 10k (extrapolated)` : ''} | ≤ 300 MB at 10k | ${(ex ? ex.auditRssMb : last.auditRssMb) <= 300 ? 'met' : 'NOT met'} |`,
  );
  sections.push('## `audit cluster` at scale vs the raw LIST of the same objects', '', 'bench/scale/cluster-scale.ts (audit measured by bench/cluster/audit-once.ts, the cluster bench\'s own child process).', '', fence(stdout), '');
}

if (want('harden')) {
  process.stderr.write('run-all: harden\n');
  if (fs.existsSync(path.join(ROOT, 'bench/harden/harden-cluster.bench.ts'))) {
    const { stdout } = await bench('bench/harden/harden-cluster.bench.ts', ['--namespaces', String(SIZES.harden)]);
    const ratio = /x(\d+(\.\d+)?)\)/.exec(stdout.split('\n').find((l) => l.includes('overhead vs raw')) ?? '')?.[1];
    summary.push(`| harden cluster --apply vs raw writes | ${ratio ? `${ratio}×` : 'see below'} at ${SIZES.harden} ns | ≤ 1.5× at 10k | ${ratio ? (Number(ratio) <= 1.5 ? 'met' : 'NOT met') : '?'}${SIZES.harden < 10000 ? ` (at ${SIZES.harden})` : ''} |`);
    sections.push('## `harden cluster --apply` vs raw writes', '', 'bench/harden/harden-cluster.bench.ts (the harden engineer\'s bench, called as is).', '', fence(stdout), '');
  } else {
    sections.push('## `harden cluster --apply` vs raw writes', '', 'bench/harden/harden-cluster.bench.ts is not there yet.', '');
  }
}

const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown';
const kubeBenchDir = sh('bash', ['scripts/build-kube-bench.sh', '--print-dir']);
const notes = [
  '## Reading these figures',
  '',
  '- Wall-clock times on a shared 2-core machine: see the load average above; rerun before quoting a figure.',
  '- `audit node` "cold" is a whole `node bin/rke-harden.js` process (start, module load, catalog load, audit, report) against a whole kube-bench process; "warm" is the audit alone in a process that has loaded the catalog (the in-cluster agent\'s case). kube-bench has no warm mode.',
  '- `audit cluster` sizes not measured are extrapolated from a straight line through the measured ones, and marked EXTRAPOLATED; the marginal cost between two sizes cancels the fixed per-process costs.',
  '- `--quick` / default / `--full` choose the sizes (bench/run-all.ts); `--full` measures 10k namespaces (seeding alone takes several minutes per size here).',
  '',
];
const header = [
  '# Benchmark results (issue 9)',
  '',
  `Regenerated by \`npx tsx bench/run-all.ts${args.length ? ' ' + args.join(' ') : ''}\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC (${mode} sizes; ${((Date.now() - started.getTime()) / 60_000).toFixed(0)} min). Do not edit by hand.`,
  '',
  '| | |',
  '|---|---|',
  `| machine | ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()} |`,
  `| load average (1, 5, 15 min) | before ${loadBefore}, after ${load()} — other work shares this machine; timings are wall-clock and noisy |`,
  `| rke-harden | ${sh('git', ['rev-parse', '--short', 'HEAD'])}${sh('git', ['status', '--porcelain', '--', 'src']) ? ' + uncommitted src/ changes' : ''}, Node.js ${process.version} |`,
  `| kube-bench | ${sh(path.join(kubeBenchDir, 'bin/kube-bench'), ['version'])} (built from its Go module by scripts/build-kube-bench.sh, ${sh('go', ['version'])}) |`,
  `| control plane | ${sh(path.join(ROOT, 'node_modules/.bin/tsx'), ['-e', "import('./test/support/controlplane-bin.ts').then(m=>console.log(Object.entries(m.pinnedVersions()).map(([k,v])=>k+' '+v).join(', ')))"])} (scripts/build-controlplane.sh) |`,
  '',
  '## Summary',
  '',
  '| what | figure | target | |',
  '|---|---|---|---|',
  ...summary,
  '',
];
fs.writeFileSync(out, [...header, ...notes, ...sections].join('\n'));
process.stderr.write(`run-all: wrote ${path.relative(ROOT, out)}\n`);
