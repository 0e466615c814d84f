import fs from 'node:fs';
import path from 'node:path';
import { formatLocation, type FactSnapshot } from '../model/fact.js';
import { inputError, NotAuditedInputError, RkeHardenError } from '../errors/rke-harden-error.js';
import { readYamlDocuments, type LocatedYaml } from './read-yaml-file.js';
import { detectConfigKind, otherKubernetesObject, type ConfigKind } from './detect-config-kind.js';
import { effectiveRke1 } from './rke1/effective-rke1.js';
import { effectiveRke2, RANCHER_BUILT_IN_PSA_TEMPLATES } from './rke2/effective-rke2.js';
import { mergeRke2Config, readRke2ConfigFiles, readRke2DropIn, readRke2DropIns, rke2DropInFiles } from './rke2/merge-config-files.js';
import { YamlAccess, isRecord, valueAtPath } from './yaml-access.js';
import { resolveReferencedFiles } from './companion/referenced-files.js';
import { droppedByRancher, keysRancherDrops, MACHINE_GLOBAL_CONFIG, MACHINE_SELECTOR_CONFIG, rancherConfigMaps } from './rancher-config-maps.js';
import { rancherDeliveredFiles, rancherPsaTemplateBeside, sourceObjectsIn, type SourceObjects } from './companion/rancher-delivered-files.js';
import { evaluatedVersion } from './config-version.js';
import { removedUpstreamWarnings } from '../upgrade/removed-upstream.js';
import { CONTROL_PLANE_ROLE, ETCD_ROLE, WORKER_ROLE, poolRolesSelected, selectsOnlyRole } from './rancher-selector-roles.js';

export interface ConfigOptions {
  distro?: 'rke1' | 'rke2';
  k8sVersion?: string;
  role?: 'server' | 'agent';
  /** Use k8sVersion even where the file names a version (upgrade-check evaluates a file at another version). */
  overrideVersion?: boolean;
}

export interface ConfigTargets {
  snapshots: FactSnapshot[];
  /** Files found in a directory walk that were not audited, each with the warning that says why (not a cluster configuration, a template). */
  skipped: { file: string; warning: string }[];
  /**
   * Files found in a directory walk that could not be read (invalid YAML, a value RKE refuses), each with
   * the one-line error it would get alone: the others are audited, and the scan is incomplete.
   */
  unreadable: { file: string; reason: string }[];
}

/**
 * Every YAML file under dir, excluding RKE2 drop-in folders (read with their config.yaml) and the
 * host/ folder `harden config --out` writes beside a configuration (node files it points at, read
 * through the flags that name them).
 */
function walk(dir: string): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const besideConfig = entries.some((e) => e.isFile() && /\.ya?ml$/.test(e.name));
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // Drop-ins are read with their main file; without one (RKE2 accepts that), through the first of them.
      if (entry.name.endsWith('.yaml.d') && !entries.some((e) => e.name === entry.name.slice(0, -2))) out.push(...rke2DropInFiles(p.slice(0, -2)).slice(0, 1));
      if (entry.name.endsWith('.yaml.d') || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      if (entry.name === 'host' && besideConfig) continue;
      out.push(...walk(p));
    } else if (/\.ya?ml$/.test(entry.name)) out.push(p);
  }
  return out;
}

/**
 * One realpath(3), not a JS lstat per path component (every audited file pays it); a shell pipe
 * (`/dev/fd/63` → `pipe:[…]`) that the C library cannot resolve is resolved as Node resolves it.
 */
function realPath(file: string): string {
  try {
    return fs.realpathSync.native(file);
  } catch {
    return fs.realpathSync(file);
  }
}

function kindFor(y: LocatedYaml, opts: ConfigOptions): ConfigKind | undefined {
  if (otherKubernetesObject(y)) return undefined;
  const detected = detectConfigKind(y);
  if (opts.distro === 'rke1') return 'rke1-cluster-yml';
  if (opts.distro === 'rke2') return detected === 'rancher-rke2-cluster' ? detected : 'rke2-config';
  return detected;
}

