import { distroData } from '../../engine/effective/distro-data.js';
import type { K8sVersion } from '../k8s-version.js';
import { fromPatchRelease, inVersionRange } from './version-range.js';

interface ProfileEntry {
  range: string;
  values: string[];
  /** A value some minors of the range accept only from a patch release: "1.26.10". A minor not listed has it from .0 when it is newer than every listed one. */
  since?: Record<string, string[]>;
}

/**
 * The `profile` values RKE2 `v` accepts (distros/rke2/defaults.yaml, from RKE2's release notes and
 * its validation code), or undefined when the data does not cover its minor.
 */
export function acceptedProfiles(v: K8sVersion): string[] | undefined {
  const entry = distroData<{ profiles: ProfileEntry[] }>('rke2/defaults.yaml').profiles.find((p) => inVersionRange(v, p.range));
  return entry?.values.filter((value) => !entry.since?.[value] || fromPatchRelease(v, entry.since[value]));
}

/** The `profile` value for CIS mode on `v`: `cis` where accepted, else the versioned one of its time. */
export function cisProfileFor(v: K8sVersion): string {
  const accepted = acceptedProfiles(v) ?? ['cis'];
  return accepted.includes('cis') ? 'cis' : accepted.includes('cis-1.23') ? 'cis-1.23' : 'cis-1.6';
}
