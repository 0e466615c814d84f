// Bench: seed N namespaces into a real control plane (test/support/control-plane.ts), then run
// `audit cluster` in a fresh process and print its wall time and peak RSS next to a baseline process
// that only loads the catalog. The audit keeps reduced objects only, so its memory grows with the
// reduced size of the cluster, not with the API objects.
//
//   npx tsx bench/cluster/audit-cluster.bench.ts [--namespaces 50] [--pods 2] [--page-size 500]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../../test/support/control-plane.js';
import { seedNamespaces } from '../../test/support/seed-cluster.js';

const run = promisify(execFile);
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const namespaces = arg('--namespaces', 50);
const pods = arg('--pods', 2);
const pageSize = arg('--page-size', 500);
const child = fileURLToPath(new URL('./audit-once.ts', import.meta.url));

async function measure(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', child, ...args], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

const cp = await startControlPlane({ log: (l) => process.stderr.write(`${l}\n`) });
try {
  const t0 = Date.now();
  await seedNamespaces(cp.request, namespaces, pods);
  process.stderr.write(`seeded ${namespaces} namespaces x ${pods} pods in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const baseline = await measure([cp.kubeconfigPath, '--baseline']);
  const audit = await measure([cp.kubeconfigPath, '--page-size', String(pageSize)]);
  const mb = (kb: unknown) => `${(Number(kb) / 1024).toFixed(1)} MB`;
  console.log(`audit cluster bench (Kubernetes ${cp.version.gitVersion}, page size ${pageSize})`);
  console.log(`  namespaces        ${audit.namespaces}  (seeded ${namespaces})`);
  console.log(`  pods              ${audit.pods}`);
  console.log(`  rolebindings      ${audit.rolebindings}`);
  console.log(`  audit wall time   ${Number(audit.ms).toFixed(0)} ms (collect + evaluate; catalog load before it: ${Number(audit.catalogMs).toFixed(0)} ms)`);
  console.log(`  audit peak RSS    ${mb(audit.maxRssKb)}  (baseline process: ${mb(baseline.maxRssKb)}, +${mb(Number(audit.maxRssKb) - Number(baseline.maxRssKb))})`);
  console.log(`  heap after audit  ${Number(audit.heapUsedMb).toFixed(1)} MB; snapshot JSON ${Number(audit.snapshotKb).toFixed(0)} KB`);
  console.log(`  collection errors ${audit.errors}`);
  console.log(`  summary           ${JSON.stringify(audit.summary)}`);
} finally {
  await cp.stop();
}