/** What an RKE2 agent does not run (its other absences, e.g. disable-kube-proxy, keep their own reason). */
const SERVER_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];
const CONTROL_PLANE_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

/** A Rancher Cluster's targets are named `file (name)`, and `file (name) machines matching …` for its machine sets. */
const clusterTargetName = (file: string, cluster: string) => `${file} (${cluster})`;

/** The targets of one Rancher Cluster (metadata.name) among those of a file of several. */
export const targetsOfCluster = (snaps: FactSnapshot[], file: string, cluster: string): FactSnapshot[] =>
  snaps.filter((s) => s.target.name === clusterTargetName(file, cluster) || s.target.name.startsWith(`${clusterTargetName(file, cluster)} `));

function rancherCluster(y: LocatedYaml, opts: ConfigOptions, objects: (dir: string) => SourceObjects): FactSnapshot[] {
  const warnings: string[] = [];
  const a = new YamlAccess(y, warnings);
  const spec = ['spec'];
  const version = evaluatedVersion(a.string([...spec, 'kubernetesVersion']), a.where([...spec, 'kubernetesVersion']), opts, warnings);
  if (!version) throw inputError(`${a.where(spec)}: ${a.string(['metadata', 'name']) ?? 'Cluster'}: spec.kubernetesVersion is not set: pass --k8s-version (e.g. v1.31.4+rke2r1)`);
  // Shapes checked here, with file:line:column; the merge order is rancherConfigMaps'.
  a.map(MACHINE_GLOBAL_CONFIG);
  (a.list(MACHINE_SELECTOR_CONFIG) ?? []).forEach((s, i) => {
    if (!isRecord(s)) a.fail([...MACHINE_SELECTOR_CONFIG, i], 'must be a map with config and machineLabelSelector');
  });
  const maps = rancherConfigMaps(y.value);
  for (const { path, why } of keysRancherDrops(y.value)) warnings.push(`${a.where(path)}: ${path.join('.')}: ${why}`);
  const parts = [...(maps.global ? [MACHINE_GLOBAL_CONFIG] : []), ...maps.unselected].map((at) => ({ y, at }));
  const template = a.string([...spec, 'defaultPodSecurityAdmissionConfigurationTemplateName']);
  // A custom template is read from its object beside the Cluster (which means reading the folder); a
  // built-in one is known.
  const found = template && !RANCHER_BUILT_IN_PSA_TEMPLATES.has(template) ? rancherPsaTemplateBeside(y, template, objects) : undefined;
  const name = clusterTargetName(y.file, a.string(['metadata', 'name']) ?? 'Cluster');
  const build = (layers: typeof parts, label: string, role: 'server' | 'agent' = 'server') => {
    const snap = effectiveRke2(mergeRke2Config(layers, (key) => droppedByRancher(key) !== undefined), {
      ...(version ? { k8sVersion: version } : {}),
      role: opts.role ?? role,
      name: label,
      ...(template ? { rancherPsaTemplate: { name: template, location: a.locate([...spec, 'defaultPodSecurityAdmissionConfigurationTemplateName']), ...(found ? { found } : {}) } } : {}),
    });
    snap.warnings.unshift(...warnings);
    snap.settingsIn = `the Cluster's spec.rkeConfig.machineGlobalConfig (or the machineSelectorConfig entry that sets the key) in ${y.file}`;
    // Rancher's PodSecurityPolicy template (Kubernetes 1.24 and older): upgrade-check needs to see it.
    const psp = a.string([...spec, 'defaultPodSecurityPolicyTemplateName']);
    if (psp) snap.facts['rancher.podSecurityPolicyTemplate'] = { key: 'rancher.podSecurityPolicyTemplate', value: psp, source: 'config', layer: 'Rancher Cluster spec', location: a.locate([...spec, 'defaultPodSecurityPolicyTemplateName']) };
    return snap;
  };
  const base = build(parts, name);
  // An entry selecting exactly Rancher's role label matches every machine of that role: the machines no
  // entry picks out then run none of its components.
  const selector = (i: number) => valueAtPath(y.value, [...MACHINE_SELECTOR_CONFIG, i, 'machineLabelSelector']);
  const selectsRole = (i: number, label: string) => selectsOnlyRole(selector(i), label);
  for (const [label, components] of [[CONTROL_PLANE_ROLE, CONTROL_PLANE_COMPONENTS], [ETCD_ROLE, ['etcd']]] as const) {
    const i = maps.scoped.find((x) => selectsRole(x, label));
    if (i === undefined) continue;
    for (const c of components) base.absent[c] ??= `every machine with ${label}=true takes machineSelectorConfig[${i}]: the machines of this target run no ${c}`;
  }
  const snaps = [base];
  for (const i of maps.scoped) {
    // An entry selecting exactly the worker role is a worker pool: Rancher runs those machines as RKE2
    // agents (kubelet and kube-proxy only). A worker that also has the control-plane or etcd role runs
    // those components with that role's configuration, audited in that role's target.
    // Machine pools selected by name: their roles are in machinePools.
    const pool = selectsRole(i, WORKER_ROLE);
    const roles = poolRolesSelected(selector(i), valueAtPath(y.value, ['spec', 'rkeConfig', 'machinePools']));
    const agent = pool || (roles !== undefined && !roles.controlPlane && !roles.etcd);
    const snap = build(maps.forScoped(i).map((at) => ({ y, at })), `${name} machines matching machineSelectorConfig[${i}]`, agent ? 'agent' : 'server');
    if (pool && !opts.role) {
      for (const c of SERVER_COMPONENTS) snap.absent[c] = `machineSelectorConfig[${i}] selects ${WORKER_ROLE}=true: Rancher runs worker machines as RKE2 agents, with no ${c} (a worker that also has the control-plane or etcd role is audited in that role's target)`;
    } else if (roles && !opts.role) {
      const absent = [...(roles.controlPlane ? [] : CONTROL_PLANE_COMPONENTS), ...(roles.etcd ? [] : ['etcd'])];
      for (const c of absent) snap.absent[c] = `machineSelectorConfig[${i}] selects machine pools whose machinePools entries give them no ${c === 'etcd' ? 'etcdRole' : 'controlPlaneRole'}: their machines run no ${c}`;
    }
    snaps.push(snap);
  }
  return snaps;
}

