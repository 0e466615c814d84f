// The pure parts of remediation: unified diff, sysctl drop-in, etcd account lines, cluster plan.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCluster, planDiff, planNamespaceLabels, preview, type ClusterObservation, type ClusterPlanOptions } from '../../src/remediation/cluster-plan.js';
import { appendText, planEtcdAccount, type AccountsInput } from '../../src/remediation/host-accounts.js';
import type { KubeObject } from '../../src/remediation/plan.js';
import { parseSysctl, SYSCTL_DROP_IN, sysctlLoadOrder, sysctlOverrides, updateSysctlText } from '../../src/remediation/sysctl-file.js';
import { unifiedDiff } from '../../src/remediation/unified-diff.js';
import { objectPath, parseWarnings } from '../../src/remediation/apply/kube-client.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts and GNU-shaped otherwise', () => {
    expect(unifiedDiff('a\n', 'a\n', 'x', 'y')).toBe('');
    expect(unifiedDiff('a\nb\nc\n', 'a\nB\nc\n', 'old', 'new')).toBe('--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n');
    expect(unifiedDiff('', 'x\n', '/dev/null', 'f')).toBe('--- /dev/null\n+++ f\n@@ -0,0 +1 @@\n+x\n');
    expect(unifiedDiff('x\n', '', 'f', '/dev/null')).toBe('--- f\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n');
    expect(unifiedDiff('a\n', 'a\nb', 'x', 'y')).toBe('--- x\n+++ y\n@@ -1 +1,2 @@\n a\n+b\n\\ No newline at end of file\n');
  });

  it('matches GNU diff -u hunk headers, with and without context', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-diff-'));
    try {
      const cases: [string, string, number][] = [
        ['1\n2\n3\n4\n5\n6\n7\n8\n', '1\n2\n3\n4\n5\n6\n7\n8\n9\n', 0],
        ['1\n2\n3\n4\n5\n6\n7\n8\n', '0\n1\n2\n3\n4\n5\n6\n7\n8\n', 0],
        ['1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n', '1\n2\nx\n4\n5\n6\n7\n8\n9\n10\ny\n12\n', 3],
        ['1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n', '1\n2\nx\n4\n5\n6\n7\n8\n9\n10\ny\n12\n', 1],
      ];
      for (const [a, b, context] of cases) {
        fs.writeFileSync(path.join(tmp, 'a'), a);
        fs.writeFileSync(path.join(tmp, 'b'), b);
        const gnu = spawnSync('diff', [`-U${context}`, '--label', 'a', '--label', 'b', 'a', 'b'], { cwd: tmp, encoding: 'utf8' }).stdout;
        expect(unifiedDiff(a, b, 'a', 'b', { context })).toBe(gnu);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('is a patch that GNU patch applies (property)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-patch-'));
    const text = fc
      .tuple(fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 14 }), fc.boolean())
      .map(([lines, nl]) => (lines.length ? lines.join('\n') + (nl ? '\n' : '') : ''));
    try {
      fc.assert(
        fc.property(text, text, fc.integer({ min: 0, max: 3 }), (a, b, context) => {
          const d = unifiedDiff(a, b, 'f', 'f', { context });
          if (a === b) return d === '';
          fs.writeFileSync(path.join(tmp, 'f'), a);
          fs.writeFileSync(path.join(tmp, 'p'), d);
          const r = spawnSync('patch', ['-s', '-N', '-F0', 'f', 'p'], { cwd: tmp, encoding: 'utf8' });
          return r.status === 0 && fs.readFileSync(path.join(tmp, 'f'), 'utf8') === b;
        }),
        { numRuns: 60 },
      );
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('sysctl drop-in', () => {
  const settings = SYSCTL_DROP_IN.rke1.settings;
  it('parses sysctl.conf syntax', () => {
    expect(parseSysctl('# c\n; c\n kernel/panic = 10 \n-vm.panic_on_oom=0\nbogus\n')).toEqual([
      { key: 'kernel.panic', value: '10', line: 2 },
      { key: 'vm.panic_on_oom', value: '0', line: 3 },
    ]);
  });
  it('writes the four keys into a new file, and leaves a right file alone', () => {
    const fresh = updateSysctlText(undefined, settings);
    expect(parseSysctl(fresh).map((a) => [a.key, a.value])).toEqual(settings.map(([k, v]) => [k, v]));
    expect(updateSysctlText(fresh, settings)).toBe(fresh);
    expect(updateSysctlText('vm.overcommit_memory=1\nvm.panic_on_oom=0\nkernel.panic=10\nkernel.panic_on_oops=1', settings)).toBe(
      'vm.overcommit_memory=1\nvm.panic_on_oom=0\nkernel.panic=10\nkernel.panic_on_oops=1',
    );
  });
  it('changes the last assignment of a key (the one that counts) and appends what is missing', () => {
    expect(updateSysctlText('kernel.panic=1\nkernel.panic=2', settings)).toBe('kernel.panic=1\nkernel.panic=10\nvm.overcommit_memory=1\nvm.panic_on_oom=0\nkernel.panic_on_oops=1\n');
  });
  it('orders files as sysctl --system does: by name across directories, earlier directory masks, sysctl.conf last', () => {
    const order = sysctlLoadOrder(
      { '/etc/sysctl.d': ['90-kubelet.conf', '10-a.conf', 'README'], '/usr/lib/sysctl.d': ['10-a.conf', '50-default.conf', '99-z.conf'], '/run/sysctl.d': ['95-run.conf'] },
      true,
    );
    expect(order).toEqual(['/etc/sysctl.d/10-a.conf', '/usr/lib/sysctl.d/50-default.conf', '/etc/sysctl.d/90-kubelet.conf', '/run/sysctl.d/95-run.conf', '/usr/lib/sysctl.d/99-z.conf', '/etc/sysctl.conf']);
    const warnings = sysctlOverrides(
      order.map((p) => ({ path: p, text: p.endsWith('99-z.conf') ? 'kernel.panic=0\nvm.panic_on_oom=0\n' : p.endsWith('10-a.conf') ? 'kernel.panic=0\n' : '' })),
      '/etc/sysctl.d/90-kubelet.conf',
      settings,
    );
    expect(warnings).toEqual(['/usr/lib/sysctl.d/99-z.conf:1 sets kernel.panic=0 and is loaded after /etc/sysctl.d/90-kubelet.conf, so it wins over kernel.panic=10']);
  });
});

describe('etcd account lines', () => {
  const base: AccountsInput = {
    distro: 'rke1',
    passwd: 'root:x:0:0:root:/root:/bin/bash\n',
    group: 'root:x:0:\n',
    shadow: 'root:*:19000:0:99999:7:::\n',
    gshadow: 'root:*::\n',
    shells: { usrSbin: true, sbin: true },
    today: 20000,
  };
  it('RKE1: groupadd --gid 52034 etcd; useradd --uid 52034 --gid 52034 --shell /usr/sbin/nologin, aging from login.defs', () => {
    const r = planEtcdAccount({ ...base, loginDefs: 'PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS 0\nPASS_WARN_AGE 7\n# SYS_UID_MIN 1\n' });
    expect(Object.fromEntries(r.add)).toEqual({
      '/etc/group': ['etcd:x:52034:'],
      '/etc/gshadow': ['etcd:!::'],
      '/etc/passwd': ['etcd:x:52034:52034:etcd service account:/home/etcd:/usr/sbin/nologin'],
      '/etc/shadow': ['etcd:!:20000:0:99999:7:::'],
    });
    expect(r.blockers).toEqual([]);
  });
  it('RKE1: nothing to do when both exist with 52034; only the missing shadow entries otherwise', () => {
    const done = { ...base, passwd: base.passwd + 'etcd:x:52034:52034::/home/etcd:/usr/sbin/nologin\n', group: base.group + 'etcd:x:52034:\n' };
    expect(planEtcdAccount({ ...done, shadow: done.shadow + 'etcd:!:1::::::\n', gshadow: done.gshadow + 'etcd:!::\n' }).add.size).toBe(0);
    expect([...planEtcdAccount(done).add.keys()]).toEqual(['/etc/gshadow', '/etc/shadow']);
  });
  it('RKE2: a system id from the top of SYS_UID_MIN..SYS_UID_MAX, the same for the group when free', () => {
    const r = planEtcdAccount({ ...base, distro: 'rke2', loginDefs: 'SYS_UID_MIN 200\nSYS_UID_MAX 300\nSYS_GID_MIN 200\nSYS_GID_MAX 300\n', passwd: base.passwd + 'a:x:300:300::/:/bin/false\n', group: base.group + 'b:x:299:\n' });
    // 300 is a uid, 299 a gid: 298 is free for both.
    expect(r.add.get('/etc/passwd')).toEqual(['etcd:x:298:298:etcd user:/home/etcd:/sbin/nologin']);
    expect(r.add.get('/etc/group')).toEqual(['etcd:x:298:']);
    expect(r.add.get('/etc/shadow')).toEqual(['etcd:!:20000::::::']);
  });
  it('RKE2: joins an existing etcd group; gives a lone user its group', () => {
    const r = planEtcdAccount({ ...base, distro: 'rke2', group: base.group + 'etcd:x:500:\n' });
    expect(r.add.get('/etc/group')).toBeUndefined();
    expect(r.add.get('/etc/passwd')).toEqual(['etcd:x:500:500:etcd user:/home/etcd:/sbin/nologin']);
    const lone = planEtcdAccount({ ...base, distro: 'rke2', passwd: base.passwd + 'etcd:x:700:701::/:/sbin/nologin\n' });
    expect(lone.add.get('/etc/group')).toEqual(['etcd:x:701:']);
    expect(lone.add.get('/etc/passwd')).toBeUndefined();
  });
  it('uses the nologin the host has', () => {
    expect(planEtcdAccount({ ...base, shells: { usrSbin: false, sbin: true } }).add.get('/etc/passwd')![0]).toMatch(/:\/sbin\/nologin$/);
    expect(planEtcdAccount({ ...base, distro: 'rke2', shells: { usrSbin: true, sbin: false } }).add.get('/etc/passwd')![0]).toMatch(/:\/usr\/sbin\/nologin$/);
  });
  it('blocks when no system id is free', () => {
    const r = planEtcdAccount({ ...base, distro: 'rke2', loginDefs: 'SYS_GID_MIN 5\nSYS_GID_MAX 5\nSYS_UID_MIN 5\nSYS_UID_MAX 5\n', group: base.group + 'five:x:5:\n' });
    expect(r.blockers.join()).toContain('no free system gid in 5..5');
    expect(r.add.size).toBe(0);
  });
  it('appends on a line of its own', () => {
    expect(appendText('a', ['b'])).toBe('\nb\n');
    expect(appendText('a\n', ['b', 'c'])).toBe('b\nc\n');
    expect(appendText('', ['b'])).toBe('b\n');
  });
});

describe('cluster plan', () => {
  const ns = (name: string, labels: Record<string, string> = {}, phase = 'Active'): KubeObject => ({
    metadata: { name, uid: `uid-${name}`, resourceVersion: '7', labels: { 'kubernetes.io/metadata.name': name, ...labels }, managedFields: [{ manager: 'x' }] },
    spec: { finalizers: ['kubernetes'] },
    status: { phase },
  });
  const sa = (namespace: string, automount?: boolean): KubeObject => ({
    metadata: { name: 'default', namespace, uid: `sa-${namespace}`, resourceVersion: '9' },
    ...(automount === undefined ? {} : { automountServiceAccountToken: automount }),
  });
  const obs: ClusterObservation = {
    target: { kind: 'cluster', server: 'https://x', context: 'c', gitVersion: 'v1.31.4+rke2r1' },
    namespaces: [
      ns('app'),
      ns('kube-system'),
      ns('skipme'),
      ns('gone', {}, 'Terminating'),
      ns('done', { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' }),
      ns('loose', { 'pod-security.kubernetes.io/enforce': 'privileged' }),
      ns('fresh'),
    ],
    defaultServiceAccounts: { app: sa('app'), 'kube-system': sa('kube-system'), skipme: sa('skipme'), done: sa('done', false), loose: sa('loose', true) },
    networkPolicyCounts: { done: 2, loose: 1 },
  };
  const opts: ClusterPlanOptions = { networkPolicy: 'allow-same-namespace', psaLevel: 'restricted', psaVersion: 'latest', exemptions: { 'kube-system': 'rke2 list' }, exclude: ['skipme'] };

  it('plans the three changes per namespace, skips and reports exempt, excluded and terminating ones', () => {
    const plan = planCluster(obs, opts);
    expect(plan.steps.map((s) => s.id)).toEqual([
      'serviceaccounts/app/default',
      'networkpolicies/app/rke-harden-allow-same-namespace',
      'namespaces/app',
      'networkpolicies/fresh/rke-harden-allow-same-namespace',
      'namespaces/fresh',
      'serviceaccounts/loose/default',
      'namespaces/loose',
    ]);
    expect(plan.skipped).toEqual([
      { subject: 'serviceaccount/fresh/default', reason: 'no default ServiceAccount yet (kube-controller-manager creates it): rerun later' },
      { subject: 'namespace/gone', reason: 'terminating' },
      { subject: 'namespace/kube-system', reason: 'exempt: rke2 list' },
      { subject: 'namespace/skipme', reason: 'excluded (--exclude-namespace)' },
    ]);
    expect(plan.warnings).toEqual(['namespace loose already enforces Pod Security "privileged" (weaker than restricted): left as it is']);
    // A namespace named after a property of Object is planned like any other; an exclusion that matches nothing is said.
    const odd = planCluster({ ...obs, namespaces: [...obs.namespaces, ns('constructor')] }, { ...opts, exclude: ['skipme', 'skip-me'] });
    expect(odd.steps.map((s) => s.id)).toContain('namespaces/constructor');
    expect(odd.steps.map((s) => s.id)).toContain('networkpolicies/constructor/rke-harden-allow-same-namespace');
    expect(odd.warnings).toContain('--exclude-namespace skip-me: no such namespace in the cluster');
  });

  it('builds create and merge-patch bodies with resourceVersion preconditions, and prior objects without managedFields', () => {
    const plan = planCluster(obs, opts);
    const byId = new Map(plan.steps.map((s) => [s.id, s]));
    const saStep = byId.get('serviceaccounts/app/default')!;
    expect(saStep.body).toEqual({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'app', resourceVersion: '9' }, automountServiceAccountToken: false });
    expect(saStep.prior).toMatchObject({ exists: true, uid: 'sa-app', resourceVersion: '9' });
    const loose = byId.get('namespaces/loose')!;
    expect(loose.body).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'loose',
        resourceVersion: '7',
        labels: { 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/audit-version': 'latest', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'latest' },
      },
    });
    expect((loose.prior as { object: KubeObject }).object.metadata).not.toHaveProperty('managedFields');
    const np = byId.get('networkpolicies/app/rke-harden-allow-same-namespace')!;
    expect(np.prior).toEqual({ exists: false });
    expect(np.body.spec).toEqual({ podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }], policyTypes: ['Ingress'] });
    expect(planDiff(np)).toContain('--- /dev/null\n+++ NetworkPolicy/app/rke-harden-allow-same-namespace\n');
    expect(planDiff(saStep)).toContain('+automountServiceAccountToken: false');
    const deny = planCluster(obs, { ...opts, networkPolicy: 'default-deny' }).steps.find((s) => s.ref.kind === 'NetworkPolicy')!;
    expect(deny.ref.name).toBe('rke-harden-default-deny');
    expect(deny.body.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('plans nothing once its changes are in (idempotent)', () => {
    const plan = planCluster(obs, opts);
    const after: ClusterObservation = structuredClone(obs);
    for (const s of plan.steps) {
      if (s.ref.kind === 'ServiceAccount') after.defaultServiceAccounts[s.ref.namespace!] = preview(s);
      if (s.ref.kind === 'NetworkPolicy') after.networkPolicyCounts[s.ref.namespace!] = 1;
      if (s.ref.kind === 'Namespace') after.namespaces = after.namespaces.map((n) => (n.metadata!.name === s.ref.name ? preview(s) : n));
    }
    const again = planCluster(after, opts);
    expect(again.steps).toEqual([]);
  });

  it('baseline level; a baseline namespace is weaker than restricted but not than baseline', () => {
    expect(planNamespaceLabels(ns('b', { 'pod-security.kubernetes.io/enforce': 'baseline' }), { psaLevel: 'baseline', psaVersion: 'v1.31' }).warning).toBeUndefined();
    const r = planNamespaceLabels(ns('b', { 'pod-security.kubernetes.io/enforce': 'baseline' }), { psaLevel: 'restricted', psaVersion: 'v1.31' });
    expect(r.warning).toContain('already enforces Pod Security "baseline"');
    expect(r.step?.fields.map((f) => `${f.path[2]}=${String(f.value)}`)).toEqual([
      'pod-security.kubernetes.io/audit=restricted',
      'pod-security.kubernetes.io/audit-version=v1.31',
      'pod-security.kubernetes.io/warn=restricted',
      'pod-security.kubernetes.io/warn-version=v1.31',
    ]);
  });
});

describe('kube client helpers', () => {
  it('builds object paths and reads Warning headers', () => {
    expect(objectPath({ apiVersion: 'v1', resource: 'namespaces', name: 'a b' })).toBe('/api/v1/namespaces/a%20b');
    expect(objectPath({ apiVersion: 'networking.k8s.io/v1', resource: 'networkpolicies', namespace: 'x', name: 'p' })).toBe('/apis/networking.k8s.io/v1/namespaces/x/networkpolicies/p');
    expect(parseWarnings(['299 - "existing pods in namespace \\"x\\" violate"', '299 - "a", 299 - "b"'])).toEqual(['existing pods in namespace "x" violate', 'a', 'b']);
    expect(parseWarnings(undefined)).toEqual([]);
  });
});
