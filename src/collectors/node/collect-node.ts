import { ArgMap, valueLooksSecret, type Provenance } from '../../engine/effective/arg-map.js';
import { emptySnapshot, type Fact, type FactSnapshot } from '../../model/fact.js';
import { admissionFacts, auditPolicyFacts, encryptionFacts, type ApiServerFileFacts } from './apiserver-files.js';
import { structuredAuthFacts } from './structured-auth-files.js';
import { componentFlags, identifyComponent, NODE_COMPONENTS, type FlagOccurrence, type NodeComponent } from './argv.js';
import { detectDistro, detectK8sVersion, dockerComponentContainers, exists, RKE1_SSL, type Distro } from './detect.js';
import { etcdConfigArgs } from './etcd-config.js';
import { collectSet, membersFacts, setFacts, setFactsAcross, singleFileFacts, type FileContext, type FileFacts, type Member } from './file-facts.js';
import { loadHostIds } from './host-ids.js';
import { kubeletArgs } from './kubelet-config.js';
import { rke2ProfileFact } from './rke2-profile.js';
import { PrefixedHostFs, rke1PrefixPath } from './rke1-prefix-path.js';
import { findRke2Layout, rke2LayoutAt, DEFAULT_RKE2_DATA_DIR, type Rke2Layout } from './rke2-layout.js';
import { readRke2NodeConfig, type Rke2NodeConfig } from './rke2-node-config.js';
import { NODE_ROLES, type NodeRole } from './node-roles.js';
import { kubeProxyArgs } from './kube-proxy-config.js';
import { HostNotFound, HostReadError, type HostFs, type HostStat, type ProcessInfo, type ProcTable } from './ports.js';

export { NODE_ROLES, type NodeRole };

/** Which role a component belongs to. kubelet and kube-proxy run on every RKE node, whatever its roles. */
const ROLE_OF: Record<NodeComponent, NodeRole> = {
  etcd: 'etcd',
  'kube-apiserver': 'controlplane',
  'kube-controller-manager': 'controlplane',
  'kube-scheduler': 'controlplane',
  kubelet: 'worker',
  'kube-proxy': 'worker',
};
const NODE_WIDE: NodeComponent[] = ['kubelet', 'kube-proxy'];

export const DEFAULT_SYSCTLS = ['vm.overcommit_memory', 'vm.panic_on_oom', 'kernel.panic', 'kernel.panic_on_oops'];

export interface NodeCollectOptions {
  fs: HostFs;
  proc: ProcTable;
  /** Skip distro detection. */
  distro?: Distro;
  /** Skip version detection. */
  k8sVersion?: string;
  /** Audit only these roles' components (etcd, controlplane); default: what runs on the node. */
  roles?: NodeRole[];
  /** Kernel parameters to read (dotted names); default the four of the hardening guides. */
  sysctls?: string[];
  /** Target name; default `node <hostname>`. */
  name?: string;
  /** Filled with the files behind each `file.<name>.*` fact, by name (harden node changes their modes and owners). */
  fileMembers?: Map<string, Member[]>;
  /** Filled with the running components' processes (harden node keeps the files a non-root one reads readable). */
  processes?: Map<NodeComponent, ProcessInfo>;
}

interface Running {
  proc: ProcessInfo;
  flags: FlagOccurrence[];
}

/** Where a value came from, as the node sees it (the host's /proc, whatever the scanner mounted). */
const argvProvenance = (p: ProcessInfo): Provenance => ({
  source: 'process',
  layer: `command line of pid ${p.pid}`,
  location: { file: `/proc/${p.pid}/cmdline` },
});

function argMapOf(component: string, flags: FlagOccurrence[], prov: Provenance): ArgMap {
  const m = new ArgMap(component);
  for (const { flag, value } of flags) m.append(flag, value, prov);
  return m;
}

export const REDACTED = '<redacted>';

/**
 * ArgMap marks secret flag names; values that carry credentials (URLs with a password) are secret
 * too. A secret's value never enters the snapshot (which may be stored or attached to a bug
 * report): the fact says the flag is set, and evidence shows <redacted>.
 */
function argFacts(m: ArgMap, component: string): Fact[] {
  return m.toFacts(component).map((f) => (f.secret || (typeof f.value === 'string' && valueLooksSecret(f.value)) ? { ...f, value: REDACTED, secret: true } : f));
}

