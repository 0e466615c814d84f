// Every control of every node fixture (issue 4): the fixtures are real directory trees with real
// modes and owners, used as --host-root. The expected verdicts were derived from what each fixture
// contains and what each check asserts (not copied from the tool's output); surprising ones say why.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditNode } from '../../src/cli/audit-node-command.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { ScanRun } from '../../src/model/result.js';
import { renderText } from '../../src/reporters/text.js';
import type { FactSnapshot } from '../../src/model/fact.js';
import type { Status } from '../../src/model/status.js';
import { HOST_FIXTURES, type HostFixtureName } from '../fixtures/hosts/index.js';
import { SECRET_MARKER, TOKEN_MARKER } from '../fixtures/hosts/common.js';
import { buildHostTree, isRoot, removeHostTree } from '../support/host-fixtures.js';

const range = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

type Table = Partial<Record<Status, string[]>>;

/**
 * Section 5 is decided by `audit cluster` (or by nobody): manual on a node, except the profile's N/A
 * and 5.5.1 (ImagePolicyWebhook, an API server flag: listed per fixture).
 */
const POLICIES_RKE2_111 = [...range('5.1.', 1, 13), ...range('5.2.', 1, 13), '5.3.1', '5.3.2', '5.4.1', '5.4.2', ...range('5.6.', 1, 4)];
const POLICIES_RKE2_112 = [...range('5.1.', 1, 13), ...range('5.2.', 1, 12), '5.3.1', '5.3.2', '5.4.1', '5.4.2', ...range('5.6.', 1, 4)];
const POLICIES_RKE1_HARDENED = { manual: [...range('5.1.', 1, 13), ...range('5.2.', 1, 13), '5.3.1', '5.3.2', '5.4.1', '5.4.2', '5.7.1', '5.7.2', '5.7.3'], notApplicable: ['5.7.4'] };
const POLICIES_RKE1_PERMISSIVE = {
  manual: [...range('5.1.', 1, 4), ...range('5.1.', 6, 13), '5.2.1', '5.2.2', ...range('5.2.', 6, 13), '5.3.1', '5.4.1', '5.4.2', '5.7.1', '5.7.2', '5.7.3'],
  notApplicable: ['5.1.5', '5.2.3', '5.2.4', '5.2.5', '5.3.2', '5.7.4'],
};
/** Section 3.1 and 3.2.2 have no check: manual everywhere. */
const NO_CHECK_3 = ['3.1.1', '3.1.2', '3.1.3', '3.2.2'];

/** Controls of the API server, controller manager and scheduler (sections 1.2–1.4) of rke2-cis-1.11/1.12. */
const RKE2_API = range('1.2.', 1, 30);
const RKE2_CM = range('1.3.', 1, 7);
const RKE2_SCHED = ['1.4.1', '1.4.2'];
const ETCD_2 = range('2.', 1, 7);
/** rke2 profiles: the kubelet service file controls are N/A by the profile; 4.2.7 too (hostname-override). */
const RKE2_PROFILE_NA = ['4.1.1', '4.1.2', '4.2.7'];
/** Kubelet config file (4.1.9/4.1.10): RKE2 v1.32+ writes agent/etc/kubelet.conf.d; before, there is none (N/A). */
const RKE2_KUBELET_CONFIG = ['4.1.9', '4.1.10'];

