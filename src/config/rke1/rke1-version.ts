import { distroData, type FlagTable, type Rke1Defaults } from '../../engine/effective/distro-data.js';
import { inputError } from '../../errors/rke-harden-error.js';
import type { K8sVersion } from '../k8s-version.js';

/**
 * An RKE release name, the only form `rke up` accepts for kubernetes_version without hand-filled
 * system_images: it looks the name up in its metadata (v1.28.15-rancher1-1), and a bare Kubernetes
 * version (v1.28.15) is "an unsupported Kubernetes version".
 */
export const RKE1_RELEASE = /^v\d+\.\d+\.\d+-rancher\d+-\d+$/;

/**
 * The KDM service options RKE applies to this version (and their key): the exact release's when the
 * data has them, else its minor's. `where` names the field for the error when RKE1 never shipped the minor.
 */
export function rke1ServiceOptions(version: K8sVersion, where: string): { key: string; options: FlagTable } {
  const data = distroData<Rke1Defaults>('rke1/defaults.yaml');
  const key = data.kdmServiceOptions[version.text] ? version.text : `v${version.major}.${version.minor}`;
  const options = data.kdmServiceOptions[key];
  if (!options) {
    const known = Object.keys(data.kdmServiceOptions).filter((k) => /^v\d+\.\d+$/.test(k));
    throw inputError(`${where} ${version.text} is not an RKE1 version (RKE1 supports ${known[0]}–${known.at(-1)})`);
  }
  return { key, options };
}