function snapshotsOf(file: string, y: LocatedYaml, kind: ConfigKind, opts: ConfigOptions, objects: (dir: string) => SourceObjects): FactSnapshot[] {
  switch (kind) {
    case 'rke1-cluster-yml':
      return [effectiveRke1(y, opts)];
    case 'rancher-rke2-cluster':
      return rancherCluster(y, opts, objects);
    case 'rke2-config': {
      // A drop-in named directly is read with its main file, as RKE2 does.
      const main = path.basename(path.dirname(file)).endsWith('.yaml.d') ? path.dirname(file).replace(/\.d$/, '') : file;
      const docs = main === file ? [y, ...readRke2DropIns(file)] : readRke2ConfigFiles(main);
      return [effectiveRke2(mergeRke2Config(docs), { ...opts, name: main })];
    }
  }
}

/**
 * The Rancher provisioning Clusters of a file of several YAML documents (kept with their ConfigMaps,
 * Secrets and Pod Security templates, read beside them as sources). Any other configuration is one per
 * file: RKE reads a cluster.yml's first document only, k3s a config.yaml's.
 */
export function clustersAmong(docs: LocatedYaml[], opts: Pick<ConfigOptions, 'distro'>): LocatedYaml[] {
  const clusters: LocatedYaml[] = [];
  for (const y of docs) {
    const kind = opts.distro === 'rke1' ? 'rke1-cluster-yml' : detectConfigKind(y);
    if (kind === 'rancher-rke2-cluster') clusters.push(y);
    else if (kind) throw inputError(`${y.locate([]).file}:${y.locate([]).line}: a ${kind === 'rke2-config' ? 'config.yaml' : 'cluster.yml'} among other YAML documents (---): one such configuration per file (RKE and RKE2 read only the first document of theirs)`);
  }
  return clusters;
}

