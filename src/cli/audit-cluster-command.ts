import { incompleteError, usageError } from '../errors/rke-harden-error.js';
import { loadCatalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId, selectBenchmark } from '../catalog/select-benchmark.js';
import { HttpKubeApi } from '../collectors/cluster/http-kube-api.js';
import { ClusterUnreachableError, collectCluster, unreachableClusterSnapshot } from '../collectors/cluster/collect-cluster.js';
import type { KubeApi } from '../collectors/cluster/kube-api.js';
import { loadKubeConfig } from '../collectors/cluster/load-kube-config.js';
import { evaluateBenchmark } from '../engine/evaluate-benchmark.js';
import { buildScanRun } from '../engine/scan-run.js';
import type { FactSnapshot } from '../model/fact.js';
import type { ScanRun } from '../model/result.js';
import type { Distro } from '../model/status.js';

export interface AuditClusterOptions {
  /** --kubeconfig FILE (else KUBECONFIG, ~/.kube/config, in-cluster service account). */
  kubeconfig?: string;
  /** --context NAME */
  context?: string;
  /** --benchmark ID (default: chosen from the distro and the server's version). */
  benchmark?: string;
  /** --distro rke1|rke2 when the server version does not say (+rke2rN / -rancherN). */
  distro?: Distro;
  /** --exemptions LIST[,LIST]: rke2, rke1, rancher-restricted, docs-sample, none (default: the distro's built-in list). */
  exemptions?: string[];
  /** --exempt-namespace NS (repeatable). */
  exemptNamespace?: string[];
  /** --timeout SECONDS for the whole collection, retries included (default 120). */
  timeout?: number;
  /** --request-timeout SECONDS for one API request (default 30). */
  requestTimeout?: number;
  /** --page-size N items per list request (default 500). */
  pageSize?: number;
  /** --concurrency N lists in flight (default 4). */
  concurrency?: number;
  /**
   * The benchmark to report an unreachable cluster against when --benchmark names none (`audit` with
   * other targets passes theirs): its API-decided controls become `error`, the other targets' results stay.
   */
  benchmarkIfUnreachable?: string;
  /** Progress lines (the CLI passes a stderr writer on a TTY). */
  progress?: (line: string) => void;
  /** The API to use instead of one built from the kubeconfig (tests, bench). */
  api?: KubeApi;
}

/** `audit cluster`: collect section-5 facts through the Kubernetes API and evaluate the benchmark. */
export async function auditCluster(
  opts: AuditClusterOptions,
): Promise<{ run: ScanRun; sectionTitles: Record<string, string>; snapshot: FactSnapshot }> {
  const started = new Date();
  const catalog = loadCatalog();
  const chosen = opts.benchmark ? resolveBenchmarkId(catalog, opts.benchmark) : undefined;
  if (chosen && opts.distro && chosen.distro !== opts.distro) {
    throw usageError(`--benchmark ${chosen.id} is an ${chosen.distro.toUpperCase()} profile, but --distro says ${opts.distro.toUpperCase()}`);
  }
  let api = opts.api;
  let targetName: string | undefined;
  if (!api) {
    const { kc } = await loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context });
    api = new HttpKubeApi(kc);
    targetName = `${kc.getCurrentContext()} (${api.server})`;
  }
  let snapshot: FactSnapshot;
  let benchmark = chosen;
  try {
    snapshot = await collectCluster({
      api,
      ...(opts.distro ? { distro: { distro: opts.distro, from: `--distro ${opts.distro}` } } : chosen ? { distro: { distro: chosen.distro, from: `--benchmark ${chosen.id}` } } : {}),
      ...(opts.exemptions?.length ? { exemptions: opts.exemptions } : {}),
      exemptNamespaces: opts.exemptNamespace ?? [],
      ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 } : {}),
      ...(opts.requestTimeout !== undefined ? { retry: { requestTimeoutMs: opts.requestTimeout * 1000 } } : {}),
      ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}),
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(targetName ? { targetName } : {}),
      ...(opts.progress ? { log: opts.progress } : {}),
    });
  } catch (e) {
    if (!(e instanceof ClusterUnreachableError)) throw e;
    benchmark ??= opts.benchmarkIfUnreachable ? resolveBenchmarkId(catalog, opts.benchmarkIfUnreachable) : undefined;
    // Not the user's input: the cluster is down. Exit 3 as any incomplete scan, so that a scheduled job tells the two apart.
    if (!benchmark) throw incompleteError(`${e.message}: no report (with --benchmark, its controls are reported as errors)`);
    snapshot = unreachableClusterSnapshot(e, targetName ?? e.server, benchmark.distro);
  }
  if (chosen) snapshot.benchmark = chosen.id; // saved with --snapshot-out: the replay uses it too
  benchmark ??= selectBenchmark(catalog, snapshot.distro, snapshot.k8sVersion!);
  const run = buildScanRun([{ benchmark, snapshot, results: evaluateBenchmark(benchmark, catalog.checks, snapshot) }], started);
  return { run, sectionTitles: benchmark.sectionTitles, snapshot };
}
