import { mergeRuns } from '../engine/merge-runs.js';
import type { ScanRun } from '../model/result.js';
import { usageError } from '../errors/rke-harden-error.js';
import { auditCluster, type AuditClusterOptions } from './audit-cluster-command.js';
import { auditConfig, type AuditConfigOptions } from './audit-config-command.js';
import { auditNode, type AuditNodeOptions } from './audit-node-command.js';
import { mergeSectionTitles } from '../reporters/report-context.js';

export interface AuditTargetsOptions {
  config?: string[];
  /** Host root of the node to audit (true: `/`). */
  node?: string | boolean;
  cluster?: boolean;
  configOptions?: AuditConfigOptions;
  nodeOptions?: AuditNodeOptions;
  clusterOptions?: AuditClusterOptions;
}

/** `audit --config … --node … --cluster`: every target in one report (checks and results are shared). */
export async function auditTargets(o: AuditTargetsOptions): Promise<{ run: ScanRun; sectionTitles: Record<string, string> }> {
  const parts: { run: ScanRun; sectionTitles: Record<string, string> }[] = [];
  if (o.config?.length) parts.push(auditConfig(o.config, o.configOptions ?? {}));
  if (o.node) parts.push(auditNode({ ...o.nodeOptions, hostRoot: typeof o.node === 'string' ? o.node : '/' }));
  if (o.cluster) {
    // An unreachable API must not cost the other targets' results: its controls are reported against
    // the benchmark the other targets use (when they agree on one) as errors, exit 3.
    const others = [...new Set(parts.flatMap((p) => p.run.targets.map((t) => t.benchmark)))];
    parts.push(await auditCluster({ ...(others.length === 1 ? { benchmarkIfUnreachable: others[0] } : {}), ...o.clusterOptions }));
  }
  if (parts.length === 0) throw usageError('audit: name at least one target: --config FILE…, --node [HOST_ROOT] or --cluster (or use audit config|node|cluster)');
  return { run: mergeRuns(parts.map((p) => p.run)), sectionTitles: mergeSectionTitles(parts.map((p) => p.sectionTitles)) };
}
