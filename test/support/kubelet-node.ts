// A real node for the in-cluster tests: kubelet and containerd (Debian's, with its CRI plugin) run
// inside a node layout (namespace-layout.ts: the fixture at its real paths, its stand-in
// processes), so that a pod with hostPID and hostPath volumes sees that node; kube-scheduler and
// kube-proxy run beside the control plane; pods get addresses from the CNI bridge plugin and reach
// the API server through the `kubernetes` Service, as on a real cluster.
//
//   const cp = await startControlPlane({ extraApiServerArgs: nodeApiServerArgs(hostAddress()), extraControllerManagerArgs: NODE_CONTROLLERS });
//   const node = await startKubeletNode(cp, HOST_FIXTURES['rke2-server-hardened'](), { idle, images: ['rke-harden.invalid/rke-harden:e2e'] });
//   try { ... } finally { await node.stop(); await cp.stop(); }
//
// What this machine forces, each said where it is set: no registry (images come from the local
// Docker engine, the sandbox image is made from our idle program), cgroup v1 (failCgroupV1: false),
// no CAP_SYS_RESOURCE for lowering oom_score_adj (restrict_oom_score_adj).
//
// Host state it changes, and undoes in stop(): a bridge (rkeh0) and kube-proxy's iptables rules in
// the host's network namespace, cgroups under kubepods/, netns files under /run/netns. Mounts and
// processes end with the layout's namespaces.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { issueClientCert } from './certs.js';
import type { ControlPlane } from './control-plane.js';
import { findNodeBinaries } from './controlplane-bin.js';
import type { HostSpec } from './host-fixtures.js';
import { writeKubeconfig } from './kubeconfig.js';
import { layoutScript, removeLayout, UNSHARE_ARGS } from './namespace-layout.js';
import { freePorts } from './ports.js';
import { startProcess, type ManagedProcess } from './processes.js';
import { runCommand, type Ran } from './run-command.js';
import { waitFor } from './wait.js';

const BRIDGE = 'rkeh0';
const POD_CIDR = '10.244.0.0/24';
const SANDBOX_IMAGE = 'rke-harden.invalid/pause:e2e';
const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The host's address on its default route: what pods reach the API server and the kubelet at. */
export function hostAddress(): string {
  const route = fs.readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  const device = route.find((r) => r[1] === '00000000')?.[0];
  const candidates = Object.entries(os.networkInterfaces())
    .filter(([name]) => device === undefined || name === device)
    .flatMap(([, addrs]) => addrs ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal);
  if (candidates.length === 0) throw new Error(`no IPv4 address on the default route's device (${device ?? 'none'})`);
  return candidates[0]!.address;
}

/**
 * API server flags for a control plane with a node: listen beyond loopback and advertise `address`
 * (the `kubernetes` Service's endpoint, which pods reach through kube-proxy), with the client
 * certificate it presents to the kubelet (logs of failed pods).
 */
export function nodeApiServerArgs(address: string): string[] {
  return [
    '--bind-address=0.0.0.0',
    `--advertise-address=${address}`,
    '--endpoint-reconciler-type=lease',
    '--kubelet-client-certificate={{dir}}/pki/apiserver-kubelet-client.crt',
    '--kubelet-client-key={{dir}}/pki/apiserver-kubelet-client.key',
    '--kubelet-preferred-address-types=InternalIP',
  ];
}

/** Controller-manager flags for workloads: every default controller (DaemonSets, Deployments, Jobs, EndpointSlices...). */
export const NODE_CONTROLLERS = ['--controllers=*'];

