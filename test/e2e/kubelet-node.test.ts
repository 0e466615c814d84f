// The Helm chart on a real node: kubelet and containerd run the chart's pods, installed by a real
// helm, on a node laid out as Rancher's hardened RKE2 server, then as a hardened RKE1 etcd and
// control-plane node (test/support/kubelet-node.ts), with the chart's values for each distro.
//   - The node agent's DaemonSet pod starts with the chart's security context (hostPID, read-only
//     host mounts, every capability dropped but DAC_READ_SEARCH, read-only root, RuntimeDefault
//     seccomp) and publishes its node's snapshot with its own service-account token.
//   - The verdicts the aggregator pod derives from that snapshot are those of `rke-harden audit node`
//     run on the node itself: the chart mounts everything the node audit reads.
//   - The aggregator pod serves /metrics on its pod address.
//
// Needs root, Docker with the image ($RKE_HARDEN_IMAGE, scripts/ci-image.sh), containerd and runc
// (Debian's, which docker.io brings), helm, the control plane's and node's binaries
// (scripts/build-controlplane.sh) and the idle program (scripts/build-kube-bench.sh). Skipped with the
// reason when one is missing, unless RKE_HARDEN_IMAGE_TEST=required (CI): then it fails.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/agent/prom-text.js';
import { configMapToEnvelope } from '../../src/agent/snapshot-envelope.js';
import type { ScanRun } from '../../src/model/result.js';
import { HOST_FIXTURES, type HostFixtureName } from '../fixtures/hosts/index.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { findControlPlaneBinaries, findNodeBinaries } from '../support/controlplane-bin.js';
import { findHelm } from '../support/helm.js';
import { findKubeBench } from '../support/kube-bench.js';
import { hostAddress, kubeletNodeUnsupportedReason, NODE_CONTROLLERS, nodeApiServerArgs, startKubeletNode, type KubeletNode } from '../support/kubelet-node.js';
import { HERMETIC_DIRS, layoutUnsupportedReason } from '../support/namespace-layout.js';
import { runCommand } from '../support/run-command.js';
import { waitFor } from '../support/wait.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const CHART = path.join(REPO, 'deploy/helm/rke-harden');
const NS = 'rke-harden';
const IMAGE = process.env.RKE_HARDEN_IMAGE;
const IMAGE_REPO = 'rke-harden.invalid/rke-harden';
const IMAGE_TAG = 'e2e';

interface NodeCase {
  fixture: HostFixtureName;
  /** The chart's values for the node's distro. */
  values: string[];
  /** The Node labels RKE sets (they select the RKE1 etcd DaemonSet). */
  labels?: Record<string, string>;
  /** The node agent pod's component label on this node. */
  agent: string;
  benchmark: string;
  /** The version the agent reads on the node (undefined: it cannot, and the aggregator asks the API server). */
  k8sVersion: string | undefined;
}
const CASES: NodeCase[] = [
  { fixture: 'rke2-server-hardened', values: [], agent: 'node-agent', benchmark: 'rke2-cis-1.12', k8sVersion: 'v1.32.10+rke2r1' },
  {
    fixture: 'rke1-etcd-controlplane-hardened',
    // The chart's default: /var/lib/docker/containers not mounted, so the agent cannot read the
    // component images' version (values.yaml: node.rke1DockerContainers).
    values: ['distro=rke1'],
    labels: { 'node-role.kubernetes.io/etcd': 'true', 'node-role.kubernetes.io/controlplane': 'true' },
    agent: 'node-agent-etcd',
    benchmark: 'rke-cis-1.8-hardened',
    k8sVersion: undefined,
  },
];
const required = process.env.RKE_HARDEN_IMAGE_TEST === 'required';

const exec = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => runCommand(cmd, args, { cwd: REPO, env, timeoutMs: 300_000 });

