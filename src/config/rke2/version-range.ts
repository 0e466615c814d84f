import { minorNumber, parseK8sVersion, type K8sVersion } from '../k8s-version.js';

/** "1.24-1.26" (inclusive minors) or "1.25" contains v? */
export function inVersionRange(v: K8sVersion, range: string): boolean {
  const [lo, hi] = range.split('-');
  const min = minorNumber(lo!);
  const max = minorNumber(hi ?? lo!);
  return v.minor >= min && v.minor <= max;
}

/**
 * Whether `v` is at or after the release a change came with, given per minor (`["1.31.14", "1.32.10"]`):
 * the listed patch for a listed minor; every minor newer than those listed had it from its start.
 */
export function fromPatchRelease(v: K8sVersion, releases: readonly string[]): boolean {
  const entries = releases.map((r) => parseK8sVersion(r));
  const same = entries.find((e) => e.minor === v.minor);
  return same ? v.patch >= same.patch : entries.every((e) => v.minor > e.minor);
}