export interface KubeletNodeOptions {
  /** The stand-in program (tools/kube-bench/idle); also the sandbox ("pause") image's process. */
  idle: string;
  /** Images of the local Docker engine to load into the node's containerd (name:tag). */
  images: string[];
  /**
   * Labels set on the Node once registered, as RKE does (a kubelet may not set node-role.kubernetes.io
   * labels on itself).
   */
  labels?: Record<string, string>;
  /** Overall start deadline (default 180 s). */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface KubeletNode {
  /** The node's name: the fixture's host name. */
  name: string;
  /** The kubelet's and containerd's logs, for a failing test's message. */
  logs(): string;
  /** Runs a command inside the node's namespaces (mount, PID, UTS): what a process on that node sees. */
  exec(argv: string[], cwd: string): Promise<Ran>;
  /** Stops kubelet, containerd, kube-proxy and kube-scheduler, and undoes their host changes. Idempotent. */
  stop(): Promise<void>;
}

async function mustRun(what: string, cmd: string, args: string[]): Promise<string> {
  const r = await runCommand(cmd, args);
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Pipes `docker save` of an image into the node's containerd (namespace k8s.io, where the CRI looks). */
function loadImage(image: string, socket: string): Promise<string> {
  return mustRun(`loading ${image} into the node's containerd`, 'bash', ['-o', 'pipefail', '-c', 'docker save "$1" | ctr -a "$2" -n k8s.io images import -', 'load', image, socket]);
}

/** The sandbox image: our idle program as /pause, made by the local Docker engine (no registry here). */
async function buildSandboxImage(idle: string, work: string): Promise<void> {
  const root = path.join(work, 'pause-rootfs');
  fs.mkdirSync(root);
  fs.copyFileSync(idle, path.join(root, 'pause'));
  fs.chmodSync(path.join(root, 'pause'), 0o755);
  await mustRun('building the sandbox image', 'bash', ['-o', 'pipefail', '-c', 'tar -C "$1" -cf - . | docker import --change \'ENTRYPOINT ["/pause"]\' - "$2"', 'import', root, SANDBOX_IMAGE]);
}

function containerdConfig(work: string, cniDir: string): string {
  return [
    'version = 2',
    `root = ${JSON.stringify(path.join(work, 'containerd', 'root'))}`,
    `state = ${JSON.stringify(path.join(work, 'containerd', 'state'))}`,
    '[grpc]',
    `  address = ${JSON.stringify(path.join(work, 'containerd.sock'))}`,
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = ${JSON.stringify(SANDBOX_IMAGE)}`,
    // This machine denies lowering a process's oom_score_adj (no CAP_SYS_RESOURCE), which runc
    // does for the sandbox (-998): keep containers at containerd's own value or above.
    '  restrict_oom_score_adj = true',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    `    bin_dir = ${JSON.stringify(cniDir)}`,
    `    conf_dir = ${JSON.stringify(path.join(work, 'cni'))}`,
    '',
  ].join('\n');
}

function cniConfig(work: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'rke-harden-e2e',
    plugins: [{
      type: 'bridge',
      bridge: BRIDGE,
      isGateway: true,
      // Pods only talk to the host (API server, kubelet): no masquerading rules to clean up.
      ipMasq: false,
      ipam: { type: 'host-local', ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: path.join(work, 'ipam') },
    }],
  });
}

function kubeletConfig(cp: ControlPlane, work: string, port: number): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // This machine runs cgroup v1, which kubelet refuses by default since v1.35.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    containerRuntimeEndpoint: `unix://${path.join(work, 'containerd.sock')}`,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: cp.pki.ca.cert } },
    authorization: { mode: 'Webhook' },
    port,
    readOnlyPort: 0,
    healthzPort: 0,
    failSwapOn: false,
    // No iptables chains of its own (KUBE-KUBELET-CANARY, ...) left in the host's tables.
    makeIPTablesUtilChains: false,
    // A shared build machine: never evict or collect images for its disk or memory.
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
  }, null, 2);
}

function kubeProxyConfig(kubeconfig: string, name: string, ports: [number, number]): string {
  return JSON.stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    mode: 'iptables',
    clusterCIDR: POD_CIDR,
    hostnameOverride: name,
    metricsBindAddress: `127.0.0.1:${ports[0]}`,
    healthzBindAddress: `127.0.0.1:${ports[1]}`,
    // Leave the host's conntrack sysctls alone.
    conntrack: { maxPerCore: 0 },
  }, null, 2);
}