/** What the node may change on the host while it runs, and must leave as it was. */
function hostState(): Record<string, unknown> {
  const mtimes = Object.fromEntries([...HERMETIC_DIRS, '/etc/passwd', '/var/lib/cni'].map((d) => [d, fs.existsSync(d) ? fs.statSync(d).mtimeMs : -1]));
  const chains = (tool: string) => (spawnSync(tool, [], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.startsWith(':KUBE-') || l.startsWith(':CNI-')).sort();
  return {
    mtimes,
    chains: [...chains('iptables-save'), ...chains('ip6tables-save')],
    links: fs.readdirSync('/sys/class/net').sort(),
    cgroups: fs.readdirSync('/sys/fs/cgroup').filter((c) => fs.existsSync(path.join('/sys/fs/cgroup', c, 'kubepods'))),
  };
}

function prerequisites(): { helm: string; idle: string } | string {
  const why = layoutUnsupportedReason() ?? kubeletNodeUnsupportedReason();
  if (why) return why;
  if (!IMAGE) return 'RKE_HARDEN_IMAGE is not set (scripts/ci-image.sh builds the image and sets it)';
  const helm = findHelm();
  if (!helm) return 'no helm: RKE_HARDEN_HELM or bash scripts/build-helm.sh';
  try {
    findControlPlaneBinaries();
    findNodeBinaries();
    return { helm, idle: findKubeBench().idle };
  } catch (e) {
    return (e as Error).message;
  }
}
const found = prerequisites();
if (typeof found === 'string' && required) throw new Error(`kubelet node test required (RKE_HARDEN_IMAGE_TEST=required) but cannot run: ${found}`);
if (typeof found === 'string') console.warn(`kubelet node test skipped: ${found}`);

describe.skipIf(typeof found === 'string').each(CASES)('the chart on a real kubelet: $fixture', (c) => {
  const { helm, idle } = found as { helm: string; idle: string };
  let cp: ControlPlane;
  let node: KubeletNode;
  let helmEnv: NodeJS.ProcessEnv;
  let hostBefore: Record<string, unknown>;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API objects, read by field in assertions
  async function get(p: string): Promise<any> {
    const r = await cp.request('GET', p);
    if (r.status >= 300) throw new Error(`GET ${p}: HTTP ${r.status}: ${r.body}`);
    return r.json();
  }

  /** The one pod of a chart component, once Running. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API object
  function runningPod(component: string): Promise<any> {
    return waitFor(`the ${component} pod Running`, async () => {
      const pods = await get(`/api/v1/namespaces/${NS}/pods?labelSelector=app.kubernetes.io/component%3D${component}`);
      const pod = pods.items[0];
      const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting?.reason && /Err|BackOff|Invalid/.test(waiting.reason)) throw new Error(`${component} pod: ${waiting.reason}: ${waiting.message}\n${node.logs()}`);
      return pod?.status?.phase === 'Running' ? pod : undefined;
    }, { deadline: Date.now() + 120_000, intervalMs: 500 });
  }

  const helmRun = async (args: string[]) => {
    const r = await exec(helm, [...args, '--kubeconfig', cp.kubeconfigPath, '--namespace', NS], helmEnv);
    if (r.code !== 0) throw new Error(`helm ${args[0]}: ${r.stderr}`);
  };

  beforeAll(async () => {
    const tagged = `${IMAGE_REPO}:${IMAGE_TAG}`;
    const tag = await exec('docker', ['tag', IMAGE!, tagged]);
    if (tag.code !== 0) throw new Error(`docker tag: ${tag.stderr}`);
    hostBefore = hostState();
    // Chains or kubepods cgroups before the node starts are another kubelet's (or an interrupted earlier
    // run's): the last test could not tell ours from them. Say what is there instead of a long diff.
    const leftovers = [...(hostBefore.chains as string[]).map((l) => l.slice(1).split(' ')[0]), ...(hostBefore.cgroups as string[]).map((c) => `/sys/fs/cgroup/${c}/kubepods`)];
    if (leftovers.length > 0) {
      throw new Error(`this host already has a kubelet's iptables chains or cgroups (another kubelet, or an interrupted earlier run of this test): ${leftovers.slice(0, 8).join(', ')}${leftovers.length > 8 ? ', …' : ''}; stop that kubelet or remove them (iptables -F/-X the chains, rmdir the cgroups) and run again`);
    }
    cp = await startControlPlane({ extraApiServerArgs: nodeApiServerArgs(hostAddress()), extraControllerManagerArgs: NODE_CONTROLLERS });
    node = await startKubeletNode(cp, HOST_FIXTURES[c.fixture](), { idle, images: [tagged], ...(c.labels ? { labels: c.labels } : {}) });
    helmEnv = { ...process.env, HELM_CACHE_HOME: path.join(cp.dir, 'helm-cache'), HELM_CONFIG_HOME: path.join(cp.dir, 'helm-config'), HELM_DATA_HOME: path.join(cp.dir, 'helm-data') };
    // Nodes first: the aggregator comes once the node agent has published (its first scan must see it).
    await helmRun(['install', 'rke-harden', CHART, '--create-namespace',
      '--set', `image.repository=${IMAGE_REPO}`, '--set', `image.tag=${IMAGE_TAG}`, '--set', 'image.pullPolicy=Never',
      '--set', 'aggregator.enabled=false', ...c.values.flatMap((v) => ['--set', v])]);
  }, 420_000);

  afterAll(async () => {
    // The last test stops the node; this is for a run that failed before it.
    await node?.stop();
    await cp?.stop();
  }, 180_000);

  let agentPodName = '';

  it('the node agent pod runs with the chart\'s security context and publishes its node\'s snapshot', async () => {
    const pod = await runningPod(c.agent);
    agentPodName = pod.metadata.name;
    expect(pod.spec.nodeName).toBe(node.name);
    expect(pod.spec.hostPID).toBe(true);
    const container = pod.spec.containers[0];
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH'] } });
    expect(container.volumeMounts.filter((m: { mountPath: string }) => m.mountPath.startsWith('/host')).every((m: { readOnly: boolean }) => m.readOnly)).toBe(true);

    const cm = await waitFor('the node snapshot ConfigMap', async () => {
      const r = await cp.request('GET', `/api/v1/namespaces/${NS}/configmaps/rke-harden-snapshot-${node.name}`);
      return r.status === 200 ? r.json<Parameters<typeof configMapToEnvelope>[0]>() : undefined;
    }, { deadline: Date.now() + 120_000, intervalMs: 1000 });
    const envelope = configMapToEnvelope(cm);
    expect(envelope.status, envelope.error).toBe('ok');
    expect(envelope.node).toBe(node.name);
    expect(envelope.snapshot!.distro).toBe(c.fixture.startsWith('rke1') ? 'rke1' : 'rke2');
    // It saw the node's processes (hostPID) and files (the fixture, through the read-only mounts).
    expect(envelope.snapshot!.k8sVersion).toBe(c.k8sVersion);
    const pods = await get(`/api/v1/namespaces/${NS}/pods/${agentPodName}`);
    expect(pods.status.containerStatuses[0].restartCount).toBe(0);
  }, 180_000);

  let run: ScanRun;

  it('the aggregator pod\'s verdicts for the node are those of `audit node` on the node itself', async () => {
    await helmRun(['upgrade', 'rke-harden', CHART, '--reuse-values',
      '--set', 'aggregator.enabled=true', '--set', 'aggregator.initialDelay=1s', '--set', `aggregator.benchmark=${c.benchmark}`]);
    await runningPod('aggregator');
    const stored = await waitFor('a stored scan run', async () => {
      const list = await get(`/api/v1/namespaces/${NS}/configmaps?labelSelector=app.kubernetes.io/component%3Dscan-run`);
      return list.items.length > 0 ? true : undefined;
    }, { deadline: Date.now() + 120_000, intervalMs: 1000 });
    expect(stored).toBe(true);
    const latest = await exec(process.execPath, ['--import', 'tsx', 'src/agent/entry.ts', 'agent', 'scans', '--show', 'latest', '--kubeconfig', cp.kubeconfigPath, '--namespace', NS]);
    expect(latest.code, latest.stderr).toBe(0);
    run = JSON.parse(latest.stdout) as ScanRun;

    const onNode = await node.exec([process.execPath, '--import', 'tsx', 'src/agent/entry.ts', 'audit', 'node', '--format', 'json', '--benchmark', c.benchmark], REPO);
    expect([0, 1], onNode.stderr).toContain(onNode.code);
    const direct = JSON.parse(onNode.stdout) as ScanRun;

    const verdicts = (results: ScanRun['results']) => Object.fromEntries(results.map((r) => [r.controlId, r.status]));
    const fromPod = verdicts(run.results.filter((r) => r.target === node.name));
    expect(Object.keys(fromPod).length).toBeGreaterThan(50);
    expect(fromPod).toEqual(verdicts(direct.results));
    // Nothing the pod could not read.
    expect(run.results.filter((r) => r.target === node.name && r.status === 'error')).toEqual([]);
  }, 300_000);

  it('the aggregator pod serves /metrics on its pod address, with the node\'s controls', async () => {
    const pod = await runningPod('aggregator');
    const res = await fetch(`http://${pod.status.podIP}:9090/metrics`);
    expect(res.status).toBe(200);
    const m = parseExposition(await res.text());
    expect(Object.fromEntries(m.get('rke_harden_node_snapshot_present')!.samples.map((s) => [s.labels.node, s.value]))).toEqual({ [node.name]: 1 });
    const nodeControls = m.get('rke_harden_control_status')!.samples.filter((s) => s.labels.node === node.name);
    expect(nodeControls.length).toBe(run.results.filter((r) => r.target === node.name).length);
  }, 120_000);

  it('stopping the node leaves the host as it was (network links, iptables chains, cgroups, directories)', async () => {
    await helmRun(['uninstall', 'rke-harden', '--wait', '--timeout', '60s']);
    await waitFor('pods gone', async () => ((await get(`/api/v1/namespaces/${NS}/pods`)).items.length === 0 ? true : undefined), { deadline: Date.now() + 60_000 });
    await node.stop();
    expect(hostState()).toEqual(hostBefore);
  }, 180_000);
});
