// harden config on Rancher provisioning Cluster objects (provisioning.cattle.io/v1, RKE2): settings
// edited where Rancher merges them from, Pod Security by Rancher's template, the version from the file.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hardenConfig, writeHardenedConfig } from '../../src/harden-config/harden-config.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';

const cluster = (spec: string) => `apiVersion: provisioning.cattle.io/v1
kind: Cluster
metadata:
  name: prod
  namespace: fleet-default
spec:
${spec}`;

/** Harden, write with companions, audit what was written: the scored failures left. */
function hardenAndAudit(file: string, opts: { k8sVersion?: string; psa?: 'restricted' | 'baseline'; exemptNamespaces?: string[] } = {}) {
  const h = hardenConfig({ distro: 'rke2', from: file, ...opts });
  const out = tempTree({});
  writeHardenedConfig(h, out);
  const { run } = auditConfig([path.join(out, h.fileName)], {});
  const scoredFails = run.results.filter((r) => r.status === 'fail' && r.scored).map((r) => `${r.target} ${r.controlId} ${r.checkId}`);
  return { h, run, scoredFails, spec: (parse(h.after) as { spec: Record<string, unknown> }).spec };
}

describe('harden config: Rancher provisioning Cluster (RKE2)', () => {
  it('the bundled example: edits where Rancher merges from, comments kept, no scored fail left, idempotent', () => {
    const file = path.join(tempTree({ 'cluster.yaml': fs.readFileSync('examples/rancher-rke2/cluster.yaml', 'utf8') }), 'cluster.yaml');
    const before = auditConfig([file], {}).run.results.filter((r) => r.status === 'fail' && r.scored);
    expect(before.length).toBeGreaterThan(0); // the example follows an old guide: cis-1.23 is fatal on v1.31
    const { h, scoredFails, spec } = hardenAndAudit(file);
    expect(scoredFails).toEqual([]);
    expect(h.benchmark).toBe('rke2-cis-1.11');
    const rke = spec.rkeConfig as { machineGlobalConfig: Record<string, unknown>; machineSelectorConfig: { config: Record<string, unknown> }[] };
    // profile was set in the selector-less machineSelectorConfig entry: fixed there, not duplicated.
    expect(rke.machineSelectorConfig[0]!.config).toEqual({ profile: 'cis', 'protect-kernel-defaults': true });
    expect(rke.machineGlobalConfig.profile).toBeUndefined();
    // New keys go to machineGlobalConfig, next to the user's own.
    expect(rke.machineGlobalConfig).toMatchObject({ cni: 'calico' });
    // Rancher writes audit-policy-file's value as the policy itself: the key is never a path here. RKE2
    // reads its own path in CIS mode, where machineSelectorFiles delivers the policy.
    expect(rke.machineGlobalConfig['audit-policy-file']).toBeUndefined();
    expect(spec.defaultPodSecurityAdmissionConfigurationTemplateName).toBe('rancher-restricted');
    expect(h.after).toMatch(/^# A Rancher-provisioned RKE2 cluster following Rancher's v2\.7 guide/);
    expect(h.after).not.toMatch(/pod-security-admission-config-file|EventRateLimit/); // Rancher writes the admission configuration
    expect(h.notes.join('\n')).toMatch(/profile: cis-1\.23 → cis/);
    expect(h.notes.join('\n')).toMatch(/CIS 1\.2\.9 \(EventRateLimit\) stays open/);
    // Rancher delivers the audit policy to the control-plane machines from a ConfigMap it is allowed to read.
    expect((rke as unknown as { machineSelectorFiles: unknown[] }).machineSelectorFiles).toEqual([{
      fileSources: [{ configMap: { name: 'prod-rke-harden-files', items: [{ key: 'audit-policy.yaml', path: '/etc/rancher/rke2/audit-policy.yaml', permissions: '0600' }] } }],
      machineLabelSelector: { matchLabels: { 'rke.cattle.io/control-plane-role': 'true' } },
    }]);
    const policy = h.companions.find((c) => c.nodePath === '/etc/rancher/rke2/audit-policy.yaml')!;
    expect(h.manifests.map((m) => m.fileName)).toEqual(['prod-rke-harden-files.yaml']);
    expect(parse(h.manifests[0]!.text)).toEqual({
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'prod-rke-harden-files', namespace: 'fleet-default', annotations: { 'rke.cattle.io/object-authorized-for-clusters': 'prod' } },
      data: { 'audit-policy.yaml': policy.text },
    });
    fs.writeFileSync(file, h.after);
    expect(hardenConfig({ distro: 'rke2', from: file }).after).toBe(h.after);
  });

  it('an audit policy the user\'s machineSelectorFiles deliver is kept: no ConfigMap of ours, no companion file', () => {
    const userEntry = { fileSources: [{ secret: { name: 'audit', items: [{ key: 'policy', path: '/etc/rancher/rke2/audit-policy.yaml' }] } }], machineLabelSelector: { matchLabels: { 'rke.cattle.io/control-plane-role': 'true' } } };
    const spec = `  kubernetesVersion: v1.31.4+rke2r1\n  rkeConfig:\n    machineGlobalConfig:\n      profile: cis\n    machineSelectorFiles:\n      - ${JSON.stringify(userEntry)}\n`;
    const file = path.join(tempTree({ 'cluster.yaml': cluster(spec) }), 'cluster.yaml');
    const h = hardenConfig({ distro: 'rke2', from: file });
    const rke = (parse(h.after) as { spec: { rkeConfig: { machineSelectorFiles: unknown[] } } }).spec.rkeConfig;
    expect(rke.machineSelectorFiles).toEqual([userEntry]);
    expect(h.manifests).toEqual([]);
    expect(h.companions.map((c) => c.nodePath)).not.toContain('/etc/rancher/rke2/audit-policy.yaml');
    expect(h.notes.join('\n')).toMatch(/machineSelectorFiles already delivers \/etc\/rancher\/rke2\/audit-policy\.yaml: your audit policy is kept/);
  });

  it('audit config reads the audit policy Rancher delivers from the ConfigMap kept beside the Cluster (no host/ copy needed); an unauthorised one is flagged', () => {
    const file = path.join(tempTree({ 'cluster.yaml': fs.readFileSync('examples/rancher-rke2/cluster.yaml', 'utf8') }), 'cluster.yaml');
    const h = hardenConfig({ distro: 'rke2', from: file });
    // A GitOps folder: the Cluster and the ConfigMap, no host/ tree.
    const repo = tempTree({ 'cluster.yaml': h.after, [h.manifests[0]!.fileName]: h.manifests[0]!.text });
    const audit = () => auditConfig([path.join(repo, 'cluster.yaml')], {}).run;
    const policy = (run: ReturnType<typeof audit>) => run.results.find((r) => r.checkId === 'apiserver-audit-policy-present')!;
    const run = audit();
    expect(policy(run).status).toBe('pass');
    expect(JSON.stringify(policy(run).evidence)).toMatch(/delivered by Rancher from .*prod-rke-harden-files\.yaml: ConfigMap fleet-default\/prod-rke-harden-files key audit-policy\.yaml/);
    expect(run.warnings.filter((w) => /audit-policy-file points at/.test(w))).toEqual([]);
    expect(run.results.filter((r) => r.status === 'fail' && r.scored)).toEqual([]);
    // Without the annotation Rancher would not deliver it: said, and the policy is left to audit node.
    fs.writeFileSync(path.join(repo, h.manifests[0]!.fileName), h.manifests[0]!.text.replace(/ {4}rke\.cattle\.io\/object-authorized-for-clusters: prod\n/, ''));
    const unauthorised = audit();
    expect(unauthorised.warnings.join('\n')).toMatch(/ConfigMap fleet-default\/prod-rke-harden-files lacks the annotation rke\.cattle\.io\/object-authorized-for-clusters: prod/);
    expect(policy(unauthorised).status).toBe('manual');
  });

  it('a custom Pod Security template is read from its object beside the Cluster, never guessed from its name', () => {
    const spec = (name: string) => cluster(`  kubernetesVersion: v1.25.16+rke2r1\n  defaultPodSecurityAdmissionConfigurationTemplateName: ${name}\n  rkeConfig:\n    machineGlobalConfig: { profile: cis }\n`);
    const dir = tempTree({
      'strict.yaml': spec('strict'),
      'lenient-restricted.yaml': spec('lenient-restricted'),
      'templates.yaml': 'apiVersion: management.cattle.io/v3\nkind: PodSecurityAdmissionConfigurationTemplate\nmetadata: { name: strict }\nconfiguration:\n  defaults: { enforce: restricted }\n  exemptions: { namespaces: [kube-system] }\n---\napiVersion: management.cattle.io/v3\nkind: PodSecurityAdmissionConfigurationTemplate\nmetadata: { name: lenient-restricted }\nconfiguration:\n  defaults: { warn: restricted }\n',
      'elsewhere.yaml': spec('ours-restricted'),
    });
    const psa = (file: string) => auditConfig([path.join(dir, file)], { benchmark: 'rke2-cis-1.23' }).run.results.find((r) => r.checkId === 'apiserver-admission-pod-security-control-enabled')!;
    expect(psa('strict.yaml').status).toBe('pass');
    expect(JSON.stringify(psa('strict.yaml').evidence)).toMatch(/Rancher PSA template strict \(.*templates\.yaml\)/);
    // Named "restricted" but enforcing nothing: the object decides (privileged, Pod Security admission's default), not the name.
    expect(psa('lenient-restricted.yaml').status).toBe('fail');
    // Not beside the Cluster: decided on the servers.
    expect(psa('elsewhere.yaml')).toMatchObject({ status: 'manual', reason: "Pod Security comes from Rancher's template ours-restricted, which is not beside the Cluster: decided by `audit node` on the servers" });
  });

  it('Rancher\'s early v2.7 guide cluster (1.25): hardened without scored fails', () => {
    const { scoredFails, spec } = hardenAndAudit(path.resolve('test/fixtures/rancher-templates/rke2-rancher-cluster-hardened-k8s-1.25-early-v2.7.yaml'));
    expect(scoredFails).toEqual([]);
    expect((spec.rkeConfig as { upgradeStrategy?: unknown }).upgradeStrategy).toMatchObject({ controlPlaneConcurrency: '1' }); // the rest untouched
  });

  it('a bare cluster: settings into machineGlobalConfig, the template set; rancher-privileged replaced; a custom template kept', () => {
    const dir = tempTree({ 'bare.yaml': cluster('  kubernetesVersion: v1.32.5+rke2r1\n'), 'privileged.yaml': cluster('  kubernetesVersion: v1.32.5+rke2r1\n  defaultPodSecurityAdmissionConfigurationTemplateName: rancher-privileged\n  rkeConfig: {}\n'), 'custom.yaml': cluster('  kubernetesVersion: v1.32.5+rke2r1\n  defaultPodSecurityAdmissionConfigurationTemplateName: ours-restricted\n') });
    const bare = hardenAndAudit(path.join(dir, 'bare.yaml'));
    expect(bare.scoredFails).toEqual([]);
    expect((bare.spec.rkeConfig as { machineGlobalConfig: Record<string, unknown> }).machineGlobalConfig.profile).toBe('cis');
    expect(bare.spec.defaultPodSecurityAdmissionConfigurationTemplateName).toBe('rancher-restricted');
    const privileged = hardenAndAudit(path.join(dir, 'privileged.yaml'));
    expect(privileged.spec.defaultPodSecurityAdmissionConfigurationTemplateName).toBe('rancher-restricted');
    expect(privileged.h.notes.join('\n')).toMatch(/rancher-privileged → rancher-restricted/);
    // An empty name (a Terraform default) is no template, to Rancher as to audit config.
    for (const empty of ['""', '']) {
      const file = path.join(tempTree({ 'empty.yaml': cluster(`  kubernetesVersion: v1.32.5+rke2r1\n  defaultPodSecurityAdmissionConfigurationTemplateName: ${empty}\n`) }), 'empty.yaml');
      const hardened = hardenAndAudit(file);
      expect(hardened.spec.defaultPodSecurityAdmissionConfigurationTemplateName).toBe('rancher-restricted');
      expect(hardened.h.notes.join('\n')).not.toMatch(/is yours/);
    }
    const custom = hardenConfig({ distro: 'rke2', from: path.join(dir, 'custom.yaml') });
    expect(custom.after).toMatch(/defaultPodSecurityAdmissionConfigurationTemplateName: ours-restricted/);
    expect(custom.notes.join('\n')).toMatch(/ours-restricted is yours/);
    // Namespaces the built-in template does not exempt: named, with the way to add them.
    expect(hardenConfig({ distro: 'rke2', from: path.join(dir, 'bare.yaml'), exemptNamespaces: ['team-ingress'] }).notes.join('\n')).toMatch(/rancher-restricted does not exempt team-ingress/);
  });

  it('entries with a machineLabelSelector: a list they set replaces machineGlobalConfig\'s on their machines, so the hardening goes there too', () => {
    const file = path.join(tempTree({ 'c.yaml': cluster(`  kubernetesVersion: v1.31.4+rke2r1
  rkeConfig:
    machineSelectorConfig:
      - config:
          kubelet-arg: [max-pods=200]
        machineLabelSelector:
          matchLabels: { pool: big }
      - config:
          kube-apiserver-arg: [request-timeout=60s]
        machineLabelSelector:
          matchLabels: { rke.cattle.io/control-plane-role: "true" }
      - config:
          cloud-provider-name: aws
        machineLabelSelector:
          matchLabels: { pool: other }
`) }), 'c.yaml');
    const { spec, scoredFails, run } = hardenAndAudit(file);
    const rke = spec.rkeConfig as { machineGlobalConfig: Record<string, string[]>; machineSelectorConfig: { config: Record<string, string[]> }[] };
    expect(rke.machineGlobalConfig['kubelet-arg']![0]).toMatch(/^tls-cipher-suites=/);
    expect(rke.machineSelectorConfig[0]!.config['kubelet-arg']).toEqual(['max-pods=200', rke.machineGlobalConfig['kubelet-arg']![0]]);
    expect(rke.machineSelectorConfig[1]!.config['kube-apiserver-arg']).toEqual(expect.arrayContaining(['request-timeout=60s', ...rke.machineGlobalConfig['kube-apiserver-arg']!]));
    // An entry that sets none of the hardened keys is left as it was.
    expect(rke.machineSelectorConfig[2]!.config).toEqual({ 'cloud-provider-name': 'aws' });
    // Every machine, whichever entries match it, is hardened.
    expect(run.targets.length).toBeGreaterThan(1);
    expect(scoredFails).toEqual([]);
  });

  it('audit config of a Cluster: remediations name its rkeConfig maps, not a node\'s /etc/rancher/rke2/config.yaml', () => {
    const { run } = auditConfig(['examples/rancher-rke2/cluster.yaml'], {});
    const where = "the Cluster's spec.rkeConfig.machineGlobalConfig (or the machineSelectorConfig entry that sets the key) in examples/rancher-rke2/cluster.yaml";
    expect(run.results.filter((r) => r.status === 'fail' && r.remediation?.includes("-arg item") && r.remediation.includes(where)).length).toBeGreaterThan(0);
    expect(run.results.filter((r) => r.remediation?.includes('/etc/rancher/rke2/config.yaml'))).toEqual([]);
  });

  it('a weak value the user set is repaired in the map where it wins for each machine set (global, or a selector entry)', () => {
    const file = path.join(tempTree({ 'c.yaml': cluster(`  kubernetesVersion: v1.31.4+rke2r1
  rkeConfig:
    machineGlobalConfig:
      kube-apiserver-arg: [anonymous-auth=true]
    machineSelectorConfig:
      - config:
          kubelet-arg: [read-only-port=10255, max-pods=200]
          kube-apiserver-arg: ["authorization-mode=AlwaysAllow,Node,RBAC"]
        machineLabelSelector:
          matchLabels: { pool: big }
`) }), 'c.yaml');
    const { h, spec, scoredFails } = hardenAndAudit(file);
    const rke = spec.rkeConfig as { machineGlobalConfig: Record<string, string[]>; machineSelectorConfig: { config: Record<string, string[]> }[] };
    expect(rke.machineGlobalConfig['kube-apiserver-arg']).toContain('anonymous-auth=false');
    const entry = rke.machineSelectorConfig[0]!.config;
    expect(entry['kubelet-arg']).toEqual(expect.arrayContaining(['read-only-port=0', 'max-pods=200']));
    // The entry's list replaces machineGlobalConfig's on its machines: anonymous-auth=true never reached them.
    expect(entry['kube-apiserver-arg']).toContain('authorization-mode=Node,RBAC');
    expect(JSON.stringify(spec)).not.toMatch(/AlwaysAllow|anonymous-auth=true|10255/);
    expect(h.notes).toContainEqual(expect.stringMatching(/^spec\.rkeConfig\.machineSelectorConfig\.0\.config\.kubelet-arg read-only-port → 0: /));
    expect(h.notes).toContainEqual(expect.stringMatching(/^spec\.rkeConfig\.machineSelectorConfig\.0\.config\.kube-apiserver-arg authorization-mode: AlwaysAllow,Node,RBAC → Node,RBAC: /));
    expect(h.stillFailing).toEqual([]);
    expect(scoredFails).toEqual([]);
  });

  it('a key+ in a Rancher map is not where hardening goes (Rancher drops it): the plain key is set, and the note says so', () => {
    const file = path.join(tempTree({ 'c.yaml': cluster(`  kubernetesVersion: v1.31.4+rke2r1
  rkeConfig:
    machineGlobalConfig:
      kube-apiserver-arg+: [request-timeout=300s]
`) }), 'c.yaml');
    const { h, spec, scoredFails } = hardenAndAudit(file);
    const global = (spec.rkeConfig as { machineGlobalConfig: Record<string, string[]> }).machineGlobalConfig;
    expect(global['kube-apiserver-arg+']).toEqual(['request-timeout=300s']);
    expect(global['kube-apiserver-arg']).toContain('service-account-extend-token-expiration=false');
    expect(h.notes.join('\n')).toMatch(/machineGlobalConfig\.kube-apiserver-arg\+: Rancher writes only the keys RKE2 lists/);
    expect(scoredFails).toEqual([]);
  });

  it('a PodSecurityPolicy template left from a 1.24 cluster is removed on 1.25+ (Rancher refuses it there)', () => {
    const file = path.join(tempTree({ 'c.yaml': cluster('  kubernetesVersion: v1.25.16+rke2r1\n  defaultPodSecurityPolicyTemplateName: restricted-noroot\n') }), 'c.yaml');
    const { h, spec, scoredFails } = hardenAndAudit(file);
    expect(spec.defaultPodSecurityPolicyTemplateName).toBeUndefined();
    expect(spec.defaultPodSecurityAdmissionConfigurationTemplateName).toBe('rancher-restricted');
    expect(h.notes.join('\n')).toMatch(/defaultPodSecurityPolicyTemplateName removed/);
    expect(scoredFails).toEqual([]);
  });

  it('PodSecurityPolicy era (≤ 1.24): the restricted-noroot PSP template of Rancher\'s guide', () => {
    const file = path.join(tempTree({ 'c.yaml': cluster('  kubernetesVersion: v1.24.17+rke2r1\n') }), 'c.yaml');
    const { spec, scoredFails } = hardenAndAudit(file);
    expect(spec.defaultPodSecurityPolicyTemplateName).toBe('restricted-noroot');
    expect(scoredFails).toEqual([]);
  });

  it('the version is spec.kubernetesVersion: a different --k8s-version is refused; a missing one is written, as an RKE2 release', async () => {
    const dir = tempTree({ 'c.yaml': cluster('  kubernetesVersion: v1.31.4+rke2r1\n'), 'none.yaml': cluster('  rkeConfig: {}\n') });
    const out = path.join(dir, 'out');
    const wrong = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', 'v1.29.1+rke2r1', '--from', path.join(dir, 'c.yaml'), '--out', out]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/c\.yaml:7:22: spec\.kubernetesVersion v1\.31\.4\+rke2r1 is the version Rancher deploys, not --k8s-version v1\.29\.1\+rke2r1/);
    expect(fs.existsSync(out)).toBe(false);
    const missing = await runCli(['harden', 'config', '--distro', 'rke2', '--from', path.join(dir, 'none.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--k8s-version is required \(.*none\.yaml names no spec\.kubernetesVersion/);
    const bare = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', 'v1.31.4', '--from', path.join(dir, 'none.yaml')]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/spec\.kubernetesVersion must be a release such as v1\.31\.4\+rke2r1/);
    const written = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(dir, 'none.yaml') });
    expect((parse(written.after) as { spec: { kubernetesVersion: string } }).spec.kubernetesVersion).toBe('v1.31.4+rke2r1');
    // As an RKE1 file it is refused.
    expect(() => hardenConfig({ distro: 'rke1', from: path.join(dir, 'c.yaml') })).toThrow(/a rancher-rke2-cluster file cannot be hardened as --distro rke1/);
  });
});

describe("audit-policy-file in a Rancher Cluster is the policy itself (Rancher's planner writes the value to a file)", () => {
  const policyConfigMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pol\n  namespace: fleet-default\n  annotations: { rke.cattle.io/object-authorized-for-clusters: prod }\ndata:\n  audit-policy.yaml: |\n    apiVersion: audit.k8s.io/v1\n    kind: Policy\n    rules: [{ level: Metadata }]\n';
  const delivering = '    machineSelectorFiles:\n      - fileSources: [{ configMap: { name: pol, items: [{ key: audit-policy.yaml, path: /etc/rancher/rke2/audit-policy.yaml }] } }]\n        machineLabelSelector: { matchLabels: { rke.cattle.io/control-plane-role: "true" } }\n';

  it('audit: a path there is a policy kube-apiserver cannot load: 3.2.1 fails, with the fix (it passed when read as a path)', () => {
    const dir = tempTree({
      'cluster.yaml': cluster(`  kubernetesVersion: v1.31.4+rke2r1\n  rkeConfig:\n    machineGlobalConfig:\n      profile: cis\n      audit-policy-file: /etc/rancher/rke2/audit-policy.yaml\n${delivering}`),
      'objects.yaml': policyConfigMap,
    });
    const { run } = auditConfig([path.join(dir, 'cluster.yaml')], {});
    const r = run.results.find((x) => x.checkId === 'apiserver-audit-policy-present')!;
    expect(r.status).toBe('fail');
    expect(r.evidence.find((e) => e.fact === 'audit.policy.present')).toMatchObject({ observed: 'false', layer: expect.stringMatching(/^Rancher writes audit-policy-file's value as the policy file: .*not an audit Policy/) });
    expect(run.warnings).toContainEqual(expect.stringMatching(/cluster\.yaml:\d+:\d+: audit-policy-file: Rancher writes this value as the audit policy file itself, and "\/etc\/rancher\/rke2\/audit-policy\.yaml" is not a Policy: kube-apiserver cannot load it; put the policy itself there, or deliver the file \(machineSelectorFiles\) and name it with kube-apiserver-arg audit-policy-file=\/etc\/rancher\/rke2\/audit-policy\.yaml$/));
    // Without the key, RKE2's own path in CIS mode is the file Rancher delivers: a pass.
    const fixed = tempTree({ 'cluster.yaml': cluster(`  kubernetesVersion: v1.31.4+rke2r1\n  rkeConfig:\n    machineGlobalConfig:\n      profile: cis\n${delivering}`), 'objects.yaml': policyConfigMap });
    expect(auditConfig([path.join(fixed, 'cluster.yaml')], {}).run.results.find((x) => x.checkId === 'apiserver-audit-policy-present')!.status).toBe('pass');
  });

  it('harden: a path of ours is removed, a path of the user\'s becomes the kube-apiserver flag it was meant to be, a policy written inline is kept', () => {
    const withKey = (value: string) => path.join(tempTree({ 'cluster.yaml': cluster(`  kubernetesVersion: v1.31.4+rke2r1\n  rkeConfig:\n    machineGlobalConfig:\n      profile: cis\n      audit-policy-file: ${value}\n`) }), 'cluster.yaml');
    const ours = hardenAndAudit(withKey('/etc/rancher/rke2/audit-policy.yaml'));
    expect((ours.spec.rkeConfig as { machineGlobalConfig: Record<string, unknown> }).machineGlobalConfig['audit-policy-file']).toBeUndefined();
    expect(ours.scoredFails).toEqual([]);

    const theirs = hardenAndAudit(withKey('/etc/rancher/rke2/my-policy.yaml'));
    const global = (theirs.spec.rkeConfig as { machineGlobalConfig: Record<string, unknown> }).machineGlobalConfig;
    expect(global['audit-policy-file']).toBeUndefined();
    expect(global['kube-apiserver-arg']).toContain('audit-policy-file=/etc/rancher/rke2/my-policy.yaml');
    expect(theirs.h.notes).toContain('audit-policy-file: /etc/rancher/rke2/my-policy.yaml → kube-apiserver-arg audit-policy-file=/etc/rancher/rke2/my-policy.yaml: Rancher writes the value of audit-policy-file as the policy file itself, so a path there is a policy kube-apiserver cannot load');

    const inline = hardenAndAudit(withKey('|\n        apiVersion: audit.k8s.io/v1\n        kind: Policy\n        rules: [{ level: Metadata }]'));
    expect((inline.spec.rkeConfig as { machineGlobalConfig: Record<string, unknown> }).machineGlobalConfig['audit-policy-file']).toMatch(/^apiVersion: audit\.k8s\.io\/v1\nkind: Policy/);
    expect(inline.scoredFails).toEqual([]);
  });
});
