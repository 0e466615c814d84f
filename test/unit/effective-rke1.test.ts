import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/read-yaml-file.js';
import { effectiveRke1 } from '../../src/config/rke1/effective-rke1.js';
import { tempTree } from '../support/temp-files.js';
import { loadConfigTargets } from '../../src/config/load-config-targets.js';

function rke1(yaml: string, opts: { k8sVersion?: string } = {}) {
  const dir = tempTree({ 'cluster.yml': yaml });
  return effectiveRke1(readYamlFile(path.join(dir, 'cluster.yml')), opts);
}
const v = (snap: ReturnType<typeof rke1>, key: string) => snap.facts[key]?.value;

describe('RKE1 effective configuration', () => {
  it('layers plan defaults < KDM for the version, with provenance', () => {
    const s = rke1('kubernetes_version: v1.28.15-rancher1-1\n');
    expect(v(s, 'kube-apiserver.args.profiling')).toBe('false');
    expect(s.facts['kube-apiserver.args.profiling']?.layer).toBe('KDM service options v1.28');
    expect(s.facts['kube-apiserver.args.client-ca-file']?.layer).toBe('RKE plan default');
    expect(v(s, 'kube-apiserver.args.insecure-port')).toBeUndefined();
    expect(v(s, 'kube-controller-manager.args.bind-address')).toBeUndefined();
    expect(v(s, 'kubelet.args.enforce-node-allocatable')).toBeUndefined(); // KDM "" deletes
    expect(v(s, 'kube-apiserver.args.authorization-mode')).toBe('Node,RBAC');
  });

  it('knows version-specific KDM options (insecure-port only on 1.23)', () => {
    expect(v(rke1('kubernetes_version: v1.23.16-rancher2-3\n'), 'kube-apiserver.args.insecure-port')).toBe('0');
  });

  it('RKE1\'s last minor (1.32), whose KDM options the data lacks: the stand-in minor\'s, said in the layer and a warning', () => {
    const s = rke1('kubernetes_version: v1.32.2-rancher1-1\n');
    expect(v(s, 'kube-apiserver.args.profiling')).toBe('false');
    expect(s.facts['kube-apiserver.args.profiling']?.layer).toBe('KDM service options v1.31 (assumed for v1.32)');
    expect(s.warnings).toContainEqual(expect.stringMatching(/cluster\.yml:1:\d+: RKE's service options for v1\.32 are not in this tool's data: v1\.31's are assumed/));
    expect(rke1('kubernetes_version: v1.31.9-rancher1-1\n').warnings.filter((w) => /assumed/.test(w))).toEqual([]);
    expect(() => rke1('kubernetes_version: v1.33.1-rancher1-1\n')).toThrow(/v1\.33\.1-rancher1-1 is newer than any RKE1 release \(RKE1.s last is v1\.32\)/);
    expect(() => rke1('kubernetes_version: v1.20.5-rancher1-1\n')).toThrow(/v1\.20\.5-rancher1-1 is older than the RKE1 releases rke-harden knows \(v1\.23–v1\.32; the CIS profiles for RKE start at 1\.23\)/);
  });

  it('turns cluster.yml fields into flags and files', () => {
    const s = rke1(`kubernetes_version: v1.28.15-rancher1-1
services:
  kube-api:
    secrets_encryption_config: { enabled: true }
    event_rate_limit: { enabled: true }
    always_pull_images: true
    pod_security_configuration: restricted
  kubelet:
    generate_serving_certificate: true
  etcd: { uid: 52034, gid: 52034 }
`);
    expect(v(s, 'kube-apiserver.args.encryption-provider-config')).toBe('/etc/kubernetes/ssl/encryption.yaml');
    expect(v(s, 'encryption.providers')).toEqual(['aescbc', 'identity']);
    expect(String(v(s, 'kube-apiserver.args.enable-admission-plugins'))).toMatch(/,AlwaysPullImages,EventRateLimit$/);
    expect(v(s, 'kube-apiserver.args.kubelet-certificate-authority')).toBe('/etc/kubernetes/ssl/kube-ca.pem');
    expect(v(s, 'admission.PodSecurity.defaults.enforce')).toBe('restricted');
    expect(v(s, 'rke1.etcd.uid')).toBe('52034');
    expect(s.facts['rke1.etcd.uid']?.location).toMatchObject({ line: 10 });
  });

  it('audit logging is on by default and off with enabled: false', () => {
    expect(v(rke1('kubernetes_version: v1.28.15-rancher1-1\n'), 'kube-apiserver.args.audit-log-path')).toBe('/var/log/kube-audit/audit-log.json');
    const off = rke1('kubernetes_version: v1.28.15-rancher1-1\nservices:\n  kube-api:\n    audit_log:\n      enabled: false\n');
    expect(v(off, 'kube-apiserver.args.audit-log-path')).toBeUndefined();
    expect(v(off, 'audit.policy.present')).toBeUndefined();
  });

  it('audit_log as RKE defaults it: a section without enabled: true is off; a configuration gets only its policy defaulted; extra_args naming a policy file means RKE deploys none', () => {
    const head = 'kubernetes_version: v1.28.15-rancher1-1\nservices:\n  kube-api:\n    audit_log:\n';
    // enabled left out: off (Go's false), not RKE's default-on, which applies only with no section at all.
    const empty = rke1('kubernetes_version: v1.28.15-rancher1-1\nservices:\n  kube-api:\n    audit_log: {}\n');
    expect(v(empty, 'kube-apiserver.args.audit-log-path')).toBeUndefined();
    expect(v(empty, 'audit.policy.present')).toBeUndefined();
    // A configuration without enabled: flags passed, no policy file deployed (a warning says so).
    const noEnabled = rke1(`${head}      configuration: { max_age: 30, path: /var/log/a.json }\n`);
    expect(v(noEnabled, 'kube-apiserver.args.audit-log-maxage')).toBe('30');
    expect(v(noEnabled, 'audit.policy.present')).toBeUndefined();
    expect(noEnabled.warnings).toContainEqual(expect.stringMatching(/audit_log is not enabled .* deploys no policy file/));
    // enabled with a partial configuration: what is left out is passed as 0 or empty, the policy defaulted.
    const partial = rke1(`${head}      enabled: true\n      configuration: { max_backup: 5 }\n`);
    expect([v(partial, 'kube-apiserver.args.audit-log-path'), v(partial, 'kube-apiserver.args.audit-log-maxage'), v(partial, 'kube-apiserver.args.audit-log-maxbackup')]).toEqual(['', '0', '5']);
    expect(partial.facts['audit.policy.present']?.layer).toBe('RKE default audit policy (level Metadata)');
    // extra_args names its own policy file: RKE deploys none; the file is the node's to show.
    const own = rke1(`${head}      enabled: true\n    extra_args:\n      audit-policy-file: /etc/kubernetes/custom/audit.yaml\n`);
    expect(v(own, 'kube-apiserver.args.audit-policy-file')).toBe('/etc/kubernetes/custom/audit.yaml');
    expect(v(own, 'audit.policy.present')).toBeUndefined();
  });

  it('secrets_encryption_config.custom_config: an entry for "*.*" covers Secrets (1.27+); with none, Secrets are stored as they are', () => {
    const custom = (resources: string) => rke1(`kubernetes_version: v1.30.4-rancher1-1\nservices:\n  kube-api:\n    secrets_encryption_config:\n      enabled: true\n      custom_config:\n        apiVersion: apiserver.config.k8s.io/v1\n        kind: EncryptionConfiguration\n        resources:\n        - resources: [${resources}]\n          providers: [{ aescbc: { keys: [{ name: k, secret: eA== }] } }, { identity: {} }]\n`);
    expect(v(custom('"*.*"'), 'encryption.providers')).toEqual(['aescbc', 'identity']);
    expect(v(custom('secrets'), 'encryption.provider.first')).toBe('aescbc');
    expect(v(custom('configmaps'), 'encryption.providers')).toEqual(['identity']);
  });

  it('Rancher\'s Pod Security template (RKE1 under Rancher): a built-in one by its content; a custom one is never guessed from its name', () => {
    const cluster = (name: string) => rke1(`default_pod_security_admission_configuration_template_name: ${name}\nrancher_kubernetes_engine_config:\n  kubernetes_version: v1.28.15-rancher1-1\n  services:\n    kube-api:\n      pod_security_configuration: privileged\n`);
    expect(v(cluster('rancher-restricted'), 'admission.PodSecurity.defaults.enforce')).toBe('restricted');
    for (const custom of ['corp-baseline', 'not-really-restricted']) {
      const s = cluster(custom);
      expect(v(s, 'admission.PodSecurity.defaults.enforce')).toBeUndefined();
      expect(s.elsewhere?.['admission.PodSecurity']).toMatch(new RegExp(`template ${custom}, whose content is not in this file`));
    }
  });

  it('extra_args replace (dropping RKE-added plugins) and extra_args_array append', () => {
    const s = rke1(`kubernetes_version: v1.28.15-rancher1-1
services:
  kube-api:
    event_rate_limit: { enabled: true }
    extra_args:
      enable-admission-plugins: NodeRestriction
      profiling: true
    extra_args_array:
      tls-cipher-suites: [TLS_AES_128_GCM_SHA256]
`);
    expect(v(s, 'kube-apiserver.args.enable-admission-plugins')).toBe('NodeRestriction');
    expect(v(s, 'kube-apiserver.args.profiling')).toBe('true');
    expect(s.facts['kube-apiserver.args.profiling']).toMatchObject({ source: 'config', layer: 'cluster.yml extra_args', location: { line: 7, column: 18 } });
    expect(String(v(s, 'kube-apiserver.args.tls-cipher-suites'))).toMatch(/TLS_AES_128_GCM_SHA256$/);
  });

  it('accepts kube_api spelling and the Rancher wrapper', () => {
    const s = rke1(`rancher_kubernetes_engine_config:
  kubernetes_version: v1.26.15-rancher1-1
  services:
    kube_api:
      extra_args: { anonymous-auth: "true" }
`);
    expect(v(s, 'kube-apiserver.args.anonymous-auth')).toBe('true');
  });

  it('warns (not fails) about unknown keys such as bind-address beside extra_args', () => {
    const s = rke1('kubernetes_version: v1.28.15-rancher1-1\nservices:\n  scheduler:\n    bind-address: 127.0.0.1\n');
    expect(s.warnings.join('\n')).toMatch(/cluster\.yml:4:5: unknown key services\.scheduler\.bind-address/);
    expect(v(s, 'kube-scheduler.args.bind-address')).toBeUndefined();
  });

  it('controller-manager use-service-account-credentials comes last under RBAC', () => {
    const s = rke1('kubernetes_version: v1.28.15-rancher1-1\nservices:\n  kube-controller:\n    extra_args: { use-service-account-credentials: "false" }\n');
    expect(v(s, 'kube-controller-manager.args.use-service-account-credentials')).toBe('true');
  });

  it('rejects wrong types and versions with file:line', () => {
    expect(() => rke1('kubernetes_version: v1.28.15-rancher1-1\nservices:\n  kube-api:\n    extra_args: [a, b]\n')).toThrow(/cluster\.yml:4:17: services\.kube-api\.extra_args: must be a map/);
    expect(() => rke1('kubernetes_version: 1.28\n')).toThrow(/cluster\.yml:1:21: kubernetes_version: must be a string/);
    expect(() => rke1('kubernetes_version: v1.40.1-rancher1-1\n')).toThrow(/is newer than any RKE1 release/);
    expect(() => rke1('nodes: []\n')).toThrow(/kubernetes_version is not set: pass --k8s-version/);
  });
});

describe('flags the file\'s own Kubernetes version no longer has', () => {
  it('are warnings naming file:line: the component would not start (a guide carried over from 1.23)', () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.24.17-rancher1-1\nservices:\n  kube-controller:\n    extra_args:\n      address: 127.0.0.1\n  kubelet:\n    extra_args:\n      network-plugin: cni\n' });
    const { snapshots } = loadConfigTargets([path.join(dir, 'cluster.yml')], {});
    expect(snapshots[0]!.warnings.filter((w) => /was removed in Kubernetes/.test(w))).toEqual([
      expect.stringMatching(/cluster\.yml:5:16: kube-controller-manager --address was removed in Kubernetes 1\.24: kube-controller-manager will not start \(remove address from the kube-controller-manager arguments\)$/),
      expect.stringMatching(/cluster\.yml:8:23: kubelet --network-plugin was removed in Kubernetes 1\.24: kubelet will not start/),
    ]);
    // On 1.23 both still exist.
    const old = tempTree({ 'cluster.yml': 'kubernetes_version: v1.23.16-rancher2-3\nservices:\n  kube-controller:\n    extra_args:\n      address: 127.0.0.1\n' });
    expect(loadConfigTargets([path.join(old, 'cluster.yml')], {}).snapshots[0]!.warnings.filter((w) => /was removed/.test(w))).toEqual([]);
  });
});

describe('typed fields as rke up decodes cluster.yml (go-yaml v2, YAML 1.1)', () => {
  const head = 'kubernetes_version: v1.28.15-rancher1-1\n';
  it('plain YAML 1.1 booleans and integers are read as RKE reads them: `yes` is true, `0644`-style octal', () => {
    const s = rke1(`${head}services:\n  etcd: {uid: 052034, gid: 52034}\n  kube-api:\n    secrets_encryption_config: {enabled: yes}\n`);
    expect(v(s, 'rke1.etcd.uid')).toBe(String(0o52034)); // octal: not the etcd user, as RKE would run it
    expect(v(s, 'rke1.etcd.gid')).toBe('52034');
    expect(v(s, 'kube-apiserver.args.encryption-provider-config')).toBe('/etc/kubernetes/ssl/encryption.yaml');
  });

  it('a quoted number or boolean in a typed field is refused, as rke up refuses it (a false PASS otherwise)', () => {
    expect(() => rke1(`${head}services:\n  etcd: {uid: "52034", gid: 52034}\n`)).toThrow(/cluster\.yml:3:15: services\.etcd\.uid: must be an integer, got the string "52034": rke up \(go-yaml v2\) refuses a quoted value here, write it unquoted/);
    expect(() => rke1(`${head}services:\n  kube-api:\n    secrets_encryption_config: {enabled: "true"}\n`)).toThrow(/services\.kube-api\.secrets_encryption_config\.enabled: must be true or false, got the string "true"/);
  });

  it("inside Rancher's rancher_kubernetes_engine_config (read through Rancher's API, not rke up) a quoted value is still read", () => {
    const s = rke1('rancher_kubernetes_engine_config:\n  kubernetes_version: v1.28.15-rancher1-1\n  services:\n    etcd: {uid: "52034", gid: "52034"}\n');
    expect(v(s, 'rke1.etcd.uid')).toBe('52034');
  });
});

describe('a key given twice in one map: the last one wins, as go-yaml v2 reads it (rke up accepts the file)', () => {
  it('the value and the place named are the last occurrence; the warning names both lines', () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\nprivate_registries: []\nservices:\n  kube-api:\n    extra_args:\n      profiling: "true"\n      profiling: "false"\nprivate_registries:\n  - url: registry.example\n' });
    const s = loadConfigTargets([path.join(dir, 'cluster.yml')], {}).snapshots[0]!;
    expect(s.facts['kube-apiserver.args.profiling']).toMatchObject({ value: 'false', location: { line: 7, column: 18 } });
    expect(s.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/cluster\.yml:2:1: private_registries is given again at \S*cluster\.yml:8:1: the last one is used, as go-yaml v2 \(rke up, RKE2\) reads it$/),
      expect.stringMatching(/cluster\.yml:6:7: profiling is given again at \S*cluster\.yml:7:7: the last one is used/),
    ]));
  });

  it('harden config, which edits the file, asks for each key once (one line, exit 2)', async () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\nservices: {}\nservices: {}\n' });
    const { runCli } = await import('../support/run-cli.js');
    const r = await runCli(['harden', 'config', '--distro', 'rke1', '--from', path.join(dir, 'cluster.yml'), '--out', path.join(dir, 'out')]);
    expect(r.code).toBe(2);
    const file = path.join(dir, 'cluster.yml');
    expect(r.stderr.trim()).toBe(`rke-harden: ${file}:2:1: services is given again at ${file}:3:1: harden config edits this document: keep one of them`);
  });
});