/** A Rancher Cluster's metadata.name (`Cluster` when it has none). */
export const clusterNameOf = (y: LocatedYaml): string => String(valueAtPath(y.value, ['metadata', 'name']) ?? 'Cluster');

/**
 * The one cluster configuration of a file a command reads as one cluster (harden config edits it,
 * upgrade-check moves it): the file's document, or its Rancher Cluster among other objects — the one
 * named `name` (metadata.name) when the file holds several. `does` says what the command does with it,
 * and `choose` how to pick one, for the refusal of several Clusters (or none).
 */
export function oneClusterDocument(file: string, docs: LocatedYaml[], opts: Pick<ConfigOptions, 'distro'>, does: string, pick: { name?: string; choose?: string } = {}): LocatedYaml {
  if (docs.length === 1 && pick.name === undefined) return docs[0]!;
  const clusters = docs.length === 1 ? docs.filter((d) => detectConfigKind(d) === 'rancher-rke2-cluster') : clustersAmong(docs, opts);
  const names = clusters.map((c) => `${formatLocation(c.locate([]))} (${clusterNameOf(c)})`);
  if (pick.name !== undefined) {
    const named = clusters.filter((c) => clusterNameOf(c) === pick.name);
    if (named.length === 1) return named[0]!;
    throw inputError(`${file}: ${named.length ? `${named.length} Rancher Clusters named ${pick.name}` : `no Rancher Cluster named ${pick.name}`} among its YAML documents${clusters.length ? ` (${names.join(', ')})` : ''}`);
  }
  if (clusters.length === 1) return clusters[0]!;
  throw inputError(`${file}: ${clusters.length ? `${clusters.length} Rancher Clusters (${names.join(', ')})` : 'no Rancher provisioning Cluster'} among its YAML documents: ${does} one Cluster per file${clusters.length && pick.choose ? ` (${pick.choose})` : ' (keep each in its own file, with its objects)'}`);
}

/**
 * Turn the paths given to `audit config` into one snapshot per cluster configuration. With `visit`, each
 * snapshot goes to it as soon as it is read and is not kept (`snapshots` stays empty): a directory of
 * thousands of files is then evaluated file by file instead of holding every snapshot at once.
 */
