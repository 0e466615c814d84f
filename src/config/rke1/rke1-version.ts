import { distroData, type FlagTable, type Rke1Defaults } from '../../engine/effective/distro-data.js';
import { inputError } from '../../errors/rke-harden-error.js';
import { assertDistroRelease, type K8sVersion } from '../k8s-version.js';

/**
 * An RKE release name, the only form `rke up` accepts for kubernetes_version without hand-filled
 * system_images: it looks the name up in its metadata (v1.28.15-rancher1-1), and a bare Kubernetes
 * version (v1.28.15) is "an unsupported Kubernetes version".
 */
export const RKE1_RELEASE = /^v\d+\.\d+\.\d+-rancher\d+-\d+$/;

/** The minors RKE1 shipped, oldest first (those with service options in the data, and the stand-ins). */
function rke1Minors(data: Rke1Defaults): number[] {
  const keys = [...Object.keys(data.kdmServiceOptions), ...Object.keys(data.kdmServiceOptionsAssumed)];
  return [...new Set(keys.map((k) => /^v1\.(\d+)$/.exec(k)?.[1]).filter((m) => m !== undefined).map(Number))].sort((x, y) => x - y);
}

/** RKE1's last Kubernetes minor (RKE1 reached end of life with it). */
export function rke1LastMinor(): number {
  return rke1Minors(distroData<Rke1Defaults>('rke1/defaults.yaml')).at(-1)!;
}

/**
 * The KDM service options RKE applies to this version (and their key): the exact release's when the
 * data has them, else its minor's, else (a minor RKE shipped but the data lacks) the stand-in minor's,
 * named in `assumedFrom`. `where` names the field for the error when RKE1 never shipped the minor.
 */
export function rke1ServiceOptions(version: K8sVersion, where: string): { key: string; options: FlagTable; assumedFrom?: string } {
  assertDistroRelease(version, 'rke1', where);
  const data = distroData<Rke1Defaults>('rke1/defaults.yaml');
  const minor = `v${version.major}.${version.minor}`;
  const key = data.kdmServiceOptions[version.text] ? version.text : minor;
  const options = data.kdmServiceOptions[key];
  if (options) return { key, options };
  const standIn = data.kdmServiceOptionsAssumed[minor];
  if (standIn) return { key: standIn, options: data.kdmServiceOptions[standIn]!, assumedFrom: standIn };
  const known = rke1Minors(data);
  const [first, last] = [Number(known[0]), Number(known.at(-1))];
  const why = version.minor < first
    ? `is older than the RKE1 releases rke-harden knows (v1.${first}–v1.${last}; the CIS profiles for RKE start at 1.23)`
    : version.minor > last ? `is newer than any RKE1 release (RKE1's last is v1.${last})` : `is not a Kubernetes minor RKE1 shipped (v1.${first}–v1.${last})`;
  throw inputError(`${where} ${version.text} ${why}`);
}
