/**
 * What `harden node` reads to plan file modes and owners: the node audited as `audit node` audits it
 * (same facts, same profile), its failing mode and owner checks, and the files behind each of their
 * facts with their paths resolved inside the host root.
 */
import { loadCatalog } from '../../catalog/load-catalog.js';
import { collectNodeAt, nodeBenchmark, type AuditNodeOptions } from '../../cli/audit-node-command.js';
import { collectSet, type Member } from '../../collectors/node/file-facts.js';
import { LocalHostFs } from '../../collectors/node/local-host-fs.js';
import { HostNotFound, HostReadError, type ProcessInfo } from '../../collectors/node/ports.js';
import { evaluateBenchmark } from '../../engine/evaluate-benchmark.js';
import type { NodeComponent } from '../../collectors/node/argv.js';
import type { FactSnapshot } from '../../model/fact.js';
import type { FailingFileCheck, FileMember, FileModeObservation, FileReader } from '../file-modes-plan.js';
import { fileModeLeaf } from '../fixed-by-harden-node.js';
import type { Skipped } from '../plan.js';

export type FileModeOptions = Pick<AuditNodeOptions, 'benchmark' | 'k8sVersion' | 'distro'>;

/** Facts whose ownership fix covers the whole tree below (`chown -R`, as the guides run it). */
const OWNER_TREES = new Set(['etcd-data-dir']);

const SUBJECT = 'file modes and owners';

/**
 * The components running as another user than root (etcd as `etcd` with RKE2's `profile: cis`, as
 * 52034 with RKE1's services.etcd.uid) and the files their settings name (flags, or the etcd config
 * file's keys): a file one of them reads must stay readable to it.
 */
function readersOf(snapshot: FactSnapshot, processes: Map<NodeComponent, ProcessInfo>, fs: LocalHostFs): FileReader[] {
  const out: FileReader[] = [];
  for (const [component, proc] of processes) {
    if (proc.uid === undefined || proc.uid === 0) continue;
    const reads = new Map<string, string>();
    for (const fact of Object.values(snapshot.facts)) {
      if (!fact.key.startsWith(`${component}.args.`) || typeof fact.value !== 'string') continue;
      for (const value of fact.value.split(',')) {
        if (!value.startsWith('/')) continue;
        try {
          reads.set(fs.resolveHostPath(value), `--${fact.key.slice(component.length + 6)}`);
        } catch {
          // not there: nothing to keep readable
        }
      }
    }
    if (reads.size) out.push({ who: `${component} (pid ${proc.pid}, uid ${proc.uid})`, uid: proc.uid, reads });
  }
  return out;
}

export function observeFileModes(hostRoot: string, opts: FileModeOptions): FileModeObservation | Skipped {
  const catalog = loadCatalog();
  const found = new Map<string, Member[]>();
  const processes = new Map<NodeComponent, ProcessInfo>();
  const snapshot = collectNodeAt({ ...opts, hostRoot }, catalog, { fileMembers: found, processes });
  const benchmark = nodeBenchmark(catalog, snapshot, opts);
  if (!benchmark) return { subject: SUBJECT, reason: "cannot tell the node's Kubernetes version (no Kubernetes running or installed here?): pass --k8s-version or --benchmark" };

  const failing: FailingFileCheck[] = [];
  for (const r of evaluateBenchmark(benchmark, catalog.checks, snapshot)) {
    const check = r.status === 'fail' && r.checkId ? catalog.checks.get(r.checkId) : undefined;
    const leaf = check?.assert && fileModeLeaf(check.assert);
    if (leaf && !failing.some((f) => f.checkId === check.id)) failing.push({ checkId: check.id, ...leaf });
  }
  const fs = new LocalHostFs(hostRoot);
  const resolved = ({ path: p, stat }: Member): FileMember => ({ path: fs.resolveHostPath(p), kind: stat.kind, mode: stat.mode, uid: stat.uid, gid: stat.gid });
  const members = new Map<string, FileMember[]>();
  const ownerTrees = new Map<string, FileMember[]>();
  for (const name of new Set(failing.map((f) => f.name))) {
    const list = found.get(name) ?? [];
    members.set(name, list.map(resolved));
    if (!OWNER_TREES.has(name) || !failing.some((f) => f.name === name && f.op === 'ownedBy')) continue;
    for (const top of list.filter((m) => m.stat.kind === 'dir')) {
      try {
        ownerTrees.set(name, [...(ownerTrees.get(name) ?? []), ...collectSet(fs, top.path, { recursive: true, includeDirs: true, match: () => true }).members.map(resolved)]);
      } catch (e) {
        if (!(e instanceof HostNotFound || e instanceof HostReadError)) throw e;
      }
    }
  }
  const profile = snapshot.facts['rke2.profile']?.value;
  return { failing, members, ownerTrees, readers: readersOf(snapshot, processes, fs), ...(typeof profile === 'string' ? { rke2Profile: profile } : {}) };
}
