// Bench: `rke-harden audit node` against kube-bench on the same node layout (a fixture laid out at
// its real paths in a private namespace, test/support/namespace-layout.ts), several rounds, median
// and ratio. Three measurements per fixture, all inside the same layout, interleaved round by round:
//   kube-bench  `kube-bench run --targets <the node's roles> --benchmark <profile> --json` (whole process)
//   cold        `node bin/rke-harden.js audit node --host-root / --benchmark <profile> --format json`
//               (whole process: Node.js start, module load, catalog load, audit, JSON report; needs
//               `npm run build`; --source runs src/ through tsx instead, adding its compile time)
//   warm        the same audit in one process with the catalog already loaded (the in-cluster agent's
//               case; bench/node/audit-node-warm.ts), median of --warm-runs runs after a warm-up
// Target (issue 9): at least 20× faster than kube-bench. Timing is printed, never asserted.
//
//   npx tsx bench/node/audit-node.bench.ts [--runs 7] [--warm-runs 20] [--fixture NAME]... [--profile ID] [--source] [--json FILE]
import fs from 'node:fs';
import path from 'node:path';
import { findKubeBench } from '../../test/support/kube-bench.js';
import { layoutUnsupportedReason, runInLayout } from '../../test/support/namespace-layout.js';
import { HOST_FIXTURES, type HostFixtureName } from '../../test/fixtures/hosts/index.js';
import { REPO_ROOT } from '../../test/support/controlplane-bin.js';
import { distroOf, kubeBenchTargets, rkeHardenArgv } from '../differential/differential.js';
import { args, options } from '../argv.js';

const runs = Number(options('--runs')[0] ?? 7);
const warmRuns = Number(options('--warm-runs')[0] ?? 20);
const fixtures = (options('--fixture').length ? options('--fixture') : ['rke2-server-hardened', 'rke2-agent', 'rke1-etcd-controlplane-hardened', 'rke1-worker-default']) as HostFixtureName[];
const profileFor = (f: HostFixtureName) => options('--profile')[0] ?? (distroOf(HOST_FIXTURES[f]()) === 'rke2' ? 'rke2-cis-1.8' : 'rke-cis-1.7');
const cli = args.includes('--source') ? 'source' : 'dist';
const jsonOut = options('--json')[0];

const unsupported = layoutUnsupportedReason();
if (unsupported) {
  console.error(`bench/node: cannot lay nodes out here: ${unsupported}`);
  process.exit(2);
}
if (cli === 'dist' && !fs.existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))) {
  console.error('bench/node: dist/ is missing: run `npm run build` first (or pass --source)');
  process.exit(2);
}
const kubeBench = findKubeBench();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const rows = [];
for (const fixture of fixtures) {
  const spec = HOST_FIXTURES[fixture]();
  const profile = profileFor(fixture);
  const targets = kubeBenchTargets(spec);
  const helper = path.join(kubeBench.helperDir, 'check_files_owner_in_dir.sh');
  const layout = await runInLayout(
    spec,
    [
      { name: 'kube-bench', argv: [kubeBench.binary, 'run', '--targets', targets.join(','), '--benchmark', profile, '--config-dir', kubeBench.cfgDir, '--config', path.join(kubeBench.cfgDir, 'config.yaml'), '--json'] },
      { name: 'cold', argv: [...rkeHardenArgv(cli), 'audit', 'node', '--host-root', '/', '--benchmark', `${profile}-hardened`, '--format', 'json', '--fail-on', 'never'] },
      // The floor of any cold Node.js CLI: a process that starts and exits.
      { name: 'node-floor', argv: [process.execPath, '-e', '0'] },
    ],
    { idle: kubeBench.idle, pathFiles: fs.existsSync(helper) ? [helper] : [], rounds: runs },
  );
  const warm = await runInLayout(spec, [{ name: 'warm', argv: [process.execPath, '--import', 'tsx', path.join(REPO_ROOT, 'bench/node/audit-node-warm.ts'), '--benchmark', `${profile}-hardened`, '--runs', String(warmRuns)] }], { idle: kubeBench.idle });
  const kb = layout.commands['kube-bench']!;
  const cold = layout.commands.cold!;
  const floor = layout.commands['node-floor']!;
  const w = warm.commands.warm!;
  if (kb.code !== 0 || cold.code !== 0 || w.code !== 0) throw new Error(`${fixture}: a command failed: ${kb.stderr.slice(-500)} ${cold.stderr.slice(-500)} ${w.stderr.slice(-500)}`);
  const warmFigures = JSON.parse(w.stdout.trim().split('\n').pop()!) as { catalogMs: number; ms: number[] };
  const row = {
    fixture,
    profile,
    targets,
    kubeBenchMs: kb.ms,
    coldMs: cold.ms,
    warmMs: warmFigures.ms,
    catalogMs: warmFigures.catalogMs,
    kubeBenchMedianMs: median(kb.ms),
    coldMedianMs: median(cold.ms),
    floorMedianMs: median(floor.ms),
    warmMedianMs: median(warmFigures.ms),
  };
  rows.push({
    ...row,
    coldRatio: row.kubeBenchMedianMs / row.coldMedianMs,
    floorRatio: row.kubeBenchMedianMs / row.floorMedianMs,
    warmRatio: row.kubeBenchMedianMs / row.warmMedianMs,
  });
  console.error(`${fixture}: done`);
}

