import { usageError } from '../../errors/rke-harden-error.js';
import type { Distro } from '../../model/status.js';

/** The distro a server version names: RKE2 builds end in +rke2rN, RKE1 (Rancher) builds in -rancherN. */
export function detectDistro(gitVersion: string): Distro | undefined {
  if (/\+rke2r\d+/.test(gitVersion)) return 'rke2';
  if (/-rancher\d*/.test(gitVersion)) return 'rke1';
  return undefined;
}

/**
 * The cluster's distro: the one an option names (`from`, e.g. `--distro rke1` or `--benchmark
 * rke2-cis-1.11`), else the one the server version names. An option that contradicts the server version
 * is refused: RKE1's exemption lists and profile on an RKE2 cluster give verdicts for the wrong reasons.
 */
export function clusterDistro(gitVersion: string, given?: { distro: Distro; from: string }): Distro | undefined {
  const detected = detectDistro(gitVersion);
  if (given && detected && given.distro !== detected) {
    throw usageError(`${given.from} is ${given.distro.toUpperCase()}'s, but the server version ${gitVersion} is ${detected.toUpperCase()}'s`);
  }
  return given?.distro ?? detected;
}
