import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigTargets } from '../../src/config/load-config-targets.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { tempTree } from '../support/temp-files.js';
import { runCli } from '../support/run-cli.js';
import { hardenConfig } from '../../src/harden-config/harden-config.js';
import type { ScanRun } from '../../src/model/result.js';

function rke2(files: Record<string, string>, k8sVersion = 'v1.31.4+rke2r1', role: 'server' | 'agent' = 'server') {
  const dir = tempTree(files);
  const { snapshots } = loadConfigTargets([path.join(dir, 'config.yaml')], { k8sVersion, role });
  return snapshots[0]!;
}
const v = (snap: ReturnType<typeof rke2>, key: string) => snap.facts[key]?.value;

describe('RKE2 effective configuration', () => {
  it('defaults: secrets encryption forced, PSA privileged, no audit without profile', () => {
    const s = rke2({ 'config.yaml': 'node-ip: 10.0.0.1\n' });
    expect(v(s, 'kube-apiserver.args.encryption-provider-config')).toBe('/var/lib/rancher/rke2/server/cred/encryption-config.json');
    expect(v(s, 'encryption.provider.first')).toBe('aescbc');
    expect(v(s, 'admission.PodSecurity.defaults.enforce')).toBe('privileged');
    expect(v(s, 'kube-apiserver.args.audit-log-path')).toBeUndefined();
    expect(v(s, 'kubelet.args.protect-kernel-defaults')).toBeUndefined();
    expect(s.facts['kube-apiserver.args.anonymous-auth']).toMatchObject({ value: 'false', source: 'default' });
  });

  it('profile cis turns on audit flags, restricted PSA, protect-kernel-defaults', () => {
    const s = rke2({ 'config.yaml': 'profile: cis\n' });
    expect(v(s, 'kube-apiserver.args.audit-log-maxage')).toBe('30');
    expect(v(s, 'admission.PodSecurity.defaults.enforce')).toBe('restricted');
    expect(v(s, 'admission.PodSecurity.exemptions.namespaces')).toEqual(['kube-system', 'cis-operator-system', 'tigera-operator']);
    expect(s.facts['kubelet.args.protect-kernel-defaults']).toMatchObject({ value: 'true', location: { line: 1, column: 10 } });
    expect(v(s, 'kube-apiserver.args.service-account-extend-token-expiration')).toBeUndefined();
    expect(s.warnings.join('\n')).toMatch(/audit-policy-file points at \/etc\/rancher\/rke2\/audit-policy\.yaml, which this configuration does not contain.*logs nothing/);
  });

  it('secrets-encryption-provider: secretbox is the provider RKE2 writes first (evidence said aescbc)', () => {
    const s = rke2({ 'config.yaml': 'secrets-encryption-provider: secretbox\n' });
    expect(s.facts['encryption.provider.first']).toMatchObject({ value: 'secretbox', source: 'config', location: { line: 1, column: 30 } });
    expect(v(s, 'encryption.providers')).toEqual(['secretbox', 'identity']);
  });

  it('plain scalars as RKE2 reads them (yaml.v2, YAML 1.1): yes/on are true, 0600 is octal; quoted ones are text', () => {
    const s = rke2({ 'config.yaml': 'protect-kernel-defaults: yes\nsecrets-encryption: "yes"\nwrite-kubeconfig-mode: 0600\n' }, 'v1.24.17+rke2r1');
    expect(s.facts['kubelet.args.protect-kernel-defaults']).toMatchObject({ value: 'true', source: 'config' });
    const run = auditConfig([path.join(tempTree({ 'config.yaml': 'protect-kernel-defaults: on\n' }), 'config.yaml')], { k8sVersion: 'v1.24.17+rke2r1' }).run;
    expect(run.results.find((r) => r.checkId === 'kubelet-protect-kernel-defaults-enabled')!.status).toBe('pass');
  });

  it('up to 1.24 RKE2 enables PodSecurityPolicy with or without a profile (pkg/cli/defaults); from 1.25 NodeRestriction only', () => {
    for (const config of ['node-ip: 10.0.0.1\n', 'profile: cis-1.6\n']) {
      for (const version of ['v1.23.6+rke2r2', 'v1.24.17+rke2r1']) {
        expect(rke2({ 'config.yaml': config }, version).facts['kube-apiserver.args.enable-admission-plugins']).toMatchObject({ value: 'NodeRestriction,PodSecurityPolicy', source: 'default' });
      }
    }
    expect(v(rke2({ 'config.yaml': 'node-ip: 10.0.0.1\n' }, 'v1.25.16+rke2r1'), 'kube-apiserver.args.enable-admission-plugins')).toBe('NodeRestriction');
  });

  it('remediations name the profile value the release accepts: cis-1.6 up to 1.24 (RKE2 refuses `cis` there), cis after', async () => {
    const remediationOf = async (version: string, control: string) => {
      const dir = tempTree({ 'config.yaml': 'node-ip: 10.0.0.1\n' });
      const r = await runCli(['audit', 'config', path.join(dir, 'config.yaml'), '--k8s-version', version, '-o', 'json', '--fail-on', 'never']);
      return (JSON.parse(r.stdout) as ScanRun).results.find((x) => x.controlId === control)!.remediation!;
    };
    const old = await remediationOf('v1.24.17+rke2r1', '1.2.19');
    expect(old).toMatch(/profile: cis-1\.6/);
    expect(old).not.toMatch(/profile: cis(?![-\w])/);
    expect(await remediationOf('v1.31.4+rke2r1', '1.2.19')).toMatch(/profile: cis(?![-\w])/);
  });

  it('CIS mode adds service-account-extend-token-expiration=false from v1.31.14 and on 1.35+', () => {
    expect(v(rke2({ 'config.yaml': 'profile: cis\n' }, 'v1.31.14+rke2r1'), 'kube-apiserver.args.service-account-extend-token-expiration')).toBe('false');
    expect(v(rke2({ 'config.yaml': 'profile: cis\n' }, 'v1.36.1+rke2r1'), 'kube-apiserver.args.service-account-extend-token-expiration')).toBe('false');
  });

  it('a drop-in replaces the main file list; key+ appends', () => {
    const replaced = rke2({
      'config.yaml': 'kube-apiserver-arg:\n  - profiling=true\n',
      'config.yaml.d/10-a.yaml': 'kube-apiserver-arg:\n  - request-timeout=30s\n',
    });
    expect(v(replaced, 'kube-apiserver.args.profiling')).toBe('false');
    expect(v(replaced, 'kube-apiserver.args.request-timeout')).toBe('30s');
    expect(replaced.facts['kube-apiserver.args.request-timeout']?.location?.file).toMatch(/config\.yaml\.d\/10-a\.yaml$/);
    const appended = rke2({
      'config.yaml': 'kube-apiserver-arg:\n  - profiling=true\n',
      'config.yaml.d/10-a.yaml': 'kube-apiserver-arg+:\n  - request-timeout=30s\n',
    });
    expect(v(appended, 'kube-apiserver.args.profiling')).toBe('true');
    expect(v(appended, 'kube-apiserver.args.request-timeout')).toBe('30s');
  });

  it('drop-ins are read in lexical order: the last scalar wins', () => {
    const s = rke2({
      'config.yaml': 'profile: cis\n',
      'config.yaml.d/20-b.yaml': 'protect-kernel-defaults: true\nkubelet-arg: [read-only-port=10255]\n',
      'config.yaml.d/10-a.yaml': 'kubelet-arg: [read-only-port=0]\n',
    });
    expect(v(s, 'kubelet.args.read-only-port')).toBe('10255');
  });

  it('*-arg semantics: flag= replaces the default, flag+= keeps it, scalar last wins, lists accumulate', () => {
    const s = rke2({
      'config.yaml': [
        'kube-apiserver-arg:',
        '  - enable-admission-plugins=EventRateLimit',
        '  - tls-cipher-suites=A',
        '  - tls-cipher-suites=B',
        '  - api-audiences+=extra',
        '  - request-timeout=10s',
        '  - request-timeout=60s',
      ].join('\n') + '\n',
    });
    expect(v(s, 'kube-apiserver.args.enable-admission-plugins')).toBe('NodeRestriction,EventRateLimit');
    expect(v(s, 'kube-apiserver.args.tls-cipher-suites')).toBe('A,B');
    expect(v(s, 'kube-apiserver.args.api-audiences')).toBe('https://kubernetes.default.svc.cluster.local,rke2,extra');
    expect(v(s, 'kube-apiserver.args.request-timeout')).toBe('60s');
  });

  it('profile values are checked against the RKE2 version', () => {
    expect(rke2({ 'config.yaml': 'profile: cis-1.23\n' }, 'v1.31.4+rke2r1').warnings.join('\n')).toMatch(/profile: cis-1\.23 is rejected by RKE2 v1\.31\.4\+rke2r1/);
    expect(rke2({ 'config.yaml': 'profile: cis-1.23\n' }, 'v1.25.9+rke2r1').warnings.join('\n')).not.toMatch(/rejected/);
    expect(rke2({ 'config.yaml': 'profile: cis\n' }, 'v1.24.9+rke2r1').warnings.join('\n')).toMatch(/rejected/);
    // A release newer than the profile data: not known, never "rejected".
    const future = rke2({ 'config.yaml': 'profile: cis\n' }, 'v1.45.0+rke2r1').warnings.join('\n');
    expect(future).not.toMatch(/rejected|will not start/);
    expect(future).toMatch(/which profile values RKE2 v1\.45\.0\+rke2r1 accepts is not known to this rke-harden: check profile: cis against its release notes/);
  });

  it('an agent has no control plane components', () => {
    const s = rke2({ 'config.yaml': 'server: https://10.0.0.1:9345\ntoken: abc\n' }, 'v1.31.4+rke2r1', 'agent');
    expect(s.absent['kube-apiserver']).toMatch(/agent/);
    expect(s.absent.etcd).toMatch(/agent/);
  });

  it('warns about unknown keys with their position', () => {
    const s = rke2({ 'config.yaml': 'kube_apiserver_arg: [x=y]\nkube-controller-arg: [a=b]\n' });
    expect(s.warnings.join('\n')).toMatch(/config\.yaml:1:\d+: unknown key kube_apiserver_arg \(RKE2 keys use dashes\)/);
    expect(s.warnings.join('\n')).toMatch(/kube-controller-arg \(k3s alias not accepted by RKE2/);
  });

  it('secret values never reach facts in clear', () => {
    const s = rke2({ 'config.yaml': 'kube-apiserver-arg: [token-auth-file=/x, oidc-client-secret=s3cr3t]\n' });
    expect(s.facts['kube-apiserver.args.oidc-client-secret']?.secret).toBe(true);
  });
});

describe('Rancher provisioning Cluster', () => {
  it('merges machineGlobalConfig and selector-less machineSelectorConfig; version from spec', () => {
    const dir = tempTree({
      'c.yaml': `apiVersion: provisioning.cattle.io/v1
kind: Cluster
metadata: { name: prod }
spec:
  kubernetesVersion: v1.28.9+rke2r1
  defaultPodSecurityAdmissionConfigurationTemplateName: rancher-restricted
  rkeConfig:
    machineGlobalConfig:
      kube-apiserver-arg: [profiling=true]
    machineSelectorConfig:
      - config: { profile: cis }
      - config: { kubelet-arg: [read-only-port=10255] }
        machineLabelSelector: { matchLabels: { pool: legacy } }
`,
    });
    const { snapshots } = loadConfigTargets([path.join(dir, 'c.yaml')], {});
    expect(snapshots).toHaveLength(2);
    const [all, legacy] = snapshots;
    expect(all!.k8sVersion).toBe('v1.28.9+rke2r1');
    expect(all!.facts['kube-apiserver.args.profiling']?.value).toBe('true');
    expect(all!.facts['rke2.profile']?.value).toBe('cis');
    expect(all!.facts['admission.PodSecurity.defaults.enforce']).toMatchObject({ value: 'restricted', layer: 'Rancher built-in PSA template rancher-restricted' });
    expect(all!.facts['kubelet.args.read-only-port']?.value).toBe('0');
    expect(legacy!.facts['kubelet.args.read-only-port']?.value).toBe('10255');
    expect(legacy!.target.name).toMatch(/machineSelectorConfig\[1\]/);
  });

  it('merges as Rancher does: every matching entry in list order (a selector-less entry after a scoped one wins); keys Rancher never writes are left out, with a warning', () => {
    const dir = tempTree({
      'c.yaml': `apiVersion: provisioning.cattle.io/v1
kind: Cluster
metadata: { name: prod }
spec:
  kubernetesVersion: v1.31.4+rke2r1
  rkeConfig:
    machineGlobalConfig:
      disable-etcd: true
      kubelet-arg+: [read-only-port=10255]
    machineSelectorConfig:
      - config: { kube-apiserver-arg: [profiling=true] }
        machineLabelSelector: { matchLabels: { pool: cp } }
      - config: { kube-apiserver-arg: [profiling=false] }
`,
    });
    const { snapshots } = loadConfigTargets([path.join(dir, 'c.yaml')], {});
    const [all, cp] = snapshots;
    expect(all!.facts['kube-apiserver.args.profiling']?.value).toBe('false');
    // Rancher's order: global, entry 0 (matches pool=cp), entry 1 (matches every machine): entry 1 wins.
    expect(cp!.facts['kube-apiserver.args.profiling']?.value).toBe('false');
    // kubelet-arg+ never reaches a machine: the kubelet keeps its default.
    expect(all!.facts['kubelet.args.read-only-port']?.value).toBe('0');
    // disable-etcd is Rancher's to set, per machine: etcd is still audited.
    expect(all!.absent?.etcd).toBeUndefined();
    expect(all!.warnings).toContainEqual(expect.stringMatching(/c\.yaml:\d+:\d+: spec\.rkeConfig\.machineGlobalConfig\.kubelet-arg\+: Rancher writes only the keys RKE2 lists as arguments \(filterConfigData\), so kubelet-arg\+ never reaches a machine/));
    expect(all!.warnings).toContainEqual(expect.stringMatching(/machineGlobalConfig\.disable-etcd: Rancher sets disable-etcd itself/));
  });
});

describe('Rancher machine sets by role', () => {
  it('an entry selecting the control-plane role takes every control-plane machine: the other machines run no kube-apiserver (notApplicable, not a false FAIL)', () => {
    const dir = tempTree({ 'c.yaml': 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: prod }\nspec:\n  kubernetesVersion: v1.30.8+rke2r1\n  defaultPodSecurityAdmissionConfigurationTemplateName: rancher-restricted\n  rkeConfig:\n    machineGlobalConfig: { profile: cis }\n    machineSelectorConfig:\n      - config:\n          kube-apiserver-arg: ["enable-admission-plugins=NodeRestriction,AlwaysPullImages"]\n        machineLabelSelector:\n          matchLabels: { rke.cattle.io/control-plane-role: "true" }\n' });
    const { run } = auditConfig([path.join(dir, 'c.yaml')], {});
    const [base, cp] = run.targets.map((t) => t.name);
    const at = (target: string, id: string) => run.results.find((r) => r.target === target && r.controlId === id)!;
    expect(at(base!, '1.2.11')).toMatchObject({ status: 'notApplicable', reason: expect.stringMatching(/every machine with rke\.cattle\.io\/control-plane-role=true takes machineSelectorConfig\[0\]/) });
    expect(at(cp!, '1.2.11').status).toBe('pass');
    expect(at(base!, '4.2.1').status).not.toBe('notApplicable'); // the kubelet still runs there
  });

  it('the CLI too (no --role): a worker pool is audited as agents, as with `audit --config`', async () => {
    const dir = tempTree({ 'c.yaml': 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: prod }\nspec:\n  kubernetesVersion: v1.30.8+rke2r1\n  rkeConfig:\n    machineSelectorConfig:\n      - config: { kubelet-arg: [max-pods=200] }\n        machineLabelSelector: { matchLabels: { rke.cattle.io/worker-role: "true" } }\n' });
    for (const argv of [['audit', 'config', path.join(dir, 'c.yaml')], ['audit', '--config', path.join(dir, 'c.yaml')]]) {
      const r = await runCli([...argv, '-o', 'json', '--fail-on', 'never']);
      const run = JSON.parse(r.stdout) as ScanRun;
      const workers = run.targets.find((t) => t.name.includes('machineSelectorConfig[0]'))!.name;
      expect(run.results.find((x) => x.target === workers && x.controlId === '1.2.1')!.status, argv.join(' ')).toBe('notApplicable');
    }
  });

  it('an entry selecting the worker role is a worker pool: its machines are RKE2 agents, so the control-plane settings of another entry are not false FAILs there', () => {
    const dir = tempTree({ 'c.yaml': 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: prod }\nspec:\n  kubernetesVersion: v1.30.8+rke2r1\n  rkeConfig:\n    machineGlobalConfig: { profile: cis }\n    machineSelectorConfig:\n      - config:\n          kube-apiserver-arg: ["enable-admission-plugins=NodeRestriction,AlwaysPullImages"]\n        machineLabelSelector:\n          matchLabels: { rke.cattle.io/control-plane-role: "true" }\n      - config:\n          kubelet-arg: [read-only-port=10255]\n        machineLabelSelector:\n          matchLabels: { rke.cattle.io/worker-role: "true" }\n' });
    const { run } = auditConfig([path.join(dir, 'c.yaml')], {});
    const [, cp, workers] = run.targets.map((t) => t.name);
    const at = (target: string, id: string) => run.results.find((r) => r.target === target && r.controlId === id)!;
    expect(at(cp!, '1.2.11').status).toBe('pass');
    expect(at(workers!, '1.2.11')).toMatchObject({ status: 'notApplicable', reason: expect.stringMatching(/machineSelectorConfig\[1\] selects rke\.cattle\.io\/worker-role=true: Rancher runs worker machines as RKE2 agents, with no kube-apiserver/) });
    expect(at(workers!, '2.1').status).toBe('notApplicable'); // no etcd either
    // The worker entry's own kubelet setting is judged there.
    expect(at(workers!, '4.2.4').status).toBe('fail');
    // An absence the configuration gives keeps its own reason (RKE2 agents do run kube-proxy).
    const noProxy = tempTree({ 'c.yaml': 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: prod }\nspec:\n  kubernetesVersion: v1.30.8+rke2r1\n  rkeConfig:\n    machineGlobalConfig: { profile: cis, disable-kube-proxy: true }\n    machineSelectorConfig:\n      - config: { kubelet-arg: [max-pods=200] }\n        machineLabelSelector: { matchLabels: { rke.cattle.io/worker-role: "true" } }\n' });
    const [, pool] = loadConfigTargets([path.join(noProxy, 'c.yaml')], {}).snapshots;
    expect(pool!.absent['kube-proxy']).not.toMatch(/worker machines as RKE2 agents/);
    expect(pool!.absent['kube-apiserver']).toMatch(/worker machines as RKE2 agents/);
    // --role says what the user knows: it is kept.
    const asServers = auditConfig([path.join(dir, 'c.yaml')], { role: 'server' }).run;
    expect(asServers.results.find((r) => r.target === workers && r.controlId === '1.2.11')!.status).toBe('fail');
  });

  const CLUSTER = (entries: string, pools = '') => `apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: prod }\nspec:\n  kubernetesVersion: v1.30.8+rke2r1\n  rkeConfig:\n${pools}    machineGlobalConfig: { profile: cis }\n    machineSelectorConfig:\n${entries}`;

  it('matchExpressions `In ["true"]` on a role label selects that role as matchLabels does', () => {
    const entry = '      - config:\n          kube-scheduler-arg: [bind-address=0.0.0.0]\n        machineLabelSelector:\n          matchExpressions:\n            - { key: rke.cattle.io/control-plane-role, operator: In, values: ["true"] }\n';
    const { run } = auditConfig([path.join(tempTree({ 'c.yaml': CLUSTER(entry) }), 'c.yaml')], {});
    const [base, cp] = run.targets.map((t) => t.name);
    const at = (target: string, id: string) => run.results.find((r) => r.target === target && r.controlId === id)!;
    expect(at(base!, '1.4.2')).toMatchObject({ status: 'notApplicable', reason: expect.stringMatching(/every machine with rke\.cattle\.io\/control-plane-role=true takes machineSelectorConfig\[0\]/) });
    expect(at(cp!, '1.4.2').status).toBe('fail');
    // Another operator selects machines of unknown roles: audited as servers, as before.
    const notIn = entry.replace('operator: In', 'operator: NotIn');
    const [others] = loadConfigTargets([path.join(tempTree({ 'c.yaml': CLUSTER(notIn) }), 'c.yaml')], {}).snapshots;
    expect(others!.absent['kube-scheduler']).toBeUndefined();
  });

  it('machine pools selected by name take their roles from machinePools: a worker-only pool is agents, a control-plane pool without etcd runs no etcd', () => {
    const pools = '    machinePools:\n      - { name: cp, controlPlaneRole: true, quantity: 3 }\n      - { name: workers-a, workerRole: true, quantity: 5 }\n      - { name: workers-b, workerRole: true, quantity: 5 }\n';
    const entries = '      - config: { kubelet-arg: [read-only-port=10255] }\n        machineLabelSelector: { matchExpressions: [{ key: rke.cattle.io/rke-machine-pool-name, operator: In, values: [workers-a, workers-b] }] }\n'
      + '      - config: { kube-apiserver-arg: [profiling=false] }\n        machineLabelSelector: { matchLabels: { rke.cattle.io/rke-machine-pool-name: cp } }\n'
      + '      - config: { kubelet-arg: [max-pods=200] }\n        machineLabelSelector: { matchLabels: { rke.cattle.io/rke-machine-pool-name: not-a-pool } }\n';
    const [, workers, cp, unknown] = loadConfigTargets([path.join(tempTree({ 'c.yaml': CLUSTER(entries, pools) }), 'c.yaml')], {}).snapshots;
    expect(workers!.absent['kube-apiserver']).toMatch(/machineSelectorConfig\[0\] selects machine pools whose machinePools entries give them no controlPlaneRole/);
    expect(workers!.absent['etcd']).toMatch(/no etcdRole/);
    expect(cp!.absent['kube-apiserver']).toBeUndefined();
    expect(cp!.absent['etcd']).toMatch(/machineSelectorConfig\[1\] selects machine pools .* no etcdRole: their machines run no etcd/);
    expect(unknown!.absent['kube-apiserver']).toBeUndefined(); // a pool the Cluster does not list: roles unknown
  });
});

describe('a later list replaces an earlier one', () => {
  it('warns with both places when a drop-in or a Rancher entry replaces a list and leaves items out (the hardening flags of a base file get lost that way)', () => {
    const dir = tempTree({
      'config.yaml': 'kube-apiserver-arg:\n  - profiling=false\n  - audit-log-maxage=30\nkubelet-arg: [read-only-port=0]\ntls-san: [a.example]\nkube-controller-manager-arg: [feature-gates=RotateKubeletServerCertificate=true]\n',
      // Overrides a value (seen, not lost), drops profiling; kubelet-arg+ appends; tls-san repeats its item;
      // another gate under the same flag loses the first one.
      'config.yaml.d/50-x.yaml': 'kube-apiserver-arg:\n  - audit-log-maxage=60\nkubelet-arg+: [max-pods=200]\ntls-san: [a.example, b.example]\nkube-controller-manager-arg: [feature-gates=SeccompDefault=true]\n',
    });
    const [snap] = loadConfigTargets([path.join(dir, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' }).snapshots;
    const replaced = snap!.warnings.filter((w) => w.includes(' replaces the list'));
    expect(replaced).toEqual([
      expect.stringMatching(/50-x\.yaml:2:3: kube-apiserver-arg replaces the list set at .*config\.yaml:2:5: profiling=false no longer applies \(write kube-apiserver-arg\+: to append instead\)$/),
      expect.stringMatching(/kube-controller-manager-arg replaces the list set at .*: feature-gates=RotateKubeletServerCertificate=true no longer applies/),
    ]);

    const rancher = tempTree({ 'c.yaml': 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: prod }\nspec:\n  kubernetesVersion: v1.31.4+rke2r1\n  rkeConfig:\n    machineGlobalConfig:\n      kubelet-arg: [protect-kernel-defaults=true, event-qps=0]\n    machineSelectorConfig:\n      - config: { kubelet-arg: [max-pods=200] }\n      - config: { max-pods: 100 }\n        machineLabelSelector: { matchLabels: { pool: big } }\n' });
    const { run } = auditConfig([path.join(rancher, 'c.yaml')], {});
    // The entry without a selector reaches every machine: said once, though both targets read it.
    expect(run.targets).toHaveLength(2);
    expect(run.warnings.filter((w) => w.includes(' replaces the list'))).toEqual([
      expect.stringMatching(/c\.yaml:10:\d+: kubelet-arg replaces the list set at .*c\.yaml:8:\d+: protect-kernel-defaults=true, event-qps=0 no longer apply \(Rancher merges the config maps key by key: repeat them in this list\)$/),
    ]);
  });

  it('warnings quote no secret: a secret flag\'s value or a URL password is left out', () => {
    const dir = tempTree({
      'config.yaml': 'kubelet-arg:\n  - manifest-url-header=Authorization:Bearer HEADERSECRET\n  - "manifest-url-header Authorization:Bearer TYPOSECRET"\nkube-apiserver-arg:\n  - etcd-servers=https://user:ETCDPASS@10.0.0.1:2379\n',
      'config.yaml.d/50-x.yaml': 'kubelet-arg: [max-pods=200]\nkube-apiserver-arg: [profiling=false]\n',
    });
    const r = auditConfig([path.join(dir, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' });
    const text = JSON.stringify(r.run);
    for (const secret of ['HEADERSECRET', 'TYPOSECRET', 'ETCDPASS']) expect(text).not.toContain(secret);
    expect(r.run.warnings).toContainEqual(expect.stringMatching(/manifest-url-header=<redacted>, manifest-url-header <redacted> no longer apply/));
    expect(r.run.warnings).toContainEqual(expect.stringMatching(/etcd-servers=<redacted> no longer applies/));
  });
});

describe('structured authentication and authorization files', () => {
  it('authentication-config / authorization-config: RKE2 leaves --anonymous-auth / --authorization-mode to the file, so the file decides (manual here), not RKE2\'s default', () => {
    const dir = tempTree({ 'config.yaml': 'kube-apiserver-arg:\n  - authentication-config=/etc/rancher/rke2/authn.yaml\n  - authorization-config=/etc/rancher/rke2/authz.yaml\n' });
    const { run } = auditConfig([path.join(dir, 'config.yaml')], { k8sVersion: 'v1.33.1+rke2r1' });
    const status = (id: string) => run.results.find((r) => r.controlId === id)!;
    for (const id of ['1.2.1', '1.2.6', '1.2.7', '1.2.8']) expect(status(id).status).toBe('manual');
    expect(status('1.2.1').reason).toMatch(/authentication-config names \/etc\/rancher\/rke2\/authn\.yaml: RKE2 leaves --anonymous-auth to that file/);
    // A flag the user sets beside the file is still the user's, and decides.
    const both = tempTree({ 'config.yaml': 'kube-apiserver-arg:\n  - authorization-config=/etc/rancher/rke2/authz.yaml\n  - authorization-mode=AlwaysAllow\n' });
    expect(auditConfig([path.join(both, 'config.yaml')], { k8sVersion: 'v1.33.1+rke2r1' }).run.results.find((r) => r.controlId === '1.2.6')!.status).toBe('fail');
  });
});

describe('config.yaml.d as RKE2 finds it (k3s dotDFiles)', () => {
  it('a file given twice (itself and in its directory, or a drop-in beside its main file) is one target', () => {
    const dir = tempTree({ 'config.yaml': 'profile: cis\n', 'config.yaml.d/50-a.yaml': 'kube-apiserver-arg: [profiling=false]\n' });
    const once = loadConfigTargets([path.join(dir, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' }).snapshots;
    const twice = loadConfigTargets([dir, path.join(dir, 'config.yaml'), path.join(dir, 'config.yaml.d/50-a.yaml'), `${dir}/./config.yaml`], { k8sVersion: 'v1.31.4+rke2r1' }).snapshots;
    expect(twice.map((t) => t.target.name)).toEqual(once.map((t) => t.target.name));
  });

  it('takes *.YAML / *.YML in any case, skips directories, reads empty and comment-only drop-ins as setting nothing', () => {
    const dir = tempTree({
      'config.yaml': 'profile: cis\n',
      'config.yaml.d/10-empty.yaml': '',
      'config.yaml.d/15-comment.yml': '# nothing yet\n',
      'config.yaml.d/20-LOGS.YAML': 'kube-apiserver-arg+:\n  - audit-log-maxage=1\n',
      'config.yaml.d/old.yaml/placeholder': 'x',
    });
    const { run } = auditConfig([path.join(dir, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' });
    const maxage = run.results.find((r) => r.checkId === 'apiserver-audit-log-maxage-30')!;
    // RKE2 appends the upper-case drop-in's item after the CIS profile's 30: the last one, 1, is what runs.
    expect(maxage.status).toBe('fail');
    expect(maxage.evidence[0]).toMatchObject({ observed: '1', location: { file: path.join(dir, 'config.yaml.d/20-LOGS.YAML') } });
  });
});

describe('keys RKE2 does not know are skipped whatever their value (k3s "Unknown flag … skipping")', () => {
  const POLICY_DROP_IN = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n    resources:\n      - group: ""\n';
  const files = { 'config.yaml': 'profile: cis\netcd-s3-bucket-lookup-type: auto\n', 'config.yaml.d/92-harvester-kube-audit-policy.yaml': POLICY_DROP_IN };

  it('audit: a drop-in holding an audit policy (Harvester) is audited, its keys named as ignored; accepted keys are not', () => {
    const dir = tempTree(files);
    const { run } = auditConfig([path.join(dir, 'config.yaml')], { k8sVersion: 'v1.31.9+rke2r1' });
    expect(run.results.length).toBeGreaterThan(0);
    const unknown = run.warnings.filter((w) => /unknown key/.test(w));
    expect(unknown).toEqual([
      expect.stringMatching(/92-harvester-kube-audit-policy\.yaml:1:13: unknown key apiVersion: ignored by RKE2$/),
      expect.stringMatching(/92-harvester-kube-audit-policy\.yaml:2:7: unknown key kind: ignored by RKE2$/),
      expect.stringMatching(/92-harvester-kube-audit-policy\.yaml:4:3: unknown key rules: ignored by RKE2$/),
    ]);
  });

  it('harden: the configuration is hardened and that drop-in left as it is', async () => {
    const dir = tempTree(files);
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.9+rke2r1', from: path.join(dir, 'config.yaml') });
    expect(h.dropIns).toEqual([{ name: 'config.yaml.d/92-harvester-kube-audit-policy.yaml', before: POLICY_DROP_IN, after: POLICY_DROP_IN }]);
    expect(h.stillFailing).toEqual([]);
  });
});

describe('config.yaml.d without config.yaml (RKE2 reads the drop-ins alone)', () => {
  const layout = { 'rke2/config.yaml.d/10-base.yaml': 'profile: cis\nkubelet-arg: [anonymous-auth=true]\n', 'rke2/config.yaml.d/20-empty.yaml': '' };

  it('audit config of the folder, of the drop-in folder, or of one drop-in: one target, the drop-ins merged', () => {
    const dir = tempTree(layout);
    for (const p of [path.join(dir, 'rke2'), path.join(dir, 'rke2/config.yaml.d'), path.join(dir, 'rke2/config.yaml.d/20-empty.yaml')]) {
      const { run } = auditConfig([p], { k8sVersion: 'v1.31.4+rke2r1' });
      expect(run.targets.map((t) => t.name), p).toEqual([path.join(dir, 'rke2/config.yaml')]);
      expect(run.results.find((r) => r.checkId === 'kubelet-anonymous-auth-disabled')!.status, p).toBe('fail');
    }
  });

  it('harden config --from the absent config.yaml or its .d folder: the drop-in that sets a key is edited, new keys go to a new config.yaml', () => {
    for (const from of ['rke2/config.yaml', 'rke2/config.yaml.d', 'rke2/config.yaml.d/']) {
      const dir = tempTree(layout);
      const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(dir, from) });
      expect(h.dropIns.find((d) => d.name === 'config.yaml.d/10-base.yaml')!.after, from).toMatch(/kubelet-arg: \[ ?anonymous-auth=false/);
      expect(h.after, from).toMatch(/^audit-policy-file: /m);
      expect(h.stillFailing, from).toEqual([]);
    }
  });
});

describe('a key given twice in config.yaml: the last one wins, as k3s (go-yaml v2) reads it', () => {
  it('value and location from the last occurrence, with a warning; a Rancher Cluster warns once', () => {
    const s = rke2({ 'config.yaml': 'profile: cis\nkube-apiserver-arg: [profiling=true]\nkube-apiserver-arg: [profiling=false]\n' });
    expect(s.facts['kube-apiserver.args.profiling']).toMatchObject({ value: 'false', location: { line: 3 } });
    expect(s.warnings.filter((w) => w.includes('is given again'))).toEqual([expect.stringMatching(/config\.yaml:2:1: kube-apiserver-arg is given again at \S*config\.yaml:3:1: the last one is used/)]);
    const dir = tempTree({ 'c.yaml': 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: prod }\nspec:\n  kubernetesVersion: v1.30.8+rke2r1\n  rkeConfig:\n    machineGlobalConfig: { profile: cis, profile: cis }\n    machineSelectorConfig:\n      - config: { kubelet-arg: [max-pods=200] }\n        machineLabelSelector: { matchLabels: { pool: a } }\n' });
    const [global] = loadConfigTargets([path.join(dir, 'c.yaml')], {}).snapshots;
    expect(global!.warnings.filter((w) => w.includes('is given again'))).toHaveLength(1);
  });
});
