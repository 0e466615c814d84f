import { parseK8sVersion, type K8sVersion } from '../k8s-version.js';

/** "1.24-1.26" (inclusive minors) or "1.25" contains v? */
export function inVersionRange(v: K8sVersion, range: string): boolean {
  const [lo, hi] = range.split('-');
  const min = Number(lo!.split('.')[1]);
  const max = Number((hi ?? lo)!.split('.')[1]);
  return v.minor >= min && v.minor <= max;
}

/** v >= from (x.y.z). */
export function versionAtLeast(v: K8sVersion, from: string): boolean {
  const f = parseK8sVersion(from);
  return v.minor > f.minor || (v.minor === f.minor && v.patch >= f.patch);
}
