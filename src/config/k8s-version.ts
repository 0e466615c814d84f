import { inputError, NotAuditedInputError } from '../errors/rke-harden-error.js';

export interface K8sVersion {
  major: number;
  minor: number;
  patch: number;
  /** As given, e.g. v1.28.9-rancher1-1 or v1.31.4+rke2r1. */
  text: string;
}

/** Parse a Kubernetes / RKE / RKE2 version; `what` names the field in the error. */
export function parseK8sVersion(text: string, what = 'Kubernetes version'): K8sVersion {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(text.trim());
  if (!m || Number(m[1]) !== 1) {
    // `${kubernetes_version}`: a Terraform templatefile or envsubst input, valid YAML but not yet rendered.
    const message = `${what}: "${text}" is not a Kubernetes version (expected e.g. v1.28.9)`;
    if (/\$\{[^}]*\}/.test(text)) throw new NotAuditedInputError(`${message}: the file looks like a template, render it first`);
    throw inputError(message);
  }
  return { major: 1, minor: Number(m[2]), patch: Number(m[3] ?? 0), text: text.trim() };
}

/**
 * Refuse a release name of the other distro (`v1.30.4-rancher1-1` for RKE2, `v1.30.4+rke2r1` for RKE1):
 * its defaults and profiles would be the wrong distro's. A bare version (v1.30.4) is either's.
 */
export function assertDistroRelease(v: K8sVersion, distro: 'rke1' | 'rke2', what: string): void {
  // A K3s cluster (Rancher provisions those too) has no CIS profile, other defaults and other paths.
  if (/\+k3s\d+$/.test(v.text)) throw new NotAuditedInputError(`${what} ${v.text} is a K3s release: rke-harden audits RKE1 and RKE2 clusters, not K3s`);
  const other = distro === 'rke2' ? /-rancher\d+(-\d+)?$/.test(v.text) : /\+rke2r\d+$/.test(v.text);
  if (!other) return;
  const example = distro === 'rke2' ? `v1.${v.minor}.${v.patch}+rke2r1` : `v1.${v.minor}.${v.patch}-rancher1-1`;
  throw inputError(`${what} ${v.text} is an ${distro === 'rke2' ? 'RKE1' : 'RKE2'} release name; ${distro.toUpperCase()} names it like ${example}`);
}

export const minorOf = (v: K8sVersion): string => `1.${v.minor}`;

/** The minor of a release written "1.25" (or "1.25.3"), as a number: 25. */
export const minorNumber = (release: string): number => Number(release.split('.')[1]);

/** Compare x.y.z versions numerically. */
export function compareVersions(a: K8sVersion, b: K8sVersion): number {
  return a.minor - b.minor || a.patch - b.patch;
}
