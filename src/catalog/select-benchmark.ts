import type { Benchmark } from '../model/benchmark.js';
import { usageError, inputError } from '../errors/rke-harden-error.js';
import { minorNumber, parseK8sVersion } from '../config/k8s-version.js';
import type { Catalog } from './load-catalog.js';

/** A bare `rke2-cis-1.8` means its hardened variant. */
export function resolveBenchmarkId(catalog: Catalog, id: string): Benchmark {
  const b = catalog.benchmarks.get(id) ?? catalog.benchmarks.get(`${id}-hardened`);
  if (!b) {
    throw usageError(`unknown benchmark ${id} (known: ${[...catalog.benchmarks.keys()].join(', ')})`);
  }
  return b;
}

/** The profile Rancher's scan operator would pick for this distro and Kubernetes version. */
export function selectBenchmark(catalog: Catalog, distro: 'rke1' | 'rke2', k8sVersion: string): Benchmark {
  const v = parseK8sVersion(k8sVersion);
  const match = [...catalog.benchmarks.values()].find(
    (b) => b.distro === distro && b.selects && v.minor >= minorNumber(b.selects.minK8s) && (!b.selects.maxK8s || v.minor <= minorNumber(b.selects.maxK8s)),
  );
  if (!match) throw inputError(`no ${distro.toUpperCase()} CIS profile covers Kubernetes ${k8sVersion} (pass --benchmark)`);
  return match;
}
