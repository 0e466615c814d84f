import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditNode, parseRoles } from '../../src/cli/audit-node-command.js';
import { RkeHardenError } from '../../src/errors/rke-harden-error.js';
import { fixtureTrees } from '../support/node-audit.js';

const tree = fixtureTrees();
const usage = (fn: () => unknown, message: RegExp) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RkeHardenError);
    expect((e as RkeHardenError).code).toBe('usage');
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a usage error');
};

describe('distro detection', () => {
  it('RKE2 from its processes; RKE1 from /etc/kubernetes/ssl in component flags', () => {
    expect(auditNode({ hostRoot: tree('rke2-agent') }).snapshot.distro).toBe('rke2');
    expect(auditNode({ hostRoot: tree('rke1-worker-default') }).snapshot.distro).toBe('rke1');
  });

  it('from files when no component runs (processes unreadable)', () => {
    const root = tree('rke1-worker-default', (s) => (s.processes = []));
    fs.rmSync(path.join(root, 'proc'), { recursive: true });
    const { snapshot } = auditNode({ hostRoot: root });
    expect(snapshot.distro).toBe('rke1');
    expect(snapshot.k8sVersion).toBe('v1.28.9-rancher1'); // from the Docker container's image
  });

  it('asks for --distro when the host is neither, or looks like both', () => {
    const root = tree('rke1-worker-default', (s) => {
      s.processes = s.processes.filter((p) => !['kubelet', 'kube-proxy'].includes(p.argv[0]!));
      s.files = { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n', '/etc/group': 'root:x:0:\n' };
    });
    usage(() => auditNode({ hostRoot: root }), /not recognisably an RKE1 or RKE2 node .*: pass --distro rke1\|rke2/);
    const both = tree('rke1-worker-default', (s) => {
      s.processes = [{ pid: 1, argv: ['/sbin/init'] }];
      s.files['/var/lib/rancher/rke2/agent'] = { dir: true };
    });
    usage(() => auditNode({ hostRoot: both }), /both RKE1 .* and RKE2 .* files are present: pass --distro/);
    // --distro settles it.
    expect(auditNode({ hostRoot: both, distro: 'rke1', k8sVersion: 'v1.28.9' }).snapshot.distro).toBe('rke1');
  });

  it('refuses a benchmark of the other distro', () => {
    usage(() => auditNode({ hostRoot: tree('rke1-worker-hardened'), benchmark: 'rke2-cis-1.9' }), /--benchmark rke2-cis-1\.9 is an RKE2 profile but this node runs RKE1/);
  });

  it('refuses a host root that is not a directory', () => {
    usage(() => auditNode({ hostRoot: '/nonexistent/host' }), /--host-root \/nonexistent\/host: no such directory/);
  });
});

describe('Kubernetes version detection', () => {
  it('RKE2: from a static pod image when the kubelet path says nothing', () => {
    const root = tree('rke2-server-default', (s) => {
      for (const p of s.processes) if (p.argv[0]!.endsWith('/bin/kubelet')) p.argv[0] = '/usr/local/bin/kubelet';
    });
    const { snapshot, run } = auditNode({ hostRoot: root });
    expect(snapshot.k8sVersion).toBe('v1.31.4+rke2r1');
    expect(run.targets[0]!.k8sVersionFrom).toMatch(/image index\.docker\.io\/rancher\/hardened-kubernetes:v1\.31\.4-rke2r1-build20250101 in \/var\/lib\/rancher\/rke2\/agent\/pod-manifests\/kube-apiserver\.yaml/);
  });

  it('RKE2: from the data directory last; several releases → the newest, with a warning', () => {
    const root = tree('rke2-agent', (s) => {
      for (const p of s.processes) if (p.argv[0]!.endsWith('/bin/kubelet')) p.argv[0] = 'kubelet';
      s.files['/var/lib/rancher/rke2/agent/pod-manifests/kube-proxy.yaml'] = 'apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n';
      s.files['/var/lib/rancher/rke2/data/v1.32.9-rke2r1-0000'] = { dir: true };
    });
    const { snapshot, run } = auditNode({ hostRoot: root });
    expect(snapshot.k8sVersion).toBe('v1.32.10+rke2r1');
    expect(run.warnings.join()).toMatch(/several RKE2 releases under \/var\/lib\/rancher\/rke2\/data \(v1\.32\.9-rke2r1-0000, v1\.32\.10-rke2r1-3c7f4c2fd5f0\)/);
  });

  it('unknown: --k8s-version or --benchmark is required', () => {
    const root = tree('rke1-worker-default', (s) => {
      for (const p of Object.keys(s.files)) if (p.startsWith('/var/lib/docker')) delete s.files[p];
    });
    usage(() => auditNode({ hostRoot: root }), /cannot tell the node's Kubernetes version .*: pass --k8s-version or --benchmark/);
    expect(auditNode({ hostRoot: root, benchmark: 'rke-cis-1.7' }).run.benchmark.id).toBe('rke-cis-1.7-hardened');
    expect(auditNode({ hostRoot: root, k8sVersion: 'v1.25.16' }).run.benchmark.id).toBe('rke-cis-1.7-hardened');
    expect(() => auditNode({ hostRoot: root, k8sVersion: 'latest' })).toThrow(/--k8s-version: "latest" is not a Kubernetes version/);
  });
});

describe('roles', () => {
  it('--role restricts the audit to the roles given; components outside them are N/A with the reason', () => {
    const { snapshot, run } = auditNode({ hostRoot: tree('rke2-server-hardened'), role: 'controlplane' });
    expect(snapshot.absent).toEqual({ etcd: 'no etcd audited on this node: --role controlplane, worker' });
    expect(run.warnings.join()).toMatch(/etcd runs on this node \(pid 1400\) but --role controlplane leaves it out/);
    expect(run.results.find((r) => r.controlId === '4.2.1')?.status).toBe('pass'); // kubelet runs on every role
  });

  it('--role naming a component that does not run makes its controls errors', () => {
    const { run } = auditNode({ hostRoot: tree('rke2-agent'), role: ['etcd', 'worker'] });
    const r = run.results.find((x) => x.controlId === '2.1')!;
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/--role etcd,worker says etcd runs here but there is no etcd process in/);
  });

  it('parses comma lists and repeated values; rejects unknown roles', () => {
    expect(parseRoles('etcd,controlplane')).toEqual(['etcd', 'controlplane']);
    expect(parseRoles(['etcd', 'worker,etcd'])).toEqual(['etcd', 'worker']);
    expect(parseRoles(undefined)).toBeUndefined();
    usage(() => parseRoles('master'), /--role master: unknown role \(one or more of etcd, controlplane, worker\)/);
  });

  it('two processes of one component: the oldest is audited, with a warning', () => {
    const root = tree('rke2-server-default', (s) => {
      const api = s.processes.find((p) => p.argv[0] === 'kube-apiserver')!;
      s.processes.push({ pid: 9999, argv: ['kube-apiserver', '--anonymous-auth=true'] });
      api.pid = 1500;
    });
    const { run, snapshot } = auditNode({ hostRoot: root });
    expect(run.warnings.join()).toMatch(/2 kube-apiserver processes \(pids 1500, 9999\): auditing pid 1500, the oldest/);
    expect(snapshot.facts['kube-apiserver.args.anonymous-auth']?.value).toBe('false');
  });

  it('a component process in a network namespace of its own (a virtual cluster\'s pod) is not this node\'s', () => {
    const HOST_NET = 4026531840;
    const root = tree('rke2-agent', (s) => {
      for (const p of s.processes) p.netNs = HOST_NET;
      s.processes.push({ pid: 8100, argv: ['/binaries/kube-apiserver', '--anonymous-auth=true', '--etcd-servers=http://127.0.0.1:2379'], netNs: 4026533001 });
      s.processes.push({ pid: 8101, argv: ['/binaries/kube-controller-manager', '--profiling=true'], netNs: 4026533001 });
    });
    const { run, snapshot } = auditNode({ hostRoot: root });
    expect(run.warnings).toContainEqual('kube-apiserver (pid 8100), kube-controller-manager (pid 8101): not on the host\'s network (a pod\'s, such as a virtual cluster\'s): not this node\'s, left out');
    expect(snapshot.facts['kube-apiserver.args.anonymous-auth']).toBeUndefined();
    expect(run.results.find((r) => r.controlId === '1.2.1')?.status).toBe('notApplicable'); // a worker: no API server here
    // The same process on the host's network is audited (as before: nothing tells it apart then).
    const onHost = tree('rke2-agent', (s) => s.processes.push({ pid: 8100, argv: ['/binaries/kube-apiserver', '--anonymous-auth=true'] }));
    expect(auditNode({ hostRoot: onHost }).snapshot.facts['kube-apiserver.args.anonymous-auth']?.value).toBe('true');
  });

  it('RKE1: warns when the etcd user and group ids differ (RKE runs etcd as uid:uid)', () => {
    const root = tree('rke1-etcd-controlplane-hardened', (s) => {
      s.files['/etc/group'] = String((s.files['/etc/group'] as { content: string }).content).replace('etcd:x:52034:', 'etcd:x:52035:');
    });
    const { run } = auditNode({ hostRoot: root });
    expect(run.warnings.join()).toMatch(/etcd user uid 52034 differs from etcd group gid 52035: RKE runs etcd as 52034:52034/);
  });
});

describe('RKE2 data-dir', () => {
  /** The fixture with RKE2's data directory moved to `to`: every path in files, links and argv. */
  const moved = (to: string, tellWith: 'config' | 'flag' | 'env' | 'nothing') => (s: Parameters<Parameters<typeof tree>[1] & object>[0]) => {
    const from = '/var/lib/rancher/rke2';
    const swap = (t: string) => t.split(from).join(to);
    s.files = Object.fromEntries(Object.entries(s.files).map(([p, f]) => [swap(p), typeof f === 'string' ? swap(f) : { ...f, ...(f.content !== undefined ? { content: swap(f.content) } : {}), ...(f.symlink ? { symlink: swap(f.symlink) } : {}) }]));
    s.processes = s.processes.map((p) => ({ ...p, argv: p.argv.map(swap) }));
    const config = s.files['/etc/rancher/rke2/config.yaml'];
    if (tellWith === 'config' && config && typeof config !== 'string') config.content = `${config.content}\ndata-dir: ${to}\n`;
    if (tellWith === 'flag') s.processes = s.processes.map((p) => (/(^|\/)rke2$/.test(p.argv[0]!) ? { ...p, argv: [...p.argv, '--data-dir', to] } : p));
    if (tellWith === 'env') s.processes = s.processes.map((p) => (/(^|\/)rke2$/.test(p.argv[0]!) ? { ...p, env: { RKE2_DATA_DIR: to } } : p));
  };
  const verdicts = (root: string) => Object.fromEntries(auditNode({ hostRoot: root }).run.results.map((r) => [r.controlId, r.status]));

  it('a server whose data-dir moved is audited where RKE2 keeps its files: the same verdicts as at the default place', () => {
    const base = verdicts(tree('rke2-server-hardened'));
    for (const how of ['config', 'flag', 'env', 'nothing'] as const) {
      const root = tree('rke2-server-hardened', moved('/opt/rke2', how));
      const { snapshot } = auditNode({ hostRoot: root });
      expect(snapshot.warnings.join('\n'), how).toMatch(/RKE2 data directory \/opt\/rke2 \(from /);
      expect(verdicts(root), how).toEqual(base);
    }
  });

  it('a crash-looping kube-apiserver under a moved data-dir is an error (configured, no process), not notApplicable', () => {
    const root = tree('rke2-server-hardened', (s) => {
      moved('/opt/rke2', 'config')(s);
      s.processes = s.processes.filter((p) => p.argv[0] !== 'kube-apiserver' && !p.argv[0]!.endsWith('/kube-apiserver'));
    });
    const r = auditNode({ hostRoot: root }).run.results.find((x) => x.controlId === '1.2.1')!;
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/configured on this node \(\/opt\/rke2\/agent\/pod-manifests\/kube-apiserver\.yaml\)/);
  });
});

describe('RKE1 prefix_path', () => {
  it('a node with prefix_path /opt/rke (files under the prefix, container paths in the flags) gets the verdicts of the default layout', () => {
    const verdicts = (root: string) => Object.fromEntries(auditNode({ hostRoot: root }).run.results.map((r) => [r.controlId, r.status]));
    for (const fixture of ['rke1-etcd-controlplane-hardened', 'rke1-worker-hardened'] as const) {
      const base = verdicts(tree(fixture));
      const root = tree(fixture, (s) => {
        const moved = ['/etc/kubernetes', '/var/lib/etcd', '/var/lib/kubelet', '/var/lib/cni'];
        s.files = Object.fromEntries(Object.entries(s.files).map(([p, f]) => [moved.some((d) => p === d || p.startsWith(`${d}/`)) ? `/opt/rke${p}` : p, f]));
        s.processes = s.processes.map((p) => ({ ...p, argv: p.argv.map((a) => (a.startsWith('--root-dir=') ? '--root-dir=/opt/rke/var/lib/kubelet' : a)) }));
      });
      const { snapshot } = auditNode({ hostRoot: root });
      expect(snapshot.warnings.join('\n'), fixture).toMatch(/RKE1 prefix_path \/opt\/rke \(from the kubelet's --root-dir\)/);
      expect(verdicts(root), fixture).toEqual(base);
    }
  });
});
