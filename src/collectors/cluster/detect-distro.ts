import type { Distro } from '../../model/status.js';

/** The distro a server version names: RKE2 builds end in +rke2rN, RKE1 (Rancher) builds in -rancherN. */
export function detectDistro(gitVersion: string): Distro | undefined {
  if (/\+rke2r\d+/.test(gitVersion)) return 'rke2';
  if (/-rancher\d*/.test(gitVersion)) return 'rke1';
  return undefined;
}