const EXPECTED: Record<HostFixtureName, { benchmark: string; options?: { benchmark?: string }; table: Table }> = {
  'rke2-server-default': {
    benchmark: 'rke2-cis-1.11',
    table: {
      pass: [
        '0.2', // vm.panic_on_oom is 0 by default already
        '1.1.2', '1.1.4', '1.1.6', '1.1.8', '1.1.10', '1.1.11', ...range('1.1.', 13, 21),
        '1.2.1', '1.2.2', ...range('1.2.', 4, 8), '1.2.10', ...range('1.2.', 12, 15),
        // request-timeout unset: the built-in 60 s is not zero.
        '1.2.20',
        ...range('1.2.', 21, 28),
        // k3s gives the API server a cipher list of its own (all in the CIS list).
        '1.2.29',
        ...RKE2_CM, ...RKE2_SCHED,
        // 2.7: etcd trusts tls/etcd/server-ca.crt, not the API server's client CA.
        ...ETCD_2,
        ...range('4.1.', 3, 8), ...range('4.2.', 1, 6),
        // event-qps unset: the default (50) keeps events.
        '4.2.8', '4.2.9',
        // rotate-certificates unset: "not set to false" (the check accepts the absent flag).
        '4.2.10', '4.2.11', '4.3.1',
      ],
      fail: [
        '0.1', '0.3', '0.4', // stock kernel parameters
        // No etcd user/group: RKE2 only requires them with profile cis.
        '0.5', '0.6',
        // Without a profile RKE2 writes pod manifests 0644; the etcd one too (1.1.7 unscored).
        '1.1.1', '1.1.3', '1.1.5', '1.1.7',
        '1.1.9', // 10-canal.conflist 0644
        '1.1.12', // etcd data dir root:root without profile cis
        '1.2.3', '1.2.9', '1.2.11', // admission plugins nobody enables by default
        ...range('1.2.', 16, 19), // no audit log without profile or audit-policy-file
        '1.2.30', // only profile cis (or the operator) sets it
        '3.2.1',
        '4.2.12', '4.2.13', '4.2.14', // kubelet: no cipher list, no pid limit, no seccomp default
        '5.5.1', // no ImagePolicyWebhook (unscored)
        '0.7', // config.yaml on the node sets no profile
      ],
      manual: [...NO_CHECK_3, ...POLICIES_RKE2_111],
      notApplicable: [...RKE2_PROFILE_NA, ...RKE2_KUBELET_CONFIG],
    },
  },
  'rke2-server-hardened': {
    benchmark: 'rke2-cis-1.12',
    table: {
      pass: [
        ...range('0.', 1, 6), ...range('1.1.', 1, 21),
        '1.2.1', '1.2.2', ...range('1.2.', 4, 8), '1.2.10', ...range('1.2.', 12, 30),
        ...RKE2_CM, ...RKE2_SCHED, ...ETCD_2, '3.2.1',
        ...range('4.1.', 3, 8), ...range('4.2.', 1, 6), ...range('4.2.', 8, 11),
        // 50-operator.conf (a later drop-in) sets podPidsLimit and seccompDefault.
        '4.2.13', '4.2.14', '4.3.1',
        ...RKE2_KUBELET_CONFIG,
        '0.7', // profile: cis in /etc/rancher/rke2/config.yaml
      ],
      fail: [
        // Not part of profile cis (unscored in the profile).
        '1.2.3', '1.2.9', '1.2.11',
        '4.2.12', '5.5.1',
      ],
      manual: [...NO_CHECK_3, ...POLICIES_RKE2_112],
      notApplicable: RKE2_PROFILE_NA,
    },
  },
  'rke2-controlplane-only': {
    benchmark: 'rke2-cis-1.12',
    table: {
      pass: [
        ...range('0.', 1, 4), ...range('1.1.', 1, 6), '1.1.9', '1.1.10', ...range('1.1.', 13, 21),
        '1.2.1', '1.2.2', ...range('1.2.', 4, 8), '1.2.10', ...range('1.2.', 12, 30),
        ...RKE2_CM, ...RKE2_SCHED, '3.2.1',
        ...range('4.1.', 3, 8), ...range('4.2.', 1, 6), ...range('4.2.', 8, 11), '4.2.13', '4.2.14', '4.3.1',
        ...RKE2_KUBELET_CONFIG, '0.7',
      ],
      fail: ['1.2.3', '1.2.9', '1.2.11', '4.2.12', '5.5.1'],
      manual: [...NO_CHECK_3, ...POLICIES_RKE2_112],
      // No etcd here: every etcd control is N/A, never a FAIL (kube-bench #1978). 0.5/0.6 (etcd user and
      // group) belong to etcd's checks too, so they are N/A although profile cis created the user.
      notApplicable: [...RKE2_PROFILE_NA, '0.5', '0.6', '1.1.7', '1.1.8', '1.1.11', '1.1.12', ...ETCD_2],
    },
  },
  'rke2-agent': {
    benchmark: 'rke2-cis-1.12',
    table: {
      pass: [...range('0.', 1, 4), '1.1.9', '1.1.10', ...range('4.1.', 3, 8), ...range('4.2.', 1, 6), ...range('4.2.', 8, 11), '4.2.13', '4.2.14', '4.3.1', ...RKE2_KUBELET_CONFIG, '0.7'],
      fail: ['4.2.12'],
      manual: [...NO_CHECK_3, ...POLICIES_RKE2_112],
      // Every control-plane and etcd control; the PKI and admin kubeconfig checks are the API server's.
      notApplicable: [...RKE2_PROFILE_NA, '0.5', '0.6', ...range('1.1.', 1, 8), ...range('1.1.', 11, 21), ...RKE2_API, ...RKE2_CM, ...RKE2_SCHED, ...ETCD_2, '3.2.1', '5.5.1'],
    },
  },
  'rke1-etcd-controlplane-default': {
    benchmark: 'rke-cis-1.8-hardened',
    table: {
      pass: [
        '0.2', '1.1.10', '1.1.11', '1.1.19', '1.1.20', '1.1.21',
        '1.2.1', '1.2.2', '1.2.4', '1.2.6', '1.2.7', '1.2.8', '1.2.10', ...range('1.2.', 13, 27),
        '1.2.30', // KDM's six ECDHE suites
        '1.3.1', '1.3.2', '1.3.3', '1.3.4', '1.3.5', '1.4.1',
        ...range('2.', 1, 6), '3.2.1',
        ...range('4.1.', 3, 8), ...range('4.2.', 1, 6),
        '4.2.8', // RKE sets event-qps=0 (no limit): every event is kept
        '4.2.10', '4.2.12',
      ],
      fail: [
        '0.1', '0.3', '0.4', '0.5', '0.6',
        '1.1.9', '1.1.12',
        '1.2.3', '1.2.9', '1.2.11', '1.2.12', '1.2.28', '1.2.29',
        // RKE never sets bind-address on kube-controller-manager or kube-scheduler (upstream 0.0.0.0).
        '1.3.7', '1.4.2',
        // etcd trusts kube-ca.pem, the CA the API server also trusts for clients: RKE shares one CA.
        '2.7',
        '4.2.9', // no kubelet.generate_serving_certificate
        '4.2.13', '5.5.1',
      ],
      manual: ['0.7', '0.8', ...NO_CHECK_3, ...POLICIES_RKE1_HARDENED.manual],
      // 1.1.1–1.1.8: RKE1 has no pod spec files (the profile's N/A; the collector reports exists=false).
      notApplicable: [...range('1.1.', 1, 8), ...range('1.1.', 13, 18), '1.2.5', '1.3.6', '4.1.1', '4.1.2', '4.1.9', '4.1.10', '4.2.7', '4.2.11', ...POLICIES_RKE1_HARDENED.notApplicable],
    },
  },
  'rke1-worker-default': {
    benchmark: 'rke-cis-1.8-permissive',
    options: { benchmark: 'rke-cis-1.8-permissive' },
    table: {
      pass: ['0.2', '1.1.10', ...range('4.1.', 3, 8), ...range('4.2.', 1, 6), '4.2.8', '4.2.10', '4.2.12'],
      fail: ['0.1', '0.3', '0.4', '1.1.9', '4.2.13'],
      manual: ['0.7', '0.8', ...NO_CHECK_3, ...POLICIES_RKE1_PERMISSIVE.manual],
      notApplicable: [
        // No etcd, no control plane on a worker.
        '0.5', '0.6', '1.1.11', '1.1.19', '1.1.20', '1.1.21',
        ...range('1.2.', 1, 4), ...range('1.2.', 6, 11), ...range('1.2.', 13, 27), '1.2.30',
        '1.3.1', '1.3.2', '1.3.3', '1.3.4', '1.3.5', '1.3.7', '1.4.1', '1.4.2', ...range('2.', 1, 7), '3.2.1', '5.5.1',
        // The profile's own N/A.
        ...range('1.1.', 1, 8), '1.1.12', ...range('1.1.', 13, 18), '1.2.5', '1.2.12', '1.2.28', '1.2.29', '1.3.6',
        '4.1.1', '4.1.2', '4.1.9', '4.1.10', '4.2.7', '4.2.9', '4.2.11', ...POLICIES_RKE1_PERMISSIVE.notApplicable,
      ],
    },
  },
  'rke1-etcd-controlplane-hardened': {
    benchmark: 'rke-cis-1.8-hardened',
    table: {
      pass: [
        ...range('0.', 1, 6), '1.1.9', '1.1.10', '1.1.11', '1.1.12',
        // kube-etcd-*.pem belong to etcd (uid 52034) on purpose: left out of the ownership check.
        '1.1.19', '1.1.21',
        '1.2.1', '1.2.2', '1.2.4', ...range('1.2.', 6, 10), ...range('1.2.', 12, 30),
        '1.3.1', '1.3.2', '1.3.3', '1.3.4', '1.3.5', '1.4.1',
        ...range('2.', 1, 6), '3.2.1',
        '4.1.3', '4.1.4', '4.1.5', '4.1.6', '4.1.8', ...range('4.2.', 1, 6), '4.2.8', '4.2.9', '4.2.10', '4.2.12',
      ],
      fail: [
        // With services.etcd uid/gid RKE makes kube-ca.pem 0644 so etcd can read it: the certificate set
        // (1.1.20, unscored) and the kubelet CA file (4.1.7) are then wider than 600. Reported.
        '1.1.20', '4.1.7',
        '1.2.3', '1.2.11', '5.5.1', // Rancher's template does not enable them
        '1.3.7', '1.4.2', // nor set bind-address
        '2.7', '4.2.13',
      ],
      manual: ['0.7', '0.8', ...NO_CHECK_3, ...POLICIES_RKE1_HARDENED.manual],
      notApplicable: [...range('1.1.', 1, 8), ...range('1.1.', 13, 18), '1.2.5', '1.3.6', '4.1.1', '4.1.2', '4.1.9', '4.1.10', '4.2.7', '4.2.11', ...POLICIES_RKE1_HARDENED.notApplicable],
    },
  },
  'rke1-worker-hardened': {
    benchmark: 'rke-cis-1.8-hardened',
    table: {
      pass: [...range('0.', 1, 4), '1.1.9', '1.1.10', '4.1.3', '4.1.4', '4.1.5', '4.1.6', '4.1.8', ...range('4.2.', 1, 6), '4.2.8', '4.2.9', '4.2.10', '4.2.12'],
      fail: ['4.1.7', '4.2.13'], // kube-ca.pem 0644 (see the etcd+controlplane fixture)
      manual: ['0.7', '0.8', ...NO_CHECK_3, ...POLICIES_RKE1_HARDENED.manual],
      notApplicable: [
        '0.5', '0.6', '1.1.11', '1.1.12', '1.1.19', '1.1.20', '1.1.21',
        ...range('1.2.', 1, 4), ...range('1.2.', 6, 30), '1.3.1', '1.3.2', '1.3.3', '1.3.4', '1.3.5', '1.3.7', '1.4.1', '1.4.2', ...range('2.', 1, 7), '3.2.1', '5.5.1',
        ...range('1.1.', 1, 8), ...range('1.1.', 13, 18), '1.2.5', '1.3.6', '4.1.1', '4.1.2', '4.1.9', '4.1.10', '4.2.7', '4.2.11', ...POLICIES_RKE1_HARDENED.notApplicable,
      ],
    },
  },
};