console.log(`audit node vs kube-bench ${kubeBench.version} on the same layout: median of ${runs} interleaved runs (kube-bench, cold), warm = median of ${warmRuns} in-process runs; rke-harden cold from ${cli === 'dist' ? 'dist/ (node bin/rke-harden.js)' : 'src/ through tsx'}`);
console.log(`  ${'fixture'.padEnd(33)} ${'profile'.padEnd(13)} ${'kube-bench'.padStart(10)} ${'cold'.padStart(8)} ${'ratio'.padStart(6)} ${'node -e 0'.padStart(9)} ${'bound'.padStart(6)} ${'warm'.padStart(8)} ${'ratio'.padStart(7)}`);
for (const r of rows) {
  console.log(`  ${r.fixture.padEnd(33)} ${r.profile.padEnd(13)} ${`${r.kubeBenchMedianMs.toFixed(0)} ms`.padStart(10)} ${`${r.coldMedianMs.toFixed(0)} ms`.padStart(8)} ${`${r.coldRatio.toFixed(1)}×`.padStart(6)} ${`${r.floorMedianMs.toFixed(0)} ms`.padStart(9)} ${`${r.floorRatio.toFixed(1)}×`.padStart(6)} ${`${r.warmMedianMs.toFixed(1)} ms`.padStart(8)} ${`${r.warmRatio.toFixed(0)}×`.padStart(7)}`);
}
const coldRatio = median(rows.map((r) => r.coldRatio));
const floorRatio = median(rows.map((r) => r.floorRatio));
const warmRatio = median(rows.map((r) => r.warmRatio));
console.log(`  median ratio: cold ${coldRatio.toFixed(2)}×, warm ${warmRatio.toFixed(0)}× (target ≥ 20×: cold ${coldRatio >= 20 ? 'met' : 'NOT met'}, warm ${warmRatio >= 20 ? 'met' : 'NOT met'})`);
console.log(`  bound: an empty Node.js process (node -e 0) alone is ${floorRatio.toFixed(1)}× faster than kube-bench here, so no cold Node.js process can reach 20×`);
console.log(`  catalog load in the warm process: ${median(rows.map((r) => r.catalogMs)).toFixed(0)} ms (paid once per process)`);
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ kubeBench: kubeBench.version, runs, warmRuns, cli, rows, coldRatio, floorRatio, warmRatio }, null, 2));
