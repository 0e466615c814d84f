/**
 * RKE1's `prefix_path` (e.g. /opt/rke where /etc is read-only, as on Flatcar): RKE keeps
 * /etc/kubernetes, /var/lib/etcd (etcd's data, seen by etcd as /var/lib/rancher/etcd) and /var/lib/cni
 * under the prefix on the host and binds them into the containers, and starts the kubelet with
 * --root-dir=<prefix>/var/lib/kubelet. The components' flags name the paths inside their containers,
 * and the audit's own host paths are the default layout's; on the host the files are under the prefix.
 */
import path from 'node:path';
import type { FlagOccurrence } from './argv.js';
import type { DirEntry, HostFs, HostStat } from './ports.js';

/** Host directories RKE1 moves under prefix_path (the kubelet's root dir comes prefixed in its flag). */
const MOVED = ['/etc/kubernetes', '/var/lib/etcd', '/var/lib/cni'];

/** The prefix, from the kubelet's --root-dir (`<prefix>/var/lib/kubelet`); undefined for the default `/`. */
export function rke1PrefixPath(kubeletFlags: FlagOccurrence[]): string | undefined {
  const rootDir = kubeletFlags.filter((f) => f.flag === 'root-dir').at(-1)?.value;
  const m = rootDir ? /^(\/.+?)\/var\/lib\/kubelet\/?$/.exec(path.posix.normalize(rootDir)) : null;
  return m ? m[1] : undefined;
}

/** The host with RKE1's default layout: the MOVED directories are read under the prefix. */
export class PrefixedHostFs implements HostFs {
  readonly description: string;
  constructor(
    private readonly inner: HostFs,
    readonly prefix: string,
  ) {
    this.description = inner.description;
  }

  private map(p: string): string {
    const moved = MOVED.some((d) => p === d || p.startsWith(`${d}/`));
    return moved ? `${this.prefix}${p}` : p;
  }

  stat(p: string): HostStat {
    return this.inner.stat(this.map(p));
  }

  readText(p: string, maxBytes?: number): string {
    return this.inner.readText(this.map(p), maxBytes);
  }

  list(p: string): DirEntry[] {
    return this.inner.list(this.map(p));
  }
}