function rolesText(roles: Set<NodeRole>): string {
  return NODE_ROLES.filter((r) => roles.has(r)).join(', ') || 'none';
}

/**
 * Collect the facts of one node from its host root and process table. Pure with respect to its
 * ports: every read of the host goes through `fs` and `proc`.
 */
export function collectNode(opts: NodeCollectOptions): FactSnapshot {
  const { fs, proc } = opts;
  const warnings: string[] = [];
  const errors: Record<string, string> = {};
  const absent: Record<string, string> = {};
  const facts: Fact[] = [];

  // 1. Processes.
  let procs: ProcessInfo[] = [];
  let procError: string | undefined;
  try {
    procs = proc.list();
  } catch (e) {
    if (!(e instanceof HostReadError)) throw e;
    procError = e.message;
    warnings.push(`${e.message}: component flags and kernel parameters cannot be read; their checks are errors`);
  }
  const found = new Map<NodeComponent, ProcessInfo[]>();
  // RKE and RKE2 run every component on the host's network (host processes, hostNetwork static pods,
  // --net=host containers). One in a network namespace of its own is a pod's: a virtual cluster's
  // API server, a test kubelet. It is not this node's, and auditing it would judge the wrong flags.
  const hostNet = procs.find((p) => p.pid === 1)?.netNs;
  const inPods: string[] = [];
  for (const p of procs) {
    const id = identifyComponent(p.argv);
    if (!id) continue;
    if (hostNet && p.netNs && p.netNs !== hostNet) inPods.push(`${id.component} (pid ${p.pid})`);
    else found.set(id.component, [...(found.get(id.component) ?? []), p]);
  }
  if (inPods.length) warnings.push(`${inPods.join(', ')}: not on the host's network (a pod's, such as a virtual cluster's): not this node's, left out`);

  // 2. Distro, RKE2's own configuration and data directory, and version.
  const distro = opts.distro ?? detectDistro(fs, procs, found).distro;
  let rke2Config: Rke2NodeConfig | undefined;
  let rke2ConfigError: string | undefined;
  if (distro === 'rke2') {
    try {
      rke2Config = readRke2NodeConfig(fs, procs, proc);
    } catch (e) {
      if (e instanceof HostReadError || (e as { code?: string }).code === 'input') rke2ConfigError = (e as Error).message;
      else throw e;
    }
  }
  const layout: Rke2Layout = distro === 'rke2' ? findRke2Layout(rke2Config, [...found.values()].flat()) : rke2LayoutAt(DEFAULT_RKE2_DATA_DIR, 'the default');
  if (layout.dataDir !== DEFAULT_RKE2_DATA_DIR) warnings.push(`RKE2 data directory ${layout.dataDir} (from ${layout.why}): its files are read there`);
  let k8sVersion = opts.k8sVersion;
  // Where the version was read: provenance of the profile choice, in the report's target line (not a warning).
  let k8sVersionFrom = opts.k8sVersion ? '--k8s-version' : undefined;
  if (!k8sVersion) {
    const v = detectK8sVersion(distro, fs, found, warnings, layout);
    if (v) {
      k8sVersion = v.version;
      k8sVersionFrom = v.why;
    }
  }

  // 3. Which components belong here: running, configured but not running, or absent.
  const configured = new Map<NodeComponent, string>();
  if (distro === 'rke2') {
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kube-proxy'] as NodeComponent[]) {
      const m = `${layout.manifests}/${c}.yaml`;
      if (exists(fs, m)) configured.set(c, m);
    }
  } else {
    for (const c of dockerComponentContainers(fs)) configured.set(c.name as NodeComponent, `container ${c.name} (${c.file})`);
  }
  const running = new Map<NodeComponent, Running>();
  for (const [c, list] of found) {
    const chosen = list[0]!;
    if (list.length > 1) warnings.push(`${list.length} ${c} processes (pids ${list.map((p) => p.pid).join(', ')}): auditing pid ${chosen.pid}, the oldest`);
    running.set(c, { proc: chosen, flags: componentFlags(c, identifyComponent(chosen.argv)!.args) });
  }
  const declared = opts.roles ? new Set<NodeRole>([...opts.roles, 'worker']) : undefined;
  const present = new Set<NodeComponent>();
  const unknown = new Map<NodeComponent, string>();
  for (const c of NODE_COMPONENTS) {
    const role = ROLE_OF[c];
    if (declared && !declared.has(role) && !NODE_WIDE.includes(c)) {
      if (running.has(c)) warnings.push(`${c} runs on this node (pid ${running.get(c)!.proc.pid}) but --role ${opts.roles!.join(',')} leaves it out`);
      continue;
    }
    if (running.has(c)) {
      present.add(c);
      continue;
    }
    const where = procError ? `the process table cannot be read (${procError})` : `no ${c} process in ${proc.description}`;
    if (configured.has(c)) unknown.set(c, `${c} is configured on this node (${configured.get(c)}) but ${where}: its flags are unknown`);
    else if (procError) unknown.set(c, `${procError}: cannot tell whether ${c} runs here or with which flags`);
    else if (declared) unknown.set(c, `--role ${opts.roles!.join(',')} says ${c} runs here but there is ${where}`);
    else if (c === 'kubelet') unknown.set(c, `${where} (every Kubernetes node runs one; can the scanner see the host's processes?): kubelet flags unknown`);
    if (unknown.has(c)) present.add(c);
  }
  const roles = new Set<NodeRole>([...present].map((c) => ROLE_OF[c]));
  if (declared) for (const r of declared) roles.add(r);
  for (const c of NODE_COMPONENTS) {
    if (present.has(c)) continue;
    absent[c] = declared && !declared.has(ROLE_OF[c])
      ? `no ${c} audited on this node: --role ${rolesText(roles)}`
      : c === 'kube-proxy'
        ? `no kube-proxy on this node (no process${distro === 'rke2' ? ', no static pod manifest' : ', no container'}; e.g. a CNI replaces it)`
        : `no ${c} on this node: roles ${rolesText(roles)}`;
  }
  for (const [c, reason] of unknown) errors[`${c}.args`] = reason;

  // RKE1 with prefix_path: the flags name paths inside the containers, found under the prefix on the host.
  const prefix = distro === 'rke1' ? rke1PrefixPath(running.get('kubelet')?.flags ?? []) : undefined;
  const files: HostFs = prefix ? new PrefixedHostFs(fs, prefix) : fs;
  if (prefix) warnings.push(`RKE1 prefix_path ${prefix} (from the kubelet's --root-dir): /etc/kubernetes, /var/lib/etcd and /var/lib/cni are read under it`);

  // 4. Component flags.
  const args = new Map<NodeComponent, ArgMap>();
  const searched: Record<string, string> = {};
  let kubeletFiles: KubeletFiles | undefined;
  for (const [c, r] of running) {
    if (!present.has(c)) continue;
    const prov = argvProvenance(r.proc);
    if (c === 'kubelet') {
      const k = kubeletArgs(files, r.flags, prov);
      warnings.push(...k.warnings);
      const configFile = r.flags.filter((f) => f.flag === 'config').at(-1)?.value;
      kubeletFiles = { ...(configFile ? { configFile } : {}), ...(k.configDir ? { configDir: k.configDir } : {}) };
      if (k.error) {
        errors['kubelet.args'] = k.error;
        continue;
      }
      args.set(c, k.args);
      searched['kubelet.args'] = [prov.layer, ...k.files].join(', ');
    } else if (c === 'etcd' && r.flags.some((f) => f.flag === 'config-file')) {
      const file = r.flags.filter((f) => f.flag === 'config-file').at(-1)!.value;
      const e = etcdConfigArgs(files, file);
      warnings.push(...e.warnings);
      if (e.error) {
        errors['etcd.args'] = e.error;
        continue;
      }
      e.args.set('config-file', file, prov);
      if (r.flags.some((f) => f.flag !== 'config-file')) warnings.push(`etcd (pid ${r.proc.pid}) has --config-file and other flags: etcd ignores the others`);
      args.set(c, e.args);
      searched['etcd.args'] = `etcd config file ${file} (--config-file on the ${prov.layer})`;
    } else if (c === 'kube-proxy' && r.flags.some((f) => f.flag === 'config')) {
      const p = kubeProxyArgs(files, r.flags, prov, r.proc.pid);
      warnings.push(...p.warnings);
      if (p.error) {
        errors['kube-proxy.args'] = p.error;
        continue;
      }
      args.set(c, p.args);
      searched['kube-proxy.args'] = `${prov.layer}, kube-proxy config file ${p.file}`;
    } else {
      args.set(c, argMapOf(c, r.flags, prov));
      searched[`${c}.args`] = prov.layer;
    }
  }
  for (const [c, m] of args) facts.push(...argFacts(m, c));

  // 5. Files the API server's flags name.
  const api = args.get('kube-apiserver');
  if (api) {
    const parts: ApiServerFileFacts[] = [
      auditPolicyFacts(files, api.get('audit-policy-file')),
      encryptionFacts(files, api.get('encryption-provider-config')),
      admissionFacts(files, api.get('admission-control-config-file')),
      structuredAuthFacts(files, api),
    ];
    for (const p of parts) {
      facts.push(...p.facts);
      Object.assign(errors, p.errors);
      warnings.push(...p.warnings);
    }
  } else if (errors['kube-apiserver.args']) {
    for (const k of ['audit.policy', 'encryption', 'admission']) errors[k] = errors['kube-apiserver.args'];
  }

  // 6. Users and groups of the host.
  const ids = loadHostIds(fs);
  const etcdUid = ids.ok ? ids.ids.uidOf('etcd') : undefined;
  const etcdGid = ids.ok ? ids.ids.gidOf('etcd') : undefined;
  if (!ids.ok) {
    errors['host.user'] = ids.reason;
    errors['host.group'] = ids.reason;
  } else {
    if (etcdUid !== undefined) facts.push({ key: 'host.user.etcd.uid', value: String(etcdUid), source: 'file', layer: 'host /etc/passwd', location: { file: '/etc/passwd' } });
    if (etcdGid !== undefined) facts.push({ key: 'host.group.etcd.gid', value: String(etcdGid), source: 'file', layer: 'host /etc/group', location: { file: '/etc/group' } });
    if (distro === 'rke1' && etcdUid !== undefined && etcdGid !== undefined && etcdUid !== etcdGid) {
      warnings.push(`etcd user uid ${etcdUid} differs from etcd group gid ${etcdGid}: RKE runs etcd as ${etcdUid}:${etcdUid} and chowns /var/lib/etcd to it, so etcd:etcd ownership fails on the group; create both with the same id (52034 in Rancher's guide)`);
    }
  }

  // 7. Files.
  for (const [c, r] of running) opts.processes?.set(c, r.proc);
  const etcdProc = running.get('etcd')?.proc;
  const etcdUids = new Set<number>([etcdUid, etcdProc?.uid].filter((u): u is number => u !== undefined && u !== 0));
  const ctx: FileContext = { fs: files, ids };
  for (const part of fileFacts(ctx, distro, layout, args, etcdUids, kubeletFiles, errors['kubelet.args'])) {
    facts.push(...part.facts);
    Object.assign(errors, part.errors);
    if (part.members) opts.fileMembers?.set(part.members.name, part.members.members);
  }

  // 8. Kernel parameters.
  for (const name of opts.sysctls ?? DEFAULT_SYSCTLS) {
    const key = `sysctl.${name}`;
    if (procError) {
      errors[key] = `${procError}: /proc/sys/${name.replaceAll('.', '/')} cannot be read`;
      continue;
    }
    try {
      facts.push({ key, value: proc.sysctl(name), source: 'file', layer: 'kernel parameter', location: { file: `/proc/sys/${name.split('.').join('/')}` } });
    } catch (e) {
      if (e instanceof HostNotFound) continue;
      if (e instanceof HostReadError) errors[key] = e.message;
      else throw e;
    }
  }

  if (rke2ConfigError) errors['rke2.profile'] = rke2ConfigError;
  else if (rke2Config) {
    const profile = rke2ProfileFact(rke2Config);
    if (profile) facts.push(profile);
  }

  const hostname = proc.hostname() ?? readHostname(fs);
  const snap = emptySnapshot({ kind: 'node', name: opts.name ?? hostname ?? fs.description }, distro, k8sVersion);
  for (const f of facts) snap.facts[f.key] = f;
  snap.errors = errors;
  snap.absent = absent;
  snap.searched = searched;
  snap.warnings = warnings;
  if (k8sVersionFrom && k8sVersion) snap.k8sVersionFrom = k8sVersionFrom;
  return snap;
}

