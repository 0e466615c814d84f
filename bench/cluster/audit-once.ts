// Child process of bench/cluster/audit-cluster.bench.ts: one `audit cluster` run, measured from inside.
// Prints one JSON line: wall time, peak RSS (getrusage), heap, object counts, summary.
// Usage: node --import tsx bench/cluster/audit-once.ts <kubeconfig> [--page-size N] [--baseline]
import fs from 'node:fs';

// The code users run: the bundled library of `npm run build` (dist/bundle/index.js), else the sources.
const bundle = new URL('../../dist/bundle/index.js', import.meta.url);
const bundled = fs.existsSync(bundle);
const { auditCluster, loadCatalog } = (bundled ? await import(bundle.href) : await import('../../src/index.js')) as typeof import('../../src/index.js');

const [kubeconfig, ...rest] = process.argv.slice(2);
const flag = (name: string) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};

// The catalog is loaded (and cached) first so that the audit's own time is measured apart from it.
const c0 = performance.now();
loadCatalog();
const catalogMs = performance.now() - c0;
const t0 = performance.now();
if (rest.includes('--baseline')) {
  // Everything but the audit: node, tsx, the catalog.
  process.stdout.write(JSON.stringify({ catalogMs, bundled, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
} else {
  const { run, snapshot } = await auditCluster({
    kubeconfig: kubeconfig!,
    distro: 'rke2',
    ...(flag('--page-size') ? { pageSize: Number(flag('--page-size')) } : {}),
  });
  const count = (key: string) => (Array.isArray(snapshot.facts[key]?.value) ? (snapshot.facts[key]!.value as unknown[]).length : 0);
  process.stdout.write(
    JSON.stringify({
      ms: performance.now() - t0,
      bundled,
      catalogMs,
      maxRssKb: process.resourceUsage().maxRSS,
      heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
      snapshotKb: Buffer.byteLength(JSON.stringify(snapshot)) / 1024,
      namespaces: count('cluster.namespaces'),
      pods: count('cluster.pods'),
      rolebindings: count('cluster.rolebindings'),
      errors: Object.keys(snapshot.errors).length,
      summary: run.summary,
    }) + '\n',
  );
}
