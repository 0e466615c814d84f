import { assertDistroRelease, compareVersions, parseK8sVersion, type K8sVersion } from '../config/k8s-version.js';
import type { ConfigKind } from '../config/detect-config-kind.js';
import type { LocatedYaml } from '../config/read-yaml-file.js';
import { RKE1_RELEASE, rke1ServiceOptions } from '../config/rke1/rke1-version.js';
import { YamlAccess, type YamlPath } from '../config/yaml-access.js';
import { versionFieldPath } from '../config/config-version.js';
import { inputError, usageError } from '../errors/rke-harden-error.js';

/** Where a configuration names the version it deploys, and the form its deployer accepts there. */
interface VersionField {
  path: YamlPath;
  /** Who deploys what the field says (for the error that a different --k8s-version gets). */
  deployer: string;
  release: RegExp;
  /** The release name of a Kubernetes version in that form, e.g. v1.28.9-rancher1-1. */
  releaseOf: (v: K8sVersion) => string;
  /** Said after an example when a bare version is refused. */
  hint: string;
}

const RKE2_RELEASE = /^v\d+\.\d+\.\d+\+rke2r\d+$/;

function versionField(kind: ConfigKind, y: LocatedYaml | undefined): VersionField | undefined {
  const path = versionFieldPath(kind, y);
  if (!path) return undefined; // RKE2's config.yaml names no version
  if (kind === 'rke1-cluster-yml') {
    return {
      path,
      deployer: path.length > 1 ? 'Rancher deploys' : 'rke up deploys',
      release: RKE1_RELEASE,
      releaseOf: (v) => `v1.${v.minor}.${v.patch}-rancher1-1`,
      hint: '(`rke config --list-version --all` lists them); rke up refuses a bare Kubernetes version',
    };
  }
  return { path, deployer: 'Rancher deploys', release: RKE2_RELEASE, releaseOf: (v) => `v1.${v.minor}.${v.patch}+rke2r1`, hint: '(an RKE2 release)' };
}

/**
 * The version to harden for, and the field to write it into when the file lacks it. A file that
 * names its version (RKE1 kubernetes_version, Rancher's spec.kubernetesVersion) is what gets
 * deployed, so it wins, and a different --k8s-version is an error rather than a config hardened for
 * another version (e.g. PodSecurityPolicy on a 1.25+ cluster). A version written into such a file
 * must be a release name its deployer accepts. RKE2's config.yaml names none: --k8s-version is required.
 */
export function versionToHarden(kind: ConfigKind, k8sVersion: string | undefined, from: LocatedYaml | undefined): { version: K8sVersion; writeTo?: YamlPath } {
  const given = k8sVersion === undefined ? undefined : parseK8sVersion(k8sVersion, '--k8s-version');
  const a = from ? new YamlAccess(from, []) : undefined;
  const field = versionField(kind, from);
  const checkDistro = (v: K8sVersion, where: string) => {
    if (kind === 'rke1-cluster-yml') rke1ServiceOptions(v, where); // minors RKE1 never shipped, RKE2 release names
    else assertDistroRelease(v, 'rke2', where);
  };
  if (!field) {
    if (!given) throw usageError("harden config: --k8s-version is required (RKE2's config.yaml does not name its version; e.g. v1.31.4+rke2r1)");
    checkDistro(given, '--k8s-version');
    return { version: given };
  }
  const name = field.path.join('.');
  const inFile = a?.text(field.path);
  if (a && inFile !== undefined && inFile.trim() !== '') { // `kubernetes_version: ""` (rke config) names none
    const where = `${a.where(field.path)}: ${name}`;
    const version = parseK8sVersion(inFile, where);
    if (given && compareVersions(version, given) !== 0) {
      throw inputError(`${where} ${inFile} is the version ${field.deployer}, not --k8s-version ${given.text}: make them agree, or leave --k8s-version out`);
    }
    checkDistro(version, where);
    return { version };
  }
  if (!given) throw usageError(`harden config: --k8s-version is required (${from ? `${from.file} names no ${name}` : 'no --from file names one'}; e.g. ${field.releaseOf(parseK8sVersion('v1.31.4'))})`);
  if (!field.release.test(given.text)) {
    throw inputError(`--k8s-version ${given.text}: ${name} must be a release such as ${field.releaseOf(given)} ${field.hint}`);
  }
  checkDistro(given, '--k8s-version');
  return { version: given, writeTo: field.path };
}