function readHostname(fs: HostFs): string | undefined {
  try {
    return fs.readText('/etc/hostname').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Where the CNI host-local IPAM plugin keeps its reservations (one directory per network). */
const CNI_IPAM_DIR = '/var/lib/cni/networks';

const SYSTEMD_KUBELET_UNITS = [
  '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf',
  '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf',
  '/etc/systemd/system/kubelet.service',
  '/usr/lib/systemd/system/kubelet.service',
  '/lib/systemd/system/kubelet.service',
];

/** The per-distro file table of docs/facts.md, preferring paths the running components name. */
function fileFacts(
  ctx: FileContext,
  distro: Distro,
  layout: Rke2Layout,
  args: Map<NodeComponent, ArgMap>,
  etcdUids: Set<number>,
  kubelet: KubeletFiles | undefined,
  kubeletError: string | undefined,
): FileFacts[] {
  const flag = (c: NodeComponent, f: string): string[] => {
    const v = args.get(c)?.get(f);
    return v ? [v] : [];
  };
  const ownedByEtcd = (st: HostStat) => etcdUids.has(st.uid);
  const out: FileFacts[] = [];
  const rke2 = distro === 'rke2';

  for (const [name, c] of [['apiserver-manifest', 'kube-apiserver'], ['controller-manager-manifest', 'kube-controller-manager'], ['scheduler-manifest', 'kube-scheduler'], ['etcd-manifest', 'etcd']] as const) {
    // RKE1 runs components as containers: there are no pod spec files to look for.
    out.push(singleFileFacts(ctx, name, rke2 ? [`${layout.manifests}/${c}.yaml`] : []));
  }
  const cniDir = flag('kubelet', 'cni-conf-dir')[0] ?? '/etc/cni/net.d';
  // The CNI files as Rancher's 1.1.9/1.1.10 read them: every regular file of the configuration
  // directory, subdirectories included (Multus keeps its kubeconfig, credentials, in multus.d/), and
  // the host-local IPAM reservations when the node has them. Never directories (Multus creates
  // multus.d 0755), nor host-local's lock file (0750 by design, empty: no setting changes it).
  out.push(setFactsAcross(ctx, 'cni-config', [
    { dir: cniDir, opts: { recursive: true, match: () => true } },
    {
      dir: CNI_IPAM_DIR,
      optional: true,
      opts: { recursive: true, match: () => true, exclude: { test: (rel) => /^[^/]+\/lock$/.test(rel), why: 'host-local IPAM lock files, 0750 by design and empty' } },
    },
  ]));
  out.push(singleFileFacts(ctx, 'etcd-data-dir', rke2 ? [`${layout.server}/db/etcd`] : ['/var/lib/etcd']));
  out.push(singleFileFacts(ctx, 'admin-kubeconfig', rke2 ? [`${layout.server}/cred/admin.kubeconfig`] : []));
  out.push(singleFileFacts(ctx, 'scheduler-kubeconfig', [...flag('kube-scheduler', 'kubeconfig'), rke2 ? `${layout.server}/cred/scheduler.kubeconfig` : `${RKE1_SSL}/kubecfg-kube-scheduler.yaml`]));
  out.push(singleFileFacts(ctx, 'controller-manager-kubeconfig', [...flag('kube-controller-manager', 'kubeconfig'), rke2 ? `${layout.server}/cred/controller.kubeconfig` : `${RKE1_SSL}/kubecfg-kube-controller-manager.yaml`]));

  const pki = rke2 ? `${layout.server}/tls` : RKE1_SSL;
  // Files the distro hands to etcd on purpose (RKE2 profile cis: server/tls/etcd; RKE1 etcd uid/gid:
  // kube-etcd-*.pem) would fail every hardened cluster's root:root ownership check.
  const etcdOwned = rke2 ? (rel: string) => rel === 'etcd' || rel.startsWith('etcd/') : (rel: string) => /^kube-etcd-.*\.pem$/.test(rel);
  out.push(setFacts(ctx, 'pki-dir', pki, {
    recursive: true,
    includeDirs: true,
    match: () => true,
    exclude: { test: (rel, st) => etcdOwned(rel) && ownedByEtcd(st), why: 'owned by etcd on purpose' },
  }));
  out.push(setFacts(ctx, 'pki-certs', pki, { recursive: true, match: rke2 ? (r) => r.endsWith('.crt') : (r) => r.endsWith('.pem') && !r.endsWith('-key.pem') }));
  out.push(setFacts(ctx, 'pki-keys', pki, { recursive: true, match: rke2 ? (r) => r.endsWith('.key') : (r) => r.endsWith('-key.pem') }));

  out.push(singleFileFacts(ctx, 'kubelet-service', SYSTEMD_KUBELET_UNITS));
  out.push(singleFileFacts(ctx, 'proxy-kubeconfig', [...flag('kube-proxy', 'kubeconfig'), rke2 ? `${layout.agent}/kubeproxy.kubeconfig` : `${RKE1_SSL}/kubecfg-kube-proxy.yaml`]));
  out.push(singleFileFacts(ctx, 'kubelet-kubeconfig', [...flag('kubelet', 'kubeconfig'), rke2 ? `${layout.agent}/kubelet.kubeconfig` : `${RKE1_SSL}/kubecfg-kube-node.yaml`]));
  out.push(singleFileFacts(ctx, 'kubelet-ca', [...flag('kubelet', 'client-ca-file'), rke2 ? `${layout.agent}/client-ca.crt` : `${RKE1_SSL}/kube-ca.pem`]));
  out.push(kubeletConfigFacts(ctx, rke2 ? layout : undefined, kubelet, kubeletError));
  return out;
}

/** The kubelet's `--config` file and `--config-dir`, as its command line names them. */
interface KubeletFiles {
  configFile?: string;
  configDir?: string;
}

/**
 * `file.kubelet-config`: the files kubelet reads its configuration from — the `--config` file and
 * the `*.conf` drop-ins of `--config-dir` (RKE2 v1.32+ `kubelet.conf.d`): their union mode, named by
 * the directory when there is one. Only stat is needed, so a drop-in that cannot be parsed still
 * has its mode and owner checked.
 */
function kubeletConfigFacts(ctx: FileContext, rke2: Rke2Layout | undefined, kubelet: KubeletFiles | undefined, kubeletError: string | undefined): FileFacts {
  // kubelet reads the drop-ins of subdirectories too (kubeletDropIns).
  const conf = { recursive: true, match: (r: string) => r.endsWith('.conf') };
  const rke2Dir = rke2 ? `${rke2.agent}/etc/kubelet.conf.d` : undefined;
  if (!kubelet) {
    // The kubelet's command line is unknown: RKE2's drop-in directory is the only place to look.
    if (rke2Dir && exists(ctx.fs, rke2Dir)) return setFacts(ctx, 'kubelet-config', rke2Dir, conf);
    if (kubeletError) return { facts: [], errors: { 'file.kubelet-config': kubeletError } };
    return { facts: [{ key: 'file.kubelet-config.exists', value: 'false', source: 'file', layer: 'kubelet not running here' }], errors: {} };
  }
  if (!kubelet.configFile && !kubelet.configDir) {
    return { facts: [{ key: 'file.kubelet-config.exists', value: 'false', source: 'process', layer: 'kubelet has neither --config nor --config-dir' }], errors: {} };
  }
  const members: Member[] = [];
  try {
    if (kubelet.configFile) {
      try {
        members.push({ path: kubelet.configFile, stat: ctx.fs.stat(kubelet.configFile) });
      } catch (e) {
        if (!(e instanceof HostNotFound)) throw e;
      }
    }
    if (kubelet.configDir) {
      try {
        members.push(...collectSet(ctx.fs, kubelet.configDir, conf).members);
      } catch (e) {
        if (!(e instanceof HostNotFound)) throw e;
      }
    }
  } catch (e) {
    if (e instanceof HostReadError) return { facts: [], errors: { 'file.kubelet-config': e.message } };
    throw e;
  }
  return membersFacts(ctx, 'kubelet-config', kubelet.configDir ?? kubelet.configFile!, members);
}
