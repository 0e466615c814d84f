/** Read what `harden node` plans from: the host root's account databases, sysctl files and (live) /proc/sys. */
import fs from 'node:fs';
import { RKE1_SSL } from '../../collectors/node/detect.js';
import { HostReadError } from '../../collectors/node/ports.js';
import { usageError } from '../../errors/rke-harden-error.js';
import { ACCOUNT_FILES, type NodeObservation } from '../node-plan.js';
import type { NodeTarget } from '../plan.js';
import { SYSCTL_DIRS, SYSCTL_DROP_IN, sysctlLoadOrder } from '../sysctl-file.js';
import type { HostRoot } from './host-fs.js';
import { observeFileModes, type FileModeOptions } from './observe-file-modes.js';

export const RKE2_DATA_DIR = '/var/lib/rancher/rke2';

/** RKE2 when <root>/var/lib/rancher/rke2 exists, RKE1 when <root>/etc/kubernetes/ssl does. */
export function detectNodeDistro(host: HostRoot): 'rke1' | 'rke2' {
  const rke2 = host.exists(RKE2_DATA_DIR);
  const rke1 = host.exists(RKE1_SSL);
  if (rke2 && !rke1) return 'rke2';
  if (rke1 && !rke2) return 'rke1';
  throw usageError(
    rke2
      ? `${host.root} has both ${RKE2_DATA_DIR} and ${RKE1_SSL}: pass --distro rke1|rke2`
      : `${host.root} has neither ${RKE2_DATA_DIR} (RKE2) nor ${RKE1_SSL} (RKE1): pass --distro rke1|rke2`,
  );
}

/** Where the drop-in's directory stands; when the way there cannot be followed, the drop-in's own observation says why (a blocker). */
function dropInDirOf(host: HostRoot, dropIn: string): NodeObservation['dropInDir'] {
  try {
    return host.parentInfo(dropIn);
  } catch (e) {
    if (!(e instanceof HostReadError)) throw e;
    return { createDirs: [], uid: 0, gid: 0 };
  }
}

/** files: false leaves the audit behind the file modes and owners out (`--only` without files). */
export interface ObserveNodeOptions extends FileModeOptions {
  files: boolean;
}

export function observeNode(host: HostRoot, target: NodeTarget, opts: ObserveNodeOptions, now = new Date()): NodeObservation {
  const dropIn = SYSCTL_DROP_IN[target.distro].path;
  const files: NodeObservation['files'] = {};
  for (const p of [...ACCOUNT_FILES, '/etc/login.defs']) files[p] = host.observe(p);
  files[dropIn] = host.observe(dropIn, { keepContent: true });

  const listing: Record<string, string[]> = {};
  for (const dir of SYSCTL_DIRS) listing[dir] = host.list(dir);
  const dropInName = dropIn.slice(dropIn.lastIndexOf('/') + 1);
  if (!listing['/etc/sysctl.d']!.includes(dropInName)) listing['/etc/sysctl.d']!.push(dropInName);
  const sysctlFiles = sysctlLoadOrder(listing, host.exists('/etc/sysctl.conf')).map((p) => ({
    path: p,
    text: p === dropIn ? '' : (host.readFollowing(p) ?? ''),
  }));

  let runtime: Record<string, string | null> | undefined;
  if (target.live) {
    runtime = {};
    for (const [key] of SYSCTL_DROP_IN[target.distro].settings) {
      try {
        runtime[key] = fs.readFileSync(host.local(`/proc/sys/${key.replace(/\./g, '/')}`), 'utf8').trim();
      } catch {
        runtime[key] = null;
      }
    }
  }
  return {
    target,
    files,
    dropInDir: dropInDirOf(host, dropIn),
    sysctlFiles,
    ...(runtime ? { runtime } : {}),
    shells: { usrSbin: host.exists('/usr/sbin/nologin'), sbin: host.exists('/sbin/nologin') },
    today: Math.floor(now.getTime() / 86_400_000),
    fileModes: opts.files ? observeFileModes(host.root, { ...opts, distro: target.distro }) : { subject: 'file modes and owners', reason: 'not read (--only without files)' },
  };
}
