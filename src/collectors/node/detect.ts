import path from 'node:path';
import { usageError } from '../../errors/rke-harden-error.js';
import { NODE_COMPONENTS, type NodeComponent } from './argv.js';
import { isMap, readHostYaml } from './host-yaml.js';
import { HostNotFound, HostReadError, type HostFs, type ProcessInfo } from './ports.js';
import { oncePerObject } from '../../once-per-object.js';
import type { Rke2Layout } from './rke2-layout.js';

export const RKE1_SSL = '/etc/kubernetes/ssl';
const DOCKER_CONTAINERS = '/var/lib/docker/containers';
const MAX_CONTAINERS = 1000;

export type Distro = 'rke1' | 'rke2';

/** A Docker container of an RKE1 node, as Docker's own state file records it. */
export interface DockerContainer {
  name: string;
  image: string;
  file: string;
}

export function exists(fs: HostFs, p: string): boolean {
  try {
    fs.stat(p);
    return true;
  } catch (e) {
    if (e instanceof HostNotFound || e instanceof HostReadError) return false;
    throw e;
  }
}

/**
 * Containers named after Kubernetes components in Docker's state (`/var/lib/docker/containers/<id>/config.v2.json`):
 * RKE1 runs every component as a container named kube-apiserver, kubelet, etcd… Only the name and
 * the image are read (the file also holds the container's environment, which may carry secrets).
 * One scan per host per run (detection and role hints both ask).
 */
export const dockerComponentContainers = oncePerObject(readContainers);

function readContainers(fs: HostFs): DockerContainer[] {
  let ids: string[];
  try {
    ids = fs.list(DOCKER_CONTAINERS).filter((e) => e.kind === 'dir').map((e) => e.name).slice(0, MAX_CONTAINERS);
  } catch {
    return [];
  }
  const out: DockerContainer[] = [];
  for (const id of ids) {
    const file = `${DOCKER_CONTAINERS}/${id}/config.v2.json`;
    let doc: unknown;
    try {
      doc = JSON.parse(fs.readText(file));
    } catch {
      continue;
    }
    if (!isMap(doc)) continue;
    const name = typeof doc.Name === 'string' ? doc.Name.replace(/^\//, '') : '';
    const image = isMap(doc.Config) && typeof doc.Config.Image === 'string' ? doc.Config.Image : '';
    if ((NODE_COMPONENTS as readonly string[]).includes(name)) out.push({ name, image, file });
  }
  return out;
}

const mentions = (argv: string[], needle: string) => argv.some((a) => a.includes(needle));

/** RKE2 or RKE1, from the processes first (the running truth), then from the host's files. */
export function detectDistro(fs: HostFs, procs: ProcessInfo[], components: Map<NodeComponent, ProcessInfo[]>): { distro: Distro; why: string } {
  const compArgv = [...components.values()].flat().map((p) => p.argv);
  const procRke2 = procs.some((p) => path.posix.basename(p.argv[0] ?? '') === 'rke2') || compArgv.some((a) => mentions(a, '/var/lib/rancher/rke2') || mentions(a, '/etc/rancher/rke2'));
  const procRke1 = compArgv.some((a) => mentions(a, `${RKE1_SSL}/`));
  if (procRke2 !== procRke1) {
    return procRke2
      ? { distro: 'rke2', why: 'processes use /var/lib/rancher/rke2 (or an rke2 process runs)' }
      : { distro: 'rke1', why: `component processes use ${RKE1_SSL}` };
  }
  const fileRke2 = exists(fs, '/var/lib/rancher/rke2') || exists(fs, '/etc/rancher/rke2');
  const fileRke1 = exists(fs, `${RKE1_SSL}/kube-ca.pem`) || dockerComponentContainers(fs).length > 0;
  if (fileRke2 !== fileRke1) {
    return fileRke2
      ? { distro: 'rke2', why: '/var/lib/rancher/rke2 or /etc/rancher/rke2 exists' }
      : { distro: 'rke1', why: `${RKE1_SSL}/kube-ca.pem or RKE component containers exist` };
  }
  if (fileRke2) throw usageError(`${fs.description}: both RKE1 (${RKE1_SSL}) and RKE2 (/var/lib/rancher/rke2) files are present: pass --distro rke1|rke2`);
  throw usageError(`${fs.description}: not recognisably an RKE1 or RKE2 node (no /var/lib/rancher/rke2, no ${RKE1_SSL}/kube-ca.pem, no such processes): pass --distro rke1|rke2`);
}

const RKE2_TAG = /(v1\.\d+\.\d+)[-+](rke2r\d+)/;
const RKE1_TAG = /:(v1\.\d+\.\d+(?:-rancher\d+(?:-\d+)?)?)(?:$|[^\w.])/;

function imagesOfManifest(fs: HostFs, file: string): string[] {
  const read = readHostYaml(fs, file);
  if (read.kind !== 'ok' || !isMap(read.y.value)) return [];
  const spec = read.y.value.spec;
  const containers = isMap(spec) && Array.isArray(spec.containers) ? spec.containers : [];
  return containers.flatMap((c) => (isMap(c) && typeof c.image === 'string' ? [c.image] : []));
}

function compareTags(a: string, b: string): number {
  const pa = a.match(/\d+/g)?.map(Number) ?? [];
  const pb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The node's Kubernetes version without running anything: RKE2 from the kubelet's binary path
 * (`/var/lib/rancher/rke2/data/v1.31.4-rke2r1-<hash>/bin/kubelet`), the static pod images, or the
 * data directory; RKE1 from the component containers' images (`rancher/hyperkube:v1.28.9-rancher1`).
 */
export function detectK8sVersion(distro: Distro, fs: HostFs, components: Map<NodeComponent, ProcessInfo[]>, warnings: string[], rke2: Rke2Layout): { version: string; why: string } | undefined {
  if (distro === 'rke2') {
    for (const p of components.get('kubelet') ?? []) {
      const m = RKE2_TAG.exec(p.argv[0] ?? '');
      if (m) return { version: `${m[1]}+${m[2]}`, why: `kubelet binary ${p.argv[0]}` };
    }
    for (const c of ['kube-apiserver', 'kube-proxy', 'kube-controller-manager', 'kube-scheduler']) {
      const file = `${rke2.manifests}/${c}.yaml`;
      for (const image of imagesOfManifest(fs, file)) {
        const m = RKE2_TAG.exec(image);
        if (m) return { version: `${m[1]}+${m[2]}`, why: `image ${image} in ${file}` };
      }
    }
    let dirs: string[] = [];
    try {
      dirs = fs.list(`${rke2.dataDir}/data`).map((e) => e.name).filter((n) => RKE2_TAG.test(n)).sort(compareTags);
    } catch {
      dirs = [];
    }
    const newest = dirs.at(-1);
    if (newest) {
      const m = RKE2_TAG.exec(newest)!;
      if (dirs.length > 1) warnings.push(`several RKE2 releases under ${rke2.dataDir}/data (${dirs.join(', ')}): assuming the newest; pass --k8s-version if the node runs another`);
      return { version: `${m[1]}+${m[2]}`, why: `${rke2.dataDir}/data/${newest}` };
    }
    return undefined;
  }
  const containers = dockerComponentContainers(fs);
  for (const name of ['kube-apiserver', 'kubelet', 'kube-proxy']) {
    const c = containers.find((x) => x.name === name);
    const m = c ? RKE1_TAG.exec(c.image) : null;
    if (c && m) return { version: m[1]!, why: `image ${c.image} of container ${name} (${c.file})` };
  }
  return undefined;
}
