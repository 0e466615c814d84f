import { loadCatalog } from '../catalog/load-catalog.js';

/** `benchmarks`: every profile, its distro, CIS version and the Kubernetes versions that select it. */
export function listBenchmarks(): string {
  const catalog = loadCatalog();
  const rows = [...catalog.benchmarks.values()].map((b) => {
    const sel = b.selects ? `Kubernetes ${b.selects.minK8s}${b.selects.maxK8s ? (b.selects.maxK8s === b.selects.minK8s ? '' : `–${b.selects.maxK8s}`) : '+'}` : '(only with --benchmark)';
    return [b.id, b.distro.toUpperCase(), `CIS ${b.cisVersion}`, b.variant, String(b.controls.length), sel];
  });
  const head = ['PROFILE', 'DISTRO', 'CIS', 'VARIANT', 'CONTROLS', 'SELECTED BY DEFAULT FOR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