/** The host pid of the layout's init (bash, pid 1 inside): what nsenter targets. */
function namespaceInit(unsharePid: number): number | undefined {
  try {
    const children = fs.readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length > 0 ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** The last lines of the kubelet's and containerd's logs, for an error message. */
function logTails(logDir: string, lines = 15): string {
  const tail = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  return ['kubelet', 'containerd'].map((c) => `--- ${c} (last lines)\n${tail(path.join(logDir, `${c}.log`))}`).join('\n');
}

/** Removes what kubelet, kube-proxy and the CNI plugin left in the host's shared state. */
async function undoHostChanges(kubeProxy: string, netnsBefore: Set<string>): Promise<void> {
  await runCommand(kubeProxy, ['--cleanup']);
  // The localnet guard kube-proxy adds in iptables mode, which --cleanup leaves.
  for (const tool of ['iptables', 'ip6tables']) {
    for (const args of [['-D', 'INPUT', '-j', 'KUBE-FIREWALL'], ['-D', 'OUTPUT', '-j', 'KUBE-FIREWALL'], ['-F', 'KUBE-FIREWALL'], ['-X', 'KUBE-FIREWALL']]) await runCommand(tool, args);
  }
  await runCommand('ip', ['link', 'del', BRIDGE]);
  for (const f of fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : []) {
    if (f.startsWith('cni-') && !netnsBefore.has(f)) fs.rmSync(path.join('/run/netns', f), { force: true });
  }
  // Empty cgroups (their processes are gone), deepest first.
  for (const controller of fs.existsSync('/sys/fs/cgroup') ? fs.readdirSync('/sys/fs/cgroup') : []) {
    const top = path.join('/sys/fs/cgroup', controller, 'kubepods');
    if (!fs.existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string) => {
      dirs.push(d);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    };
    walk(top);
    for (const d of dirs.reverse()) fs.rmdirSync(d);
  }
}

/** Starts the node and waits until it is Ready with its images loaded. */
export async function startKubeletNode(cp: ControlPlane, spec: HostSpec, opts: KubeletNodeOptions): Promise<KubeletNode> {
  const bins = findNodeBinaries();
  const log = opts.log ?? (() => undefined);
  const deadline = Date.now() + (opts.startTimeoutMs ?? 180_000);
  const name = spec.hostname;
  const address = hostAddress();
  const netnsBefore = new Set(fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : []);
  // The fixture's kernel parameters stay out: the pods' own /proc shows the real kernel's.
  const layout = layoutScript(spec, { idle: opts.idle, sysctls: false });
  const work = layout.work;
  const started: ManagedProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        for (const p of [...started].reverse()) await p.stop(30_000);
        await undoHostChanges(bins.kubeProxy, netnsBefore);
      } finally {
        if (process.env.RKE_HARDEN_KEEP_NODE_DIR !== '1') removeLayout(layout);
      }
    })();
    return stopping;
  };

  try {
    const logDir = path.join(work, 'logs');
    for (const d of ['logs', 'cni', 'ipam', 'kubelet']) fs.mkdirSync(path.join(work, d));
    const [kubeletPort, proxyMetrics, proxyHealthz] = (await freePorts(3)) as [number, number, number];
    const kubeconfigFor = async (component: string, subject: string) => {
      const pair = await issueClientCert(cp.pki, `${component}-${name}`, subject);
      return writeKubeconfig(path.join(work, `${component}.kubeconfig`), { server: cp.server, caFile: cp.pki.ca.cert, certFile: pair.cert, keyFile: pair.key, name: component });
    };
    const [kubeletKubeconfig, schedulerKubeconfig, proxyKubeconfig] = await Promise.all([
      kubeconfigFor('kubelet', `/O=system:nodes/CN=system:node:${name}`),
      kubeconfigFor('kube-scheduler', '/CN=system:kube-scheduler'),
      kubeconfigFor('kube-proxy', '/CN=system:kube-proxy'),
    ]);
    fs.writeFileSync(path.join(work, 'containerd.toml'), containerdConfig(work, bins.cniDir));
    fs.writeFileSync(path.join(work, 'cni', '10-bridge.conflist'), cniConfig(work));
    fs.writeFileSync(path.join(work, 'kubelet.json'), kubeletConfig(cp, work, kubeletPort));
    fs.writeFileSync(path.join(work, 'kube-proxy.json'), kubeProxyConfig(proxyKubeconfig, name, [proxyMetrics, proxyHealthz]));

    // Inside the layout: containerd, then kubelet; the script ends (and with it the namespaces)
    // when either exits.
    const socket = path.join(work, 'containerd.sock');
    const kubeletArgs = [
      `--config=${path.join(work, 'kubelet.json')}`,
      `--kubeconfig=${kubeletKubeconfig}`,
      `--root-dir=${path.join(work, 'kubelet')}`,
      `--hostname-override=${name}`,
      `--node-ip=${address}`,
    ];
    layout.lines.push(
      `containerd --config ${q(path.join(work, 'containerd.toml'))} > "$W/logs/containerd.log" 2>&1 &`,
      `for _ in $(seq 1 300); do [ -S ${q(socket)} ] && break; sleep 0.1; done`,
      `${[bins.kubelet, ...kubeletArgs].map(q).join(' ')} > "$W/logs/kubelet.log" 2>&1 &`,
      'wait -n',
      'echo "containerd or kubelet exited: $?" >&2',
      'exit 1',
    );
    const script = path.join(work, 'node.sh');
    fs.writeFileSync(script, layout.lines.join('\n') + '\n', { mode: 0o755 });
    const node = startProcess(`node-${name}`, 'unshare', [...UNSHARE_ARGS, 'bash', script], { logDir });
    started.push(node);

    const scheduler = startProcess('kube-scheduler', bins.kubeScheduler, [
      `--kubeconfig=${schedulerKubeconfig}`,
      `--authentication-kubeconfig=${schedulerKubeconfig}`,
      `--authorization-kubeconfig=${schedulerKubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
    ], { logDir });
    started.push(scheduler);
    const kubeProxy = startProcess('kube-proxy', bins.kubeProxy, [`--config=${path.join(work, 'kube-proxy.json')}`], { logDir });
    started.push(kubeProxy);
    const watch = [node, scheduler, kubeProxy];

    await waitFor('the node\'s containerd', async () => (fs.existsSync(socket) ? true : undefined), { deadline, watch });
    await buildSandboxImage(opts.idle, work);
    for (const image of [SANDBOX_IMAGE, ...opts.images]) {
      await loadImage(image, socket);
      log(`image ${image} loaded`);
    }
    await waitFor(`node ${name} Ready`, async () => {
      const r = await cp.request('GET', `/api/v1/nodes/${name}`);
      if (r.status !== 200) return undefined;
      const ready = r.json<{ status?: { conditions?: { type: string; status: string }[] } }>().status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' ? true : undefined;
    }, { deadline, watch, intervalMs: 500 });
    if (opts.labels) {
      const r = await cp.request('PATCH', `/api/v1/nodes/${name}`, { metadata: { labels: opts.labels } }, { 'content-type': 'application/merge-patch+json' });
      if (r.status !== 200) throw new Error(`labelling node ${name}: HTTP ${r.status}: ${r.body}`);
    }
    log(`node ${name} Ready`);

    return {
      name,
      logs: () => logTails(logDir),
      exec: (argv, cwd) => {
        const init = namespaceInit(node.pid);
        if (init === undefined) return Promise.resolve({ code: null, stdout: '', stderr: `node ${name} is not running` });
        return runCommand('nsenter', [`--target=${init}`, '--mount', '--pid', '--uts', `--wd=${cwd}`, '--', ...argv], { timeoutMs: 300_000 });
      },
      stop,
    };
  } catch (error) {
    const logs = logTails(path.join(work, 'logs'));
    await stop();
    throw new Error(`node ${name} did not start: ${error instanceof Error ? error.message : String(error)}\n${logs}`);
  }
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why a kubelet node cannot run here (besides layoutUnsupportedReason()), or undefined. */
export function kubeletNodeUnsupportedReason(): string | undefined {
  const needed = [['containerd', 'Debian package containerd'], ['ctr', 'Debian package containerd'], ['runc', 'Debian package runc'], ['nsenter', 'util-linux'], ['iptables', 'Debian package iptables'], ['docker', 'Debian package docker.io']];
  const missing = needed.filter(([cmd]) => !onPath(cmd!));
  return missing.length > 0 ? `not on PATH: ${missing.map(([cmd, from]) => `${cmd} (${from})`).join(', ')}` : undefined;
}
