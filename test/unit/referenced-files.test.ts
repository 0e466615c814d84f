import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigTargets } from '../../src/config/load-config-targets.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { tempTree } from '../support/temp-files.js';

const POLICY = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n';
const NONE_POLICY = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n';
const ADMISSION = `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
  - name: PodSecurity
    configuration:
      apiVersion: pod-security.admission.config.k8s.io/v1
      kind: PodSecurityConfiguration
      defaults: { enforce: restricted }
      exemptions: { namespaces: [kube-system, cattle-system] }
  - name: EventRateLimit
    path: /etc/kubernetes/event-rate-limit.yaml
`;

describe('files the configuration points at', () => {
  it('reads a referenced file present on this machine (audit config run on the server)', () => {
    const dir = tempTree({ 'policy.yaml': POLICY, 'admission.yaml': ADMISSION });
    const cfg = tempTree({
      'config.yaml': `audit-policy-file: ${path.join(dir, 'policy.yaml')}\npod-security-admission-config-file: ${path.join(dir, 'admission.yaml')}\n`,
    });
    const { snapshots } = loadConfigTargets([path.join(cfg, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' });
    const s = snapshots[0]!;
    expect(s.facts['audit.policy.present']).toMatchObject({ value: 'true', source: 'file' });
    expect(s.facts['admission.PodSecurity.defaults.enforce']).toMatchObject({ value: 'restricted', source: 'file' });
    // Its EventRateLimit entry points at a further file that is not here: unknown, decided on the node.
    expect(s.facts['admission.EventRateLimit.configured']).toBeUndefined();
    expect(s.warnings.join('\n')).toMatch(/\/etc\/kubernetes\/event-rate-limit\.yaml: EventRateLimit configuration path does not exist.*decided by `audit node`/);
    expect(s.warnings.join('\n')).not.toMatch(/which this configuration does not contain/);
  });

  it('a policy that logs nothing is a valid policy (3.2.1 passes, as RKE2\'s own assessment says) but is flagged', () => {
    const dir = tempTree({ 'policy.yaml': NONE_POLICY });
    const cfg = tempTree({ 'config.yaml': `profile: cis\naudit-policy-file: ${path.join(dir, 'policy.yaml')}\n` });
    const { run } = auditConfig([path.join(cfg, 'config.yaml')], { k8sVersion: 'v1.33.6+rke2r1' });
    expect(run.results.find((x) => x.checkId === 'apiserver-audit-policy-present')!.status).toBe('pass');
    expect(run.warnings.join('\n')).toMatch(/the audit policy logs nothing .*review CIS 3\.2\.2/);
  });

  it('a missing referenced file is reported as outside the configuration, and its checks are manual', () => {
    const cfg = tempTree({ 'config.yaml': 'audit-policy-file: /nonexistent/audit.yaml\n' });
    const { run } = auditConfig([path.join(cfg, 'config.yaml')], { k8sVersion: 'v1.33.6+rke2r1' });
    expect(run.warnings.join('\n')).toMatch(/config\.yaml:1:\d+: audit-policy-file points at \/nonexistent\/audit\.yaml, which this configuration does not contain/);
    expect(run.results.find((x) => x.checkId === 'apiserver-audit-policy-present')!.status).toBe('manual');
  });

  it('an admission configuration outside the configuration: Pod Security is manual, not the privileged default (a false FAIL before)', () => {
    const cfg = tempTree({ 'config.yaml': 'profile: cis\npod-security-admission-config-file: /etc/rancher/rke2/my-psa.yaml\n' });
    const { run } = auditConfig([path.join(cfg, 'config.yaml')], { k8sVersion: 'v1.25.16+rke2r1', benchmark: 'rke2-cis-1.23' });
    const psa = run.results.find((x) => x.checkId === 'apiserver-admission-pod-security-control-enabled')!;
    expect(psa).toMatchObject({ status: 'manual', reason: 'admission-control-config-file /etc/rancher/rke2/my-psa.yaml is not in this configuration: decided by `audit node` on the server' });
    expect(psa.evidence).toContainEqual(expect.objectContaining({ fact: 'admission.PodSecurity.defaults.enforce', observed: '(not in this configuration)' }));
    // What the configuration does show still decides: EventRateLimit is not in the plugin list, whatever the file says.
    expect(run.results.find((x) => x.checkId === 'apiserver-admission-event-rate-limit-enabled')!.status).toBe('fail');
  });

  it('a kubelet --config file the configuration names: settings not given as flags are manual, flags still decide', () => {
    const cfg = tempTree({ 'config.yaml': 'profile: cis\nkubelet-arg:\n  - config=/etc/rancher/rke2/my-kubelet.yaml\n' });
    const { run } = auditConfig([path.join(cfg, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' });
    const by = (check: string) => run.results.find((x) => x.checkId === check)!;
    // podPidsLimit may be set in the file: not failed on the kubelet's built-in -1.
    expect(by('kubelet-pod-pids-limited')).toMatchObject({ status: 'manual', reason: 'kubelet settings not given as flags may come from --config /etc/rancher/rke2/my-kubelet.yaml, which is not in this configuration: decided by `audit node`' });
    // RKE2 passes --anonymous-auth=false on the command line, which wins over any file.
    expect(by('kubelet-anonymous-auth-disabled').status).toBe('pass');
  });

  it('a kubelet --config file found beside the configuration (host/) is read: its settings apply where no flag gives them', () => {
    const cfg = tempTree({
      'config.yaml': 'profile: cis\nkubelet-arg:\n  - config=/etc/rancher/rke2/my-kubelet.yaml\n  - feature-gates=Foo=true\n',
      'host/etc/rancher/rke2/my-kubelet.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\npodPidsLimit: 4096\nstreamingConnectionIdleTimeout: "0"\nreadOnlyPort: 10255\nfeatureGates: { RotateKubeletServerCertificate: false, Foo: false }\n',
    });
    const { snapshots } = loadConfigTargets([path.join(cfg, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' });
    const f = snapshots[0]!.facts;
    expect(f['kubelet.args.pod-max-pids']).toMatchObject({ value: '4096', source: 'file', layer: 'kubelet config file /etc/rancher/rke2/my-kubelet.yaml', location: { line: 3 } });
    expect(f['kubelet.args.streaming-connection-idle-timeout']?.value).toBe('0');
    // RKE2 passes --read-only-port=0 on the command line: it wins over the file.
    expect(f['kubelet.args.read-only-port']).toMatchObject({ value: '0', source: 'default', layer: 'RKE2 default' });
    // Feature gates merge per gate, the command line winning.
    expect(f['kubelet.args.feature-gates']?.value).toBe('RotateKubeletServerCertificate=false,Foo=true');
    expect(snapshots[0]!.elsewhere?.['kubelet.args']).toBeUndefined();
    const { run } = auditConfig([path.join(cfg, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' });
    expect(['kubelet-pod-pids-limited', 'kubelet-streaming-connection-idle-timeout-not-zero'].map((c) => run.results.find((r) => r.checkId === c)?.status)).toEqual(['pass', 'fail']);
  });

  it('a kubelet --config-dir the configuration names is not read: settings not given as flags are manual', () => {
    const cfg = tempTree({ 'config.yaml': 'kubelet-arg:\n  - config-dir=/etc/rancher/rke2/kubelet.d\n' });
    const { snapshots } = loadConfigTargets([path.join(cfg, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' });
    expect(snapshots[0]!.elsewhere?.['kubelet.args']).toMatch(/--config-dir \/etc\/rancher\/rke2\/kubelet\.d, which `audit config` does not read/);
  });

  it('Rancher inline file content is parsed and the materialised path becomes the flag', () => {
    const dir = tempTree({
      'c.yaml': `apiVersion: provisioning.cattle.io/v1
kind: Cluster
metadata: { name: x }
spec:
  kubernetesVersion: v1.31.4+rke2r1
  rkeConfig:
    machineGlobalConfig:
      profile: cis
      audit-policy-file: |
        apiVersion: audit.k8s.io/v1
        kind: Policy
        rules:
          - level: RequestResponse
`,
    });
    const s = loadConfigTargets([path.join(dir, 'c.yaml')], {}).snapshots[0]!;
    expect(s.facts['audit.policy.present']).toMatchObject({ value: 'true', source: 'config', location: { line: 9 } });
    expect(s.facts['kube-apiserver.args.audit-policy-file']?.value).toBe('/var/lib/rancher/rke2/etc/config-files/audit-policy-file');
  });

  it('RKE1 extra_args encryption-provider-config pointing at a local file is read, keys never copied', () => {
    const dir = tempTree({ 'enc.yaml': 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - identity: {}\n      - aescbc: { keys: [{ name: k, secret: c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI= }] }\n' });
    const cfg = tempTree({ 'cluster.yml': `kubernetes_version: v1.28.15-rancher1-1\nservices:\n  kube-api:\n    extra_args:\n      encryption-provider-config: ${path.join(dir, 'enc.yaml')}\n` });
    const { run } = auditConfig([path.join(cfg, 'cluster.yml')], {});
    const strong = run.results.find((x) => x.checkId === 'apiserver-encryption-provider-strong')!;
    expect(strong.status).toBe('fail'); // identity first: secrets are written in clear
    expect(JSON.stringify(run)).not.toContain('c2VjcmV0');
  });
  it('kube-proxy --config: its metricsBindAddress (or default) decides, the ignored flag is named; a file not found here leaves it to audit node', () => {
    const status = (files: Record<string, string>) => {
      const cfg = tempTree(files);
      const { run } = auditConfig([path.join(cfg, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' });
      const r = run.results.find((x) => x.checkId === 'kube-proxy-metrics-bind-address-localhost')!;
      return { cfg, r, warnings: run.warnings };
    };
    const config = 'kube-proxy-arg:\n  - config=/etc/rancher/rke2/kube-proxy.yaml\n  - metrics-bind-address=127.0.0.1:10249\n';
    const open = status({ 'config.yaml': config, 'host/etc/rancher/rke2/kube-proxy.yaml': 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmetricsBindAddress: 0.0.0.0:10249\n' });
    expect(open.r.status).toBe('fail');
    expect(open.r.evidence[0]).toMatchObject({ observed: '0.0.0.0:10249', source: 'file', location: { file: '/etc/rancher/rke2/kube-proxy.yaml', line: 3 } });
    expect(open.warnings).toContainEqual(expect.stringMatching(/config\.yaml:3:5: kube-proxy --metrics-bind-address is ignored beside --config \/etc\/rancher\/rke2\/kube-proxy\.yaml: its metricsBindAddress is audited in its place$/));
    // Left out of the file: KubeProxyConfiguration's default, not the flag.
    const dflt = status({ 'config.yaml': config.replace('127.0.0.1', '0.0.0.0'), 'host/etc/rancher/rke2/kube-proxy.yaml': 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n' });
    expect(dflt.r).toMatchObject({ status: 'pass', evidence: [expect.objectContaining({ observed: '127.0.0.1:10249', source: 'default', layer: expect.stringMatching(/^KubeProxyConfiguration default/) })] });
    const away = status({ 'config.yaml': config.replace('127.0.0.1', '0.0.0.0') });
    expect(away.r).toMatchObject({ status: 'manual', reason: 'kube-proxy reads its settings from --config /etc/rancher/rke2/kube-proxy.yaml, which `audit config` cannot read here: decided by `audit node`' });
  });
});