export function loadConfigTargets(paths: string[], opts: ConfigOptions, visit?: (snap: FactSnapshot) => void): ConfigTargets {
  const snapshots: FactSnapshot[] = [];
  const skipped: ConfigTargets['skipped'] = [];
  const unreadable: ConfigTargets['unreadable'] = [];
  let found = 0;
  const objectsByDir = new Map<string, SourceObjects>();
  const sourceObjects = (dir: string) => objectsByDir.get(dir) ?? objectsByDir.set(dir, sourceObjectsIn(dir)).get(dir)!;
  // A file given twice (itself and in its directory, or a drop-in beside its main file) is one target.
  const seenFiles = new Set<string>();
  const seenTargets = new Set<string>();
  /** The file's targets not seen before, ready to evaluate; undefined when it is no cluster configuration. */
  const targetsOf = (file: string, inWalk: boolean): FactSnapshot[] | undefined => {
    // A drop-in is RKE2's whatever it holds, and may be empty; an empty file found in a walk is no configuration.
    const dropIn = path.basename(path.dirname(file)).endsWith('.yaml.d') && opts.distro !== 'rke1';
    const docs = dropIn ? [readRke2DropIn(file)] : readYamlDocuments(file, 'lastWins', inWalk);
    if (docs.length > 1) {
      const clusters = clustersAmong(docs, opts);
      if (clusters.length === 0) return undefined;
      // A Cluster of the file this tool does not audit (K3s) is skipped with a warning when another one is audited.
      const notAudited: NotAuditedInputError[] = [];
      const snaps = clusters.flatMap((y) => {
        try {
          return targetsOfDocument(file, y, 'rancher-rke2-cluster');
        } catch (e) {
          if (!(e instanceof NotAuditedInputError)) throw e;
          notAudited.push(e);
          return [];
        }
      });
      if (snaps.length === 0) throw notAudited[0]!;
      for (const snap of snaps) snap.warnings.push(...notAudited.map((e) => `${e.message}: skipped`));
      return snaps;
    }
    const kind = dropIn ? 'rke2-config' : docs[0] && kindFor(docs[0], opts);
    const object = !kind && !inWalk && docs[0] ? otherKubernetesObject(docs[0]) : undefined;
    if (object) throw inputError(`${file}: a ${object} object, not an RKE1 cluster.yml, an RKE2 config.yaml or a Rancher provisioning Cluster`);
    return kind ? targetsOfDocument(file, docs[0]!, kind) : undefined;
  };
  const targetsOfDocument = (file: string, y: LocatedYaml, kind: ConfigKind): FactSnapshot[] => {
    // Files a Rancher Cluster has Rancher put on its machines, from ConfigMaps/Secrets kept beside it.
    const deliveryWarnings: string[] = [];
    const delivered = kind === 'rancher-rke2-cluster' ? rancherDeliveredFiles(y, deliveryWarnings, sourceObjects) : {};
    const snaps = snapshotsOf(file, y, kind, opts, sourceObjects).filter((snap) => !seenTargets.has(snap.target.name));
    for (const snap of snaps) {
      snap.warnings.push(...deliveryWarnings);
      resolveReferencedFiles(snap, delivered);
      // upgrade-check evaluates a file at another version and reports these itself, as findings.
      if (!opts.overrideVersion) snap.warnings.push(...removedUpstreamWarnings(snap));
    }
    return snaps;
  };
  for (const p of paths) {
    if (!fs.existsSync(p)) throw inputError(`${p}: no such file or directory`);
    const isDir = fs.statSync(p).isDirectory();
    for (const file of isDir ? walk(p) : [p]) {
      const real = realPath(file);
      if (seenFiles.has(real)) continue;
      seenFiles.add(real);
      let snaps: FactSnapshot[] | undefined;
      try {
        snaps = targetsOf(file, isDir);
      } catch (e) {
        // A file named on the command line is the user's input: refused, exit 2. One found in a directory
        // walk does not cost the others their audit: a template or a K3s cluster is skipped, any other file is unreadable.
        if (!isDir || !(e instanceof RkeHardenError) || e.code !== 'input') throw e;
        if (e instanceof NotAuditedInputError) skipped.push({ file, warning: `${e.message}: skipped` });
        else unreadable.push({ file, reason: e.message });
        continue;
      }
      if (!snaps) {
        if (isDir) {
          skipped.push({ file, warning: `${file}: not a cluster configuration, skipped` });
          continue;
        }
        throw inputError(`${file}: not an RKE1 cluster.yml, an RKE2 config.yaml or a Rancher provisioning Cluster (pass --distro to say which)`);
      }
      for (const snap of snaps) {
        seenTargets.add(snap.target.name);
        found++;
        if (visit) visit(snap);
        else snapshots.push(snap);
      }
    }
  }
  if (found === 0 && unreadable.length === 0) throw inputError(`${paths.join(', ')}: no cluster configuration found`);
  return { snapshots, skipped, unreadable };
}
