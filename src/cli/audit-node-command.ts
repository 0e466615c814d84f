import fs from 'node:fs';
import path from 'node:path';
import { loadCatalog, type Catalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId, selectBenchmark } from '../catalog/select-benchmark.js';
import { collectNode, NODE_ROLES, type NodeCollectOptions, type NodeRole } from '../collectors/node/collect-node.js';
import { LocalHostFs } from '../collectors/node/local-host-fs.js';
import type { HostFs, ProcTable } from '../collectors/node/ports.js';
import { ProcFsTable } from '../collectors/node/proc-table.js';
import { parseK8sVersion } from '../config/k8s-version.js';
import { usageError } from '../errors/rke-harden-error.js';
import { evaluateBenchmark } from '../engine/evaluate-benchmark.js';
import { factsOf } from '../engine/evaluate-check.js';
import { buildScanRun } from '../engine/scan-run.js';
import type { Benchmark } from '../model/benchmark.js';
import type { FactSnapshot } from '../model/fact.js';
import type { ScanRun } from '../model/result.js';
import { optionItems } from '../option-items.js';

export interface AuditNodeOptions {
  /** The host's root directory (`--host-root`, default `/`; a DaemonSet mounts the host at a prefix). */
  hostRoot?: string;
  /** The host's /proc (`--proc-dir`, default `<host-root>/proc`); e.g. `/proc` in a hostPID pod. */
  procDir?: string;
  /** Benchmark profile (`--benchmark`); default chosen from the node's distro and version. */
  benchmark?: string;
  /** Roles to audit (`--role etcd,controlplane,worker`); default: what runs on the node. */
  role?: string | string[];
  /** Skip distro detection (`--distro`). */
  distro?: 'rke1' | 'rke2';
  /** Skip version detection (`--k8s-version`). */
  k8sVersion?: string;
  /** Target name in the report (`--node-name`); default `node <hostname>`. */
  nodeName?: string;
  /** Ports, for tests and the in-cluster agent: they replace hostRoot / procDir. */
  hostFs?: HostFs;
  procTable?: ProcTable;
}

export function parseRoles(role: string | string[] | undefined): NodeRole[] | undefined {
  if (role === undefined) return undefined;
  const items = optionItems(Array.isArray(role) ? role : [role]);
  if (items.length === 0) return undefined;
  for (const r of items) {
    if (!(NODE_ROLES as readonly string[]).includes(r)) throw usageError(`--role ${r}: unknown role (one or more of ${NODE_ROLES.join(', ')})`);
  }
  return [...new Set(items)] as NodeRole[];
}

/** The node's facts at the host root (`audit node` and `harden node`); `sinks` are filled as collectNode says. */
export function collectNodeAt(opts: AuditNodeOptions, catalog: Catalog, sinks: Pick<NodeCollectOptions, 'fileMembers' | 'processes'> = {}): FactSnapshot {
  const hostRoot = path.resolve(opts.hostRoot ?? '/');
  if (!opts.hostFs) {
    let isDir = false;
    try {
      isDir = fs.statSync(hostRoot).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw usageError(`--host-root ${hostRoot}: no such directory`);
  }
  const roles = parseRoles(opts.role);
  if (opts.k8sVersion) parseK8sVersion(opts.k8sVersion, '--k8s-version');
  const sysctls = [...new Set([...catalog.checks.values()].flatMap((c) => factsOf(c)).filter((k) => k.startsWith('sysctl.')).map((k) => k.slice('sysctl.'.length)))].sort();
  return collectNode({
    fs: opts.hostFs ?? new LocalHostFs(hostRoot),
    proc: opts.procTable ?? new ProcFsTable(opts.procDir ? path.resolve(opts.procDir) : path.join(hostRoot, 'proc')),
    ...(opts.distro ? { distro: opts.distro } : {}),
    ...(opts.k8sVersion ? { k8sVersion: opts.k8sVersion } : {}),
    ...(roles ? { roles } : {}),
    ...(opts.nodeName ? { name: opts.nodeName } : {}),
    ...sinks,
    sysctls,
  });
}

/**
 * The profile a node is judged by: `--benchmark` (which must be of the node's distro), else the one its
 * Kubernetes version selects; undefined when neither is known.
 */
export function nodeBenchmark(catalog: Catalog, snapshot: FactSnapshot, opts: Pick<AuditNodeOptions, 'benchmark' | 'distro'>): Benchmark | undefined {
  if (opts.benchmark) {
    const benchmark = resolveBenchmarkId(catalog, opts.benchmark);
    if (benchmark.distro !== snapshot.distro) {
      throw usageError(`--benchmark ${benchmark.id} is an ${benchmark.distro.toUpperCase()} profile but this node runs ${snapshot.distro.toUpperCase()}${opts.distro ? ' (--distro)' : ' (pass --distro if detection is wrong)'}`);
    }
    snapshot.benchmark = benchmark.id; // saved with --snapshot-out: the replay uses it too
    return benchmark;
  }
  return snapshot.k8sVersion ? selectBenchmark(catalog, snapshot.distro, snapshot.k8sVersion) : undefined;
}

/** `audit node`: collect the facts of the node at the host root and evaluate its benchmark. */
export function auditNode(opts: AuditNodeOptions = {}): { run: ScanRun; sectionTitles: Record<string, string>; snapshot: FactSnapshot } {
  const started = new Date();
  const catalog = loadCatalog();
  const snapshot = collectNodeAt(opts, catalog);
  const benchmark = nodeBenchmark(catalog, snapshot, opts);
  if (!benchmark) {
    throw usageError(`${snapshot.target.name}: cannot tell the node's Kubernetes version (${snapshot.distro === 'rke2' ? 'no kubelet under /var/lib/rancher/rke2/data, no static pod image tags' : 'no RKE component containers in /var/lib/docker'}): pass --k8s-version or --benchmark`);
  }
  const parts = [{ benchmark, snapshot, results: evaluateBenchmark(benchmark, catalog.checks, snapshot) }];
  const run = buildScanRun(parts, started);
  return { run, sectionTitles: benchmark.sectionTitles, snapshot };
}
