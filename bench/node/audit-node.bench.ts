// Bench: `rke-harden audit node` against kube-bench on the same node layout (a fixture laid out at
// its real paths in a private namespace, test/support/namespace-layout.ts), several runs each,
// median and ratio. Both are whole processes started the way users start them: kube-bench
// (`run --targets <the node's roles> --benchmark <profile> --json`) and the built CLI
// (`node bin/rke-harden.js audit node --host-root / --benchmark <profile> -o json`; run `npm run
// build` first, or pass --source to run src/ through tsx, which adds its compile time).
// Target: rke-harden at least 20× faster. Timing is printed, never asserted.
//
//   npx tsx bench/node/audit-node.bench.ts [--runs 7] [--fixture NAME]... [--profile ID]... [--source] [--json FILE]
import fs from 'node:fs';
import path from 'node:path';
import { findKubeBench } from '../../test/support/kube-bench.js';
import { layoutUnsupportedReason } from '../../test/support/namespace-layout.js';
import type { HostFixtureName } from '../../test/fixtures/hosts/index.js';
import { REPO_ROOT } from '../../test/support/controlplane-bin.js';
import { runDifferential } from '../differential/differential.js';

const args = process.argv.slice(2);
const many = (flag: string) => args.flatMap((a, i) => (a === flag && args[i + 1] ? [args[i + 1]!] : []));
const runs = Number(many('--runs')[0] ?? 7);
const fixtures = (many('--fixture').length ? many('--fixture') : ['rke2-server-hardened', 'rke2-agent', 'rke1-etcd-controlplane-hardened', 'rke1-worker-default']) as HostFixtureName[];
const profiles = many('--profile').length ? many('--profile') : ['rke2-cis-1.8', 'rke-cis-1.7'];
const cli = args.includes('--source') ? 'source' : 'dist';
const jsonOut = many('--json')[0];

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

const rows = runDifferential({ kubeBench, fixtures, profiles, runs, cli, log: (l) => console.error(l) }).map((c) => {
  const kb = median(c.kubeBenchMs);
  const ours = median(c.oursMs);
  return { fixture: c.fixture, profile: c.profile, targets: c.targets, kubeBenchMs: c.kubeBenchMs, oursMs: c.oursMs, kubeBenchMedianMs: kb, oursMedianMs: ours, ratio: kb / ours };
});

console.log(`audit node vs kube-bench ${kubeBench.version}: ${runs} runs each on the same layout, whole processes, median wall time (rke-harden from ${cli === 'dist' ? 'dist/ (node bin/rke-harden.js)' : 'src/ through tsx'})`);
console.log(`  ${'fixture'.padEnd(33)} ${'profile'.padEnd(14)} ${'kube-bench'.padStart(10)} ${'rke-harden'.padStart(10)} ${'ratio'.padStart(7)}`);
for (const r of rows) {
  console.log(`  ${r.fixture.padEnd(33)} ${r.profile.padEnd(14)} ${`${r.kubeBenchMedianMs.toFixed(0)} ms`.padStart(10)} ${`${r.oursMedianMs.toFixed(0)} ms`.padStart(10)} ${`${r.ratio.toFixed(1)}×`.padStart(7)}`);
}
const overall = median(rows.map((r) => r.ratio));
console.log(`  median ratio ${overall.toFixed(1)}× (target ≥ 20×: ${overall >= 20 ? 'met' : 'NOT met'})`);
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ kubeBench: kubeBench.version, runs, cli, rows, medianRatio: overall }, null, 2));
