/**
 * The cluster collector: reads the server version, lists every resource the section-5 checks need
 * (paginated, a few lists at a time, each call retried within one deadline), reduces objects while
 * listing and returns a FactSnapshot. A list that fails for good becomes snapshot.errors[<fact>], so
 * the checks reading it report `error`, never `pass`.
 */
import { emptySnapshot, type FactSnapshot, type FactValue } from '../../model/fact.js';
import type { Distro } from '../../model/status.js';
import { inputError, RkeHardenError, usageError } from '../../errors/rke-harden-error.js';
import { markCollected } from '../../engine/evaluators/cluster/read-facts.js';
import { mapLimit } from './bounded-concurrency.js';
import { describeListError } from './describe-list-error.js';
import { clusterDistro } from './detect-distro.js';
import { KubeApiError, type KubeApi } from './kube-api.js';
import { resolveNamespaceExemptions, versionKey } from './namespace-exemptions.js';
import { listAll } from './paginate.js';
import { optionItems } from '../../option-items.js';
import { rbacExemptions } from './rbac-exemptions.js';
import { LIST_SPECS, type ListSpec } from './resources.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';

export interface CollectClusterOptions {
  api: KubeApi;
  /** Distro when an option names it (--distro, or the benchmark's; `from` names the option); detected from the server version otherwise. */
  distro?: { distro: Distro; from: string };
  /** Exemption lists by name (rke2, rke1, rancher-restricted, docs-sample, none); default: the distro's own. */
  exemptions?: string[];
  /** Namespaces the user exempts in addition. */
  exemptNamespaces?: string[];
  /** Items per page (limit). */
  pageSize?: number;
  /** Lists in flight at once. */
  concurrency?: number;
  /** Deadline for the whole collection, in milliseconds. */
  timeoutMs?: number;
  /** Overrides of the retry policy (tests). */
  retry?: Partial<Omit<RetryPolicy, 'deadline'>>;
  /** Name of the target in the report (default: the server URL). */
  targetName?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export const COLLECT_DEFAULTS = { pageSize: 500, concurrency: 4, timeoutMs: 120_000 };

function fact(key: string, value: FactValue, layer?: string): FactSnapshot['facts'][string] {
  return markCollected({ key, value, source: 'api', ...(layer ? { layer } : {}) });
}

function exemptionFacts(distro: Distro, names: string[], gitVersion: string, extra: string[]): FactSnapshot['facts'] {
  const rbac = rbacExemptions(distro);
  const namespaces = resolveNamespaceExemptions(names, gitVersion, extra);
  const layer = `exemptions: ${names.join(',') || 'none'}${extra.length ? ' + --exempt-namespace' : ''}`;
  return {
    'cluster.exemptions.namespaces': fact('cluster.exemptions.namespaces', namespaces, layer),
    'cluster.exemptions.subjects': fact('cluster.exemptions.subjects', rbac.subjects as FactValue, `distros/${distro}/exemptions-rbac.yaml`),
    'cluster.exemptions.bindings': fact('cluster.exemptions.bindings', rbac.bindings as FactValue, `distros/${distro}/exemptions-rbac.yaml`),
    'cluster.exemptions.clusterroles': fact(
      'cluster.exemptions.clusterroles',
      Object.fromEntries(rbac.clusterRoles.map((r) => [r.name, r.reason])),
      `distros/${distro}/exemptions-rbac.yaml`,
    ),
  };
}

/** The API server could not be reached (every retry failed): none of the cluster's facts can be read. */
export class ClusterUnreachableError extends RkeHardenError {
  constructor(
    readonly server: string,
    readonly why: string,
  ) {
    super('input', `cannot read the Kubernetes version from ${server}: ${why}`);
  }
}

/**
 * The snapshot of a cluster that could not be reached: one collection error covering every `cluster.*`
 * fact, so every control the API decides is `error` (the scan is incomplete, exit 3), never pass.
 */
export function unreachableClusterSnapshot(e: ClusterUnreachableError, targetName: string, distro: Distro): FactSnapshot {
  const snapshot = emptySnapshot({ kind: 'cluster', name: targetName }, distro);
  snapshot.errors.cluster = `cannot reach ${e.server}: ${e.why}`;
  snapshot.warnings.push(`${targetName}: the API server could not be reached (${e.why}): every control it decides is an error`);
  return snapshot;
}

const applies = (spec: ListSpec, minor: number): boolean => spec.minors?.max === undefined || minor <= spec.minors.max;

export async function collectCluster(opts: CollectClusterOptions): Promise<FactSnapshot> {
  const { api } = opts;
  const log = opts.log ?? (() => undefined);
  const pageSize = opts.pageSize ?? COLLECT_DEFAULTS.pageSize;
  const retry: RetryPolicy = {
    ...DEFAULT_RETRY,
    ...opts.retry,
    deadline: Date.now() + (opts.timeoutMs ?? COLLECT_DEFAULTS.timeoutMs),
    onRetry: (e) => {
      log(`retrying ${e.what} in ${e.delayMs} ms (attempt ${e.attempt} failed: ${e.error.status ? `HTTP ${e.error.status}` : e.error.details.code ?? e.error.kind})`);
      opts.retry?.onRetry?.(e);
    },
  };

  let gitVersion: string;
  try {
    gitVersion = (await withRetry('GET /version', (timeoutMs) => api.version({ timeoutMs }), retry)).gitVersion;
  } catch (e) {
    // Rejected credentials are the kubeconfig's fault (exit 2); anything else is the server out of reach.
    if (e instanceof KubeApiError && e.status === 401) throw inputError(`cannot read the Kubernetes version from ${api.server}: the credentials were rejected (HTTP 401)`);
    throw new ClusterUnreachableError(api.server, (e as Error).message);
  }
  const distro = clusterDistro(gitVersion, opts.distro);
  if (!distro) {
    throw usageError(`the server version ${gitVersion} names no distro (RKE2 ends in +rke2rN, RKE1 in -rancherN): pass --distro rke1|rke2 or --benchmark`);
  }
  log(`connected to ${api.server}: Kubernetes ${gitVersion} (${distro})`);

  const snapshot: FactSnapshot = {
    target: { kind: 'cluster', name: opts.targetName ?? api.server },
    distro,
    k8sVersion: gitVersion,
    facts: {
      'cluster.version': fact('cluster.version', gitVersion),
      ...exemptionFacts(distro, opts.exemptions ?? [distro], gitVersion, opts.exemptNamespaces ?? []),
    },
    errors: {},
    absent: {},
    warnings: [],
  };

  const minor = versionKey(gitVersion)[0];
  const specs = LIST_SPECS.filter((s) => applies(s, minor));
  await mapLimit(specs, opts.concurrency ?? COLLECT_DEFAULTS.concurrency, async (spec) => {
    try {
      const { items, pages } = await listAll(api, spec.resource, spec.reduce, { pageSize, retry, ...(spec.metadataOnly ? { metadataOnly: true } : {}) });
      snapshot.facts[spec.fact] = fact(spec.fact, items as FactValue);
      log(`listed ${spec.resource.resource}${spec.resource.namespace ? ` in ${spec.resource.namespace}` : ''}: ${items.length} in ${pages} page(s)`);
    } catch (e) {
      if (spec.notServedIsEmpty && e instanceof KubeApiError && e.status === 404) {
        snapshot.facts[spec.fact] = fact(spec.fact, []);
        return;
      }
      snapshot.errors[spec.fact] = describeListError(spec, e);
      log(`could not list ${spec.resource.resource}: ${snapshot.errors[spec.fact]}`);
    }
  });
  const hint = rancherHint(snapshot, opts.exemptions ?? [distro]);
  if (hint) snapshot.warnings.push(hint);
  return snapshot;
}

/** A Rancher-managed cluster audited with the distro's own list probably wants Rancher's list too. */
function rancherHint(snapshot: FactSnapshot, lists: string[]): string | undefined {
  const namespaces = snapshot.facts['cluster.namespaces']?.value;
  const rancher = Array.isArray(namespaces) && namespaces.some((n) => (n as { name?: string }).name === 'cattle-system');
  // Read as the exemption lists themselves are (resolveNamespaceExemptions): `rke2, rancher-restricted` names both.
  const chosen = optionItems(lists);
  if (!rancher || chosen.includes('rancher-restricted') || chosen.includes('docs-sample') || chosen.includes('none')) return undefined;
  return `namespace cattle-system exists (a Rancher-managed cluster) but only the ${chosen.join(', ')} exemption list is applied: if the cluster uses Rancher's rancher-restricted PSACT, pass --exemptions ${[...chosen, 'rancher-restricted'].join(',')}`;
}