// Owners are part of every fixture: building them needs chown, hence root (CI runs as root).
describe.skipIf(!isRoot())('node fixtures: the verdict of every control', () => {
  const roots = new Map<HostFixtureName, string>();
  const runs = new Map<HostFixtureName, { run: ScanRun; snapshot: FactSnapshot }>();
  beforeAll(() => {
    for (const name of Object.keys(HOST_FIXTURES) as HostFixtureName[]) {
      const root = buildHostTree(HOST_FIXTURES[name]());
      roots.set(name, root);
      runs.set(name, auditNode({ hostRoot: root, ...EXPECTED[name].options }));
    }
  });
  afterAll(() => {
    for (const root of roots.values()) removeHostTree(root);
  });

  for (const [name, { benchmark, table }] of Object.entries(EXPECTED) as [HostFixtureName, (typeof EXPECTED)[HostFixtureName]][]) {
    describe(name, () => {
      it(`selects ${benchmark} and lists every control of it exactly once in the table`, () => {
        const { run } = runs.get(name)!;
        expect(run.benchmark.id).toBe(benchmark);
        const listed = Object.values(table).flat();
        expect(new Set(listed).size, 'a control listed twice').toBe(listed.length);
        const controls = loadCatalog().benchmarks.get(benchmark)!.controls.map((c) => c.id);
        expect([...listed].sort()).toEqual([...controls].sort());
      });

      it('gives each control its expected verdict', () => {
        const { run } = runs.get(name)!;
        const actual = Object.fromEntries(run.results.map((r) => [r.controlId, r.status]));
        const expected = Object.fromEntries(Object.entries(table).flatMap(([status, ids]) => ids.map((id) => [id, status])));
        const wrong = Object.keys(expected).filter((id) => actual[id] !== expected[id]).map((id) => `${id}: expected ${expected[id]}, got ${actual[id]} (${run.results.find((r) => r.controlId === id)?.reason ?? ''})`);
        expect(wrong).toEqual([]);
      });

      it('never shows secret material (tokens, keys, container environments)', () => {
        const { run, snapshot } = runs.get(name)!;
        const text = JSON.stringify(run) + JSON.stringify(snapshot);
        expect(text).not.toContain(SECRET_MARKER);
        expect(text).not.toContain(TOKEN_MARKER);
      });

      it('reads no error and names no absent component it should not', () => {
        const { snapshot } = runs.get(name)!;
        expect(snapshot.errors).toEqual({});
      });
    });
  }

  it('explains N/A by role: "no etcd on this node: roles controlplane, worker"', () => {
    const { run, snapshot } = runs.get('rke2-controlplane-only')!;
    expect(snapshot.absent).toEqual({ etcd: 'no etcd on this node: roles controlplane, worker' });
    expect(run.results.find((r) => r.controlId === '2.1')?.reason).toBe('no etcd on this node: roles controlplane, worker');
    expect(runs.get('rke2-agent')!.snapshot.absent).toMatchObject({ 'kube-apiserver': 'no kube-apiserver on this node: roles worker', etcd: 'no etcd on this node: roles worker' });
  });

  it('RKE1: no pod spec files are looked for (exists=false), the profile marks 1.1.1–1.1.8 N/A', () => {
    const { run, snapshot } = runs.get('rke1-etcd-controlplane-hardened')!;
    for (const f of ['apiserver-manifest', 'controller-manager-manifest', 'scheduler-manifest', 'etcd-manifest']) {
      expect(snapshot.facts[`file.${f}.exists`]?.value).toBe('false');
      expect(snapshot.facts[`file.${f}.mode`]).toBeUndefined();
    }
    for (const id of range('1.1.', 1, 8)) {
      const r = run.results.find((x) => x.controlId === id)!;
      expect(r.status).toBe('notApplicable');
      expect(r.reason).toMatch(/RKE/);
    }
  });

  it('every RKE1 profile marks 1.1.1–1.1.8 N/A (RKE1 has no pod spec files)', () => {
    const rke1 = [...loadCatalog().benchmarks.values()].filter((b) => b.distro === 'rke1');
    expect(rke1.length).toBeGreaterThanOrEqual(8);
    for (const b of rke1) {
      for (const id of range('1.1.', 1, 8)) expect(b.controls.find((c) => c.id === id)?.notApplicable, `${b.id} ${id}`).toMatch(/RKE/);
    }
  });

  it('detects distro, version and their source without running anything', () => {
    expect(runs.get('rke2-server-default')!.snapshot).toMatchObject({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', target: { kind: 'node', name: 'rke2-server-1' } });
    expect(runs.get('rke1-worker-default')!.snapshot).toMatchObject({ distro: 'rke1', k8sVersion: 'v1.28.9-rancher1' });
    // Where the version was read is the target's provenance, not a warning (it went to stderr on every JSON run).
    const target = runs.get('rke2-server-default')!.run.targets[0]!;
    expect(target.k8sVersionFrom).toMatch(/^kubelet binary \/var\/lib\/rancher\/rke2\/data\/v1\.31\.4-rke2r1/);
    expect(runs.get('rke2-server-default')!.run.warnings.join('\n')).not.toMatch(/Kubernetes v1\.31/);
    expect(renderText(runs.get('rke2-server-default')!.run, { colour: false })).toMatch(/^Target \(node\): rke2-server-1 — Kubernetes v1\.31\.4\+rke2r1 \(from kubelet binary \/var\/lib\/rancher\/rke2\/data\/v1\.31\.4-rke2r1-\w+\/bin\/kubelet\) — benchmark rke2-cis-1\.11$/m);
  });

  it('RKE2 v1.32+: kubelet settings come from kubelet.conf.d drop-ins in order, the command line winning', () => {
    const { snapshot } = runs.get('rke2-server-hardened')!;
    expect(snapshot.facts['kubelet.args.read-only-port']).toMatchObject({ value: '0', source: 'file', location: { file: '/var/lib/rancher/rke2/agent/etc/kubelet.conf.d/00-rke2-defaults.conf' } });
    expect(snapshot.facts['kubelet.args.pod-max-pids']).toMatchObject({ value: '4096', location: { file: '/var/lib/rancher/rke2/agent/etc/kubelet.conf.d/50-operator.conf', line: 3 } });
    expect(snapshot.facts['kubelet.args.hostname-override']).toMatchObject({ value: 'rke2-server-2', source: 'process', location: { file: '/proc/1300/cmdline' } });
    // file.kubelet-config is the drop-in files (not the directory, 0700; not the README, 0644).
    expect(snapshot.facts['file.kubelet-config.mode']?.value).toBe('600');
    expect(snapshot.facts['file.kubelet-config.path']?.value).toBe('/var/lib/rancher/rke2/agent/etc/kubelet.conf.d');
  });

  it('RKE2 etcd: TLS settings from the nested sections of its config file', () => {
    const { snapshot } = runs.get('rke2-server-hardened')!;
    expect(snapshot.facts['etcd.args.peer-client-cert-auth']).toMatchObject({ value: 'true', source: 'file', location: { file: '/var/lib/rancher/rke2/server/db/etcd/config', line: 22 } });
    expect(snapshot.facts['etcd.args.peer-trusted-ca-file']?.value).toBe('/var/lib/rancher/rke2/server/tls/etcd/peer-ca.crt');
    expect(snapshot.facts['etcd.args.config-file']?.source).toBe('process');
  });

  it('leaves the etcd-owned PKI files out of the ownership check, and says so', () => {
    const rke2 = runs.get('rke2-server-hardened')!.snapshot.facts['file.pki-dir.owner']!;
    expect(rke2.value).toBe('root:root');
    expect(rke2.layer).toMatch(/left out 11 \(owned by etcd on purpose\)/);
    const rke1 = runs.get('rke1-etcd-controlplane-hardened')!.snapshot.facts['file.pki-dir.owner']!;
    expect(rke1.value).toBe('root:root');
    expect(rke1.layer).toMatch(/left out 2 .*kube-etcd-10-0-0-22\.pem/);
  });

  it('CNI: every regular file, subdirectories included (Multus\'s kubeconfig in multus.d/), and host-local\'s reservations without its lock; not the directories', () => {
    const { snapshot } = runs.get('rke2-server-hardened')!;
    expect(snapshot.facts['file.cni-config.mode']?.value).toBe('600');
    expect(snapshot.facts['file.cni-config.mode']?.layer).toBe(
      'stat of 5 files under /etc/cni/net.d, /var/lib/cni/networks; left out 1 (host-local IPAM lock files, 0750 by design and empty): /var/lib/cni/networks/k8s-pod-network/lock',
    );
    // RKE's 0644 reservations (rancher/rancher#46302) fail 1.1.9 on the default RKE1 node.
    expect(runs.get('rke1-etcd-controlplane-default')!.snapshot.facts['file.cni-config.mode']?.value).toBe('644');
    // A Multus kubeconfig left readable by all is found, and fails 1.1.9.
    const spec = HOST_FIXTURES['rke2-server-hardened']();
    spec.files['/etc/cni/net.d/multus.d/multus.kubeconfig'] = { ...(spec.files['/etc/cni/net.d/multus.d/multus.kubeconfig'] as object), mode: 0o644 };
    const root = buildHostTree(spec);
    try {
      const loose = auditNode({ hostRoot: root });
      expect(loose.snapshot.facts['file.cni-config.mode']).toMatchObject({ value: '644', location: { file: '/etc/cni/net.d/multus.d/multus.kubeconfig' } });
      expect(loose.run.results.find((r) => r.controlId === '1.1.9')?.status).toBe('fail');
    } finally {
      removeHostTree(root);
    }
  });

  it('API server files: audit policy, encryption providers (names only), PSA defaults from the files its flags name', () => {
    const { snapshot } = runs.get('rke1-etcd-controlplane-hardened')!;
    expect(snapshot.facts['audit.policy.present']).toMatchObject({ value: 'true', location: { file: '/etc/kubernetes/audit-policy.yaml' } });
    expect(snapshot.facts['encryption.providers']?.value).toEqual(['aescbc', 'identity']);
    expect(snapshot.facts['admission.PodSecurity.defaults.enforce']?.value).toBe('restricted');
    expect(snapshot.facts['admission.PodSecurity.exemptions.namespaces']?.value).toContain('cattle-system');
    expect(snapshot.facts['admission.EventRateLimit.configured']?.value).toBe('true');
    // RKE1 default: RKE writes an EventRateLimit configuration although the plugin is off (1.2.9 still fails).
    const def = runs.get('rke1-etcd-controlplane-default')!;
    expect(def.snapshot.facts['admission.EventRateLimit.configured']?.value).toBe('true');
    expect(def.snapshot.facts['kube-apiserver.args.enable-admission-plugins']?.value).not.toMatch(/EventRateLimit/);
  });

  it('keeps a secret flag as set but never its value (etcd --initial-cluster-token)', () => {
    const { snapshot } = runs.get('rke1-etcd-controlplane-hardened')!;
    expect(snapshot.facts['etcd.args.initial-cluster-token']).toMatchObject({ value: '<redacted>', secret: true, source: 'process' });
  });

  it('fixture trees carry real modes and owners', () => {
    const root = roots.get('rke2-server-hardened')!;
    const st = fs.statSync(`${root}/var/lib/rancher/rke2/server/db/etcd`);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o700, 989, 989]);
    expect(fs.readFileSync(`${root}/proc/1400/cmdline`, 'utf8')).toBe('etcd\u0000--config-file=/var/lib/rancher/rke2/server/db/etcd/config\u0000');
  });
});
