// Prints the differential: per fixture and kube-bench profile, the agreement per control and the
// list of disagreements, each with the allow-list entry that explains it (or UNEXPLAINED).
//
//   npx tsx bench/differential/run.ts [--fixture NAME]... [--profile rke2-cis-1.8]... [--all] [--json FILE]
//
//   --all         print every control, not only the disagreements
//   --variant permissive   compare with our permissive profiles instead of the hardened ones
//   --json FILE   write the comparisons as JSON (bench/run-all.ts uses it)
// Needs root (mount namespaces) and kube-bench: bash scripts/build-kube-bench.sh.
import fs from 'node:fs';
import { findKubeBench } from '../../test/support/kube-bench.js';
import { layoutUnsupportedReason } from '../../test/support/namespace-layout.js';
import type { HostFixtureName } from '../../test/fixtures/hosts/index.js';
import { explain, staleCases } from './allow-list.js';
import { runDifferential, type ProfileComparison } from './differential.js';
import { args, options } from '../argv.js';

const fixtures = options('--fixture') as HostFixtureName[];
const profiles = options('--profile');
const jsonOut = options('--json')[0];
const variant = options('--variant')[0] === 'permissive' ? 'permissive' : 'hardened';

const unsupported = layoutUnsupportedReason();
if (unsupported) {
  console.error(`differential: cannot lay nodes out here: ${unsupported}`);
  process.exit(2);
}
const kubeBench = findKubeBench();
const started = Date.now();
const results = await runDifferential({
  kubeBench,
  ...(fixtures.length ? { fixtures } : {}),
  ...(profiles.length ? { profiles } : {}),
  variant,
  log: (l) => console.error(l),
});

function printComparisons(comparisons: ProfileComparison[], all: boolean): { unexplained: number } {
  let unexplained = 0;
  for (const c of comparisons) {
    const agree = c.controls.filter((x) => x.agree).length;
    const dis = c.controls.filter((x) => !x.agree);
    console.log(`\n${c.fixture} × kube-bench ${c.profile} (rke-harden ${c.oursBenchmark}; kube-bench targets ${c.targets.join(',')})`);
    console.log(`  agreement ${agree}/${c.controls.length} controls (${((100 * agree) / Math.max(1, c.controls.length)).toFixed(1)} %), ${dis.length} disagreement(s)`);
    for (const x of all ? c.controls : dis) {
      const why = x.agree ? '' : explain(c.fixture, c.profile, x);
      if (!x.agree && !why) unexplained++;
      const mark = x.agree ? '=' : why ? '~' : '!';
      console.log(`  ${mark} ${x.id.padEnd(7)} kube-bench ${x.kubeBench.padEnd(7)} rke-harden ${x.ours.padEnd(7)} [${x.target}; kube-bench ${x.kubeBenchType}]`);
      if (!x.agree) {
        console.log(`      ${why ? `explained (${why})` : 'UNEXPLAINED'}`);
        if (x.kubeBenchReason || x.kubeBenchActual) console.log(`      kube-bench: ${(x.kubeBenchReason || x.kubeBenchActual || '').replaceAll('\n', ' | ').slice(0, 200)}`);
        if (x.oursReason || x.oursEvidence) console.log(`      rke-harden: ${(x.oursReason || x.oursEvidence || '').replaceAll('\n', ' | ').slice(0, 200)}`);
      }
    }
    if (c.oursOnly.length) console.log(`  rke-harden only (no kube-bench check of that id): ${c.oursOnly.join(', ')}`);
  }
  return { unexplained };
}

const { unexplained } = printComparisons(results, args.includes('--all'));
const total = results.reduce((n, c) => n + c.controls.length, 0);
const agreeing = results.reduce((n, c) => n + c.controls.filter((x) => x.agree).length, 0);
console.log(`\nTOTAL ${results.length} fixture×profile runs, ${agreeing}/${total} control verdicts agree (${((100 * agreeing) / Math.max(1, total)).toFixed(1)} %), ${total - agreeing} disagreements, ${unexplained} unexplained; ${((Date.now() - started) / 1000).toFixed(0)} s`);
const stale = staleCases(results);
for (const s of stale) console.log(`allow-list entry ${s.entry}: a case explains nothing: ${s.missing.join('; ')}`);
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ kubeBench: kubeBench.version, results }, null, 2));
process.exitCode = unexplained || stale.length ? 1 : 0;
