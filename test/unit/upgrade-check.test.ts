import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { upgradeCheck } from '../../src/upgrade/upgrade-check.js';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';

const cfg = (name: string, text: string) => path.join(tempTree({ [name]: text }), name);

describe('upgrade-check', () => {
  it('versions that name their distro need no --distro; bare versions do', async () => {
    const named = await runCli(['upgrade-check', '--from', 'v1.24.17+rke2r1', '--to', 'v1.25.16+rke2r2']);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toMatch(/^Upgrade RKE2 v1\.24\.17\+rke2r1 → v1\.25\.16\+rke2r2/);
    const bare = await runCli(['upgrade-check', '--from', 'v1.24.17', '--to', 'v1.25.16']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/pass --distro or a configuration file \(the versions name no distro\)/);
  });

  it('RKE2: profile cis-1.23 is fatal from v1.30 (the Rancher guide value) → blocking, exit 1, with the fix', async () => {
    const file = cfg('config.yaml', 'profile: cis-1.23\n');
    const r = upgradeCheck({ from: 'v1.28.9+rke2r1', to: 'v1.30.2+rke2r1', config: file });
    expect(r.blocking).toBe(true);
    expect(r.findings[0]).toMatchObject({ severity: 'blocking', fix: 'set profile: cis on every node before upgrading', where: { line: 1 } });
    const cli = await runCli(['upgrade-check', file, '--from', 'v1.28.9+rke2r1', '--to', 'v1.30.2+rke2r1']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/^\[BLOCKING\] profile: cis-1\.23 is rejected by RKE2 v1\.30\.2\+rke2r1/m);
  });

  it('RKE2: cis-1.6 (PSP era) cannot cross 1.24 → 1.25; cis-1.23 only warns on 1.28', () => {
    expect(upgradeCheck({ from: 'v1.24.17+rke2r1', to: 'v1.25.16+rke2r1', config: cfg('config.yaml', 'profile: cis-1.6\n') }).blocking).toBe(true);
    const r = upgradeCheck({ from: 'v1.27.16+rke2r1', to: 'v1.28.9+rke2r1', config: cfg('config.yaml', 'profile: cis-1.23\n') });
    expect(r.blocking).toBe(false);
    expect(r.findings.map((f) => f.severity)).toEqual(['warning']);
  });

  it('RKE2: the profile fix can be followed: a value today\'s release refuses is set as each node is upgraded; patch releases count', () => {
    const psp = upgradeCheck({ from: 'v1.24.17+rke2r1', to: 'v1.25.16+rke2r1', config: cfg('config.yaml', 'profile: cis-1.6\n') });
    expect(psp.findings[0]).toMatchObject({ severity: 'blocking', fix: "set profile: cis in each node's config.yaml as that node is upgraded to v1.25.16+rke2r1 (RKE2 v1.24.17+rke2r1 rejects it, so not before)" });
    // RKE2 accepts profile: cis on 1.26 only from v1.26.10.
    const early = upgradeCheck({ from: 'v1.25.16+rke2r1', to: 'v1.26.3+rke2r1', config: cfg('config.yaml', 'profile: cis\n') });
    expect(early.findings[0]).toMatchObject({ severity: 'blocking', what: expect.stringMatching(/^profile: cis is rejected by RKE2 v1\.26\.3\+rke2r1/) });
    expect(upgradeCheck({ from: 'v1.25.16+rke2r1', to: 'v1.26.10+rke2r1', config: cfg('config.yaml', 'profile: cis\n') }).blocking).toBe(false);
    // Past the data: unknown, not "rejected".
    const future = upgradeCheck({ from: 'v1.40.1+rke2r1', to: 'v1.41.0+rke2r1', config: cfg('config.yaml', 'profile: cis\n') });
    expect(future.findings.filter((f) => f.what.includes('profile'))).toEqual([expect.objectContaining({ severity: 'warning', what: expect.stringMatching(/newer than this rke-harden knows/) })]);
  });

  it('a control that passes today and fails on the target comes with its fix', () => {
    const r = upgradeCheck({ from: 'v1.31.14+rke2r1', to: 'v1.32.5+rke2r1', config: cfg('config.yaml', 'profile: cis\n') });
    expect(r.newFailures).toEqual([expect.objectContaining({ controlId: '1.2.30', fix: expect.stringMatching(/service-account-extend-token-expiration=false/) })]);
  });

  it('refuses a downgrade (patch releases too) and a release name of the other distro', () => {
    expect(() => upgradeCheck({ distro: 'rke2', from: 'v1.31.4+rke2r1', to: 'v1.31.1+rke2r1' })).toThrow(/--to v1\.31\.1\+rke2r1 is older than --from v1\.31\.4\+rke2r1/);
    expect(() => upgradeCheck({ distro: 'rke1', from: 'v1.28.15-rancher1-1', to: 'v1.29.9+rke2r1' })).toThrow(/^--to v1\.29\.9\+rke2r1 is an RKE2 release name/);
    const rke1 = cfg('cluster.yml', 'kubernetes_version: v1.28.15-rancher1-1\nnodes: []\n');
    expect(() => upgradeCheck({ to: 'v1.29.9+rke2r1', config: rke1 })).toThrow(/^--to v1\.29\.9\+rke2r1 is an RKE2 release name/);
    // Errors name upgrade-check's own options, not audit's.
    expect(() => upgradeCheck({ distro: 'rke2', from: 'v1.20.4+rke2r1', to: 'v1.23.0+rke2r1' })).toThrow(/^--from v1\.20\.4\+rke2r1: no RKE2 CIS profile covers this version$/);
  });

  it('Rancher Cluster: a PodSecurityPolicy template cannot cross 1.24 → 1.25', () => {
    const file = cfg('c.yaml', 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: x }\nspec:\n  kubernetesVersion: v1.24.17+rke2r1\n  defaultPodSecurityPolicyTemplateName: restricted-noroot\n  rkeConfig:\n    machineGlobalConfig: { profile: cis-1.6 }\n');
    const r = upgradeCheck({ to: 'v1.25.16+rke2r1', config: file });
    expect(r.findings).toContainEqual(expect.objectContaining({ severity: 'blocking', what: expect.stringMatching(/^defaultPodSecurityPolicyTemplateName: restricted-noroot names a PodSecurityPolicy template/), where: expect.objectContaining({ line: 6 }) }));
    expect(upgradeCheck({ to: 'v1.24.17+rke2r1', config: file }).findings.filter((f) => /PodSecurityPolicy template/.test(f.what))).toEqual([]);
  });

  it('Rancher Cluster: read as audit config reads it (among other objects, a repeated key as its last); every machineSelectorConfig target is checked', async () => {
    const cluster = (version: string, selected: string) => `apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: prod, namespace: fleet-default }\nspec:\n  kubernetesVersion: v1.27.16+rke2r2\n  kubernetesVersion: ${version}\n  rkeConfig:\n    machineGlobalConfig: { profile: cis }\n    machineSelectorConfig:\n      - machineLabelSelector: { matchLabels: { pool: edge } }\n        config: { ${selected} }\n`;
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra, namespace: fleet-default }\ndata: { a: b }\n';
    // The edge machines keep the profile value RKE2 v1.30 refuses: only their target says so.
    const fleet = cfg('fleet.yaml', `${configMap}---\n${cluster('v1.29.15+rke2r1', 'profile: cis-1.23')}`);
    const r = upgradeCheck({ to: 'v1.30.14+rke2r2', config: fleet });
    expect(r.from).toBe('v1.29.15+rke2r1');
    // What audit config says of the file, upgrade-check says too.
    expect(r.warnings).toEqual([expect.stringMatching(/fleet\.yaml:10:3: kubernetesVersion is given again at \S*fleet\.yaml:11:3: the last one is used/)]);
    expect((await runCli(['upgrade-check', fleet, '--to', 'v1.30.14+rke2r2'])).stdout).toMatch(/\n== Warnings \(reading the configuration\)\n- \S*fleet\.yaml:10:3: kubernetesVersion is given again/);
    expect(r.findings).toEqual([expect.objectContaining({ severity: 'blocking', what: expect.stringMatching(/^profile: cis-1\.23 is rejected by RKE2 v1\.30\.14\+rke2r2/), where: expect.objectContaining({ line: 16 }) })]);
    // A control that newly fails on both targets is listed for each, named.
    const both = cfg('cluster.yaml', cluster('v1.31.14+rke2r1', 'protect-kernel-defaults: true'));
    expect(upgradeCheck({ to: 'v1.32.5+rke2r1', config: both }).newFailures.map((n) => `${n.controlId} ${n.target}`)).toEqual([
      `1.2.30 ${both} (prod)`,
      `1.2.30 ${both} (prod) machines matching machineSelectorConfig[0]`,
    ]);
    const cli = await runCli(['upgrade-check', both, '--to', 'v1.32.5+rke2r1']);
    expect(cli.stdout).toContain(`(apiserver-service-account-extend-token-expiration-disabled) on ${both} (prod) machines matching machineSelectorConfig[0]\n`);
    // Two Clusters in one file: which one moves is not guessed.
    const two = cfg('two.yaml', `${cluster('v1.31.14+rke2r1', 'profile: cis')}---\n${cluster('v1.31.14+rke2r1', 'profile: cis').replace('name: prod', 'name: test')}`);
    expect(() => upgradeCheck({ to: 'v1.32.5+rke2r1', config: two })).toThrow(/two\.yaml: 2 Rancher Clusters \(\S+two\.yaml:1:1 \(prod\), \S+two\.yaml:13:1 \(test\)\) among its YAML documents: upgrade-check reads one Cluster per file \(pass --cluster NAME to check one of them\)$/);
    // --cluster names it: its targets only.
    const test = upgradeCheck({ to: 'v1.32.5+rke2r1', config: two, cluster: 'test' });
    expect(new Set(test.newFailures.map((n) => n.target))).toEqual(new Set([`${two} (test)`, `${two} (test) machines matching machineSelectorConfig[0]`]));
    const json = await runCli(['upgrade-check', two, '--cluster', 'prod', '--to', 'v1.32.5+rke2r1', '-o', 'json']);
    expect(new Set((JSON.parse(json.stdout) as { newFailures: { target: string }[] }).newFailures.map((n) => n.target))).toEqual(new Set([`${two} (prod)`, `${two} (prod) machines matching machineSelectorConfig[0]`]));
  });

  it('RKE1: pod_security_policy is rejected on 1.25+', () => {
    const file = cfg('cluster.yml', 'kubernetes_version: v1.24.17-rancher1-1\nservices:\n  kube-api:\n    pod_security_policy: true\n');
    const r = upgradeCheck({ from: 'v1.24.17-rancher1-1', to: 'v1.25.16-rancher2-3', config: file });
    expect(r.blocking).toBe(true);
    // One finding for the one line: RKE1's own (its fix names RKE1's settings), not also the generic removed-plugin one.
    expect(r.findings.map((f) => f.what)).toEqual([expect.stringMatching(/pod_security_policy: true is rejected/)]);
  });

  it('RKE1: PodSecurityPolicy objects in addons and Rancher\'s template cannot cross 1.24 → 1.25', () => {
    const guide = upgradeCheck({ to: 'v1.25.16-rancher2-3', config: 'test/fixtures/rancher-templates/rke1-cluster-hardened-k8s-1.24-and-older.yml' });
    expect(guide.findings).toContainEqual(expect.objectContaining({ severity: 'blocking', what: expect.stringMatching(/^addons hold PodSecurityPolicy restricted-noroot, ClusterRole psp:restricted-noroot, ClusterRoleBinding psp:restricted-noroot: /), where: expect.objectContaining({ line: 25 }) }));
    const template = 'test/fixtures/rancher-templates/rke1-rancher-cluster-template-hardened-k8s-1.24-and-older.yml';
    const rancher = upgradeCheck({ from: 'v1.24.17-rancher1-1', to: 'v1.25.16-rancher2-3', config: template });
    expect(rancher.findings).toContainEqual(expect.objectContaining({ severity: 'blocking', what: expect.stringMatching(/^default_pod_security_policy_template_id: restricted-noroot names a PodSecurityPolicy template/), where: expect.objectContaining({ line: 4 }) }));
    // Within 1.24 they are what the guide asks for.
    expect(upgradeCheck({ from: 'v1.24.10-rancher4-1', to: 'v1.24.17-rancher1-1', config: template }).findings.filter((f) => /PodSecurityPolicy/.test(f.what))).toEqual([]);
  });

  it('flags removed upstream: RKE1 extra_args and RKE2 kubelet-arg', () => {
    const rke1 = upgradeCheck({ from: 'v1.26.15-rancher1-1', to: 'v1.27.16-rancher1-1', config: cfg('cluster.yml', 'kubernetes_version: v1.26.15-rancher1-1\nservices:\n  kube-controller:\n    extra_args:\n      pod-eviction-timeout: 2m\n') });
    expect(rke1.findings).toEqual([expect.objectContaining({ severity: 'blocking', what: expect.stringMatching(/kube-controller-manager --pod-eviction-timeout was removed in Kubernetes 1\.27/), where: expect.objectContaining({ line: 5 }) })]);
    // RKE's own KDM value of the old version is not the user's: it does not count.
    expect(upgradeCheck({ from: 'v1.26.15-rancher1-1', to: 'v1.27.16-rancher1-1', config: cfg('cluster.yml', 'kubernetes_version: v1.26.15-rancher1-1\n') }).findings).toEqual([]);
    const rke2 = upgradeCheck({ from: 'v1.23.17+rke2r1', to: 'v1.24.17+rke2r1', config: cfg('config.yaml', 'kubelet-arg: [network-plugin=cni]\n') });
    expect(rke2.findings.map((f) => f.what)).toEqual([expect.stringMatching(/kubelet --network-plugin was removed in Kubernetes 1\.24/)]);
  });

  it('flags removed upstream: a flag of several components (klog), and each release blocks only what it removes', () => {
    const file = cfg('config.yaml', 'kube-apiserver-arg: [cloud-provider=external, logtostderr=true]\nkubelet-arg: [cloud-config=/etc/cloud.conf, pod-infra-container-image=pause:3.9]\n');
    const what = (from: string, to: string) => upgradeCheck({ from, to, config: file }).findings.map((f) => f.what.replace(/ was removed in Kubernetes (1\.\d+).*/, ' $1'));
    expect(what('v1.25.16+rke2r1', 'v1.26.15+rke2r1')).toEqual(['kube-apiserver --logtostderr 1.26']);
    expect(what('v1.32.10+rke2r1', 'v1.33.6+rke2r1')).toEqual(['kube-apiserver --cloud-provider 1.33']);
    expect(what('v1.33.6+rke2r1', 'v1.34.2+rke2r1')).toEqual(['kubelet --cloud-config 1.34']);
    expect(what('v1.34.2+rke2r1', 'v1.35.1+rke2r1')).toEqual(['kubelet --pod-infra-container-image 1.35']);
  });

  it('admission plugins removed upstream: blocking at the release that removes them, as flags are (not again on later upgrades)', () => {
    const file = cfg('config.yaml', 'kube-apiserver-arg: ["enable-admission-plugins=NodeRestriction,SecurityContextDeny"]\n');
    const what = (from: string, to: string) => upgradeCheck({ from, to, config: file }).findings.filter((f) => /^admission plugin/.test(f.what)).map((f) => `${f.severity} ${f.what.replace(/ was removed in Kubernetes (1\.\d+).*/, ' $1')}`);
    expect(what('v1.29.15+rke2r1', 'v1.30.14+rke2r2')).toEqual(['blocking admission plugin SecurityContextDeny 1.30']);
    expect(what('v1.28.15+rke2r1', 'v1.31.4+rke2r1')).toEqual(['blocking admission plugin SecurityContextDeny 1.30']);
    // Already gone at the current version: audit config says so (the file is not what runs); the upgrade adds nothing.
    expect(what('v1.30.14+rke2r2', 'v1.31.4+rke2r1')).toEqual([]);
  });

  it('in-tree cloud providers: RKE1 cloud_provider aws blocks 1.26 → 1.27 (kube-controller-manager, kubelet), external-aws never', () => {
    const withProvider = (name: string, version: string) => cfg('cluster.yml', `kubernetes_version: ${version}\ncloud_provider:\n  name: ${name}\n`);
    const what = (name: string, from: string, to: string) => upgradeCheck({ from, to, config: withProvider(name, from) }).findings.filter((f) => /cloud provider/.test(f.what)).map((f) => `${f.severity} ${f.what}`);
    expect(what('aws', 'v1.26.15-rancher1-1', 'v1.27.16-rancher1-1')).toEqual([
      expect.stringMatching(/^blocking kube-controller-manager --cloud-provider=aws: the in-tree aws cloud provider was removed in Kubernetes 1\.27/),
      expect.stringMatching(/^blocking kubelet --cloud-provider=aws: the in-tree aws cloud provider was removed in Kubernetes 1\.27/),
    ]);
    expect(what('aws', 'v1.27.16-rancher1-1', 'v1.28.15-rancher1-1')).toEqual([]);
    // From 1.29 the API server validates the name too: aws, gone from the code, is unknown to it.
    expect(what('aws', 'v1.28.15-rancher1-1', 'v1.29.15-rancher1-1')).toEqual([expect.stringMatching(/^blocking kube-apiserver --cloud-provider=aws: .* removed in Kubernetes 1\.29/)]);
    expect(what('external-aws', 'v1.26.15-rancher1-1', 'v1.31.9-rancher1-1').filter((w) => /external-aws/.test(w))).toEqual([]);
    // audit config says it of a file whose own version no longer has the provider.
    const snap = auditConfig([cfg('cluster.yml', 'kubernetes_version: v1.28.15-rancher1-1\ncloud_provider:\n  name: aws\n')], {}).run;
    expect(snap.warnings).toContainEqual(expect.stringMatching(/kube-controller-manager --cloud-provider=aws: the in-tree aws cloud provider was removed in Kubernetes 1\.27/));
  });

  it('in-tree cloud providers: 1.29 disables the rest unless each component is given the gates off; the removal blocks whatever the gates', () => {
    const gates = (g: string) => `    extra_args:\n      feature-gates: "${g}"\n`;
    const cluster = (version: string, withGates: boolean) => cfg('cluster.yml', `kubernetes_version: ${version}\ncloud_provider:\n  name: azure\nservices:\n` +
      (withGates ? `  kube-api:\n${gates('DisableCloudProviders=false,DisableKubeletCloudCredentialProviders=false')}  kube-controller:\n${gates('DisableCloudProviders=false')}  kubelet:\n${gates('DisableCloudProviders=false')}` : ''));
    const what = (from: string, to: string, withGates: boolean) => upgradeCheck({ from, to, config: cluster(from, withGates) }).findings.filter((f) => /cloud-provider/.test(f.what)).map((f) => f.what.replace(/ --cloud-provider=azure: (.*?): \S+ will not start/, ': $1'));
    expect(what('v1.28.15-rancher1-1', 'v1.29.15-rancher1-1', false)).toEqual([
      'kube-controller-manager: Kubernetes 1.29 disables the in-tree cloud providers (feature gate DisableCloudProviders on by default)',
      'kubelet: Kubernetes 1.29 disables the in-tree cloud providers (feature gate DisableCloudProviders on by default)',
      'kube-apiserver: Kubernetes 1.29 disables the in-tree cloud providers (feature gates DisableCloudProviders, DisableKubeletCloudCredentialProviders on by default)',
    ]);
    expect(what('v1.28.15-rancher1-1', 'v1.29.15-rancher1-1', true)).toEqual([]);
    // 1.30 removed azure: no gate helps, and it is said once per component (not also as disabled).
    expect(what('v1.29.15-rancher1-1', 'v1.30.14-rancher1-1', true)).toEqual(['kube-apiserver', 'kube-controller-manager', 'kubelet'].map((c) => `${c}: the in-tree azure cloud provider was removed in Kubernetes 1.30`));
    expect(what('v1.28.15-rancher1-1', 'v1.30.14-rancher1-1', false)).toHaveLength(3);
  });

  it('in-tree cloud providers: RKE2 passes cloud-provider-name as --cloud-provider (bundled charts as external, aws no longer from the releases that dropped it)', () => {
    const file = (name: string) => cfg('config.yaml', `cloud-provider-name: ${name}\n`);
    const what = (name: string, from: string, to: string) => upgradeCheck({ from, to, config: file(name) }).findings.filter((f) => /cloud-provider/.test(f.what)).map((f) => `${f.what.split(':')[0]} @${f.where?.line}`);
    expect(what('aws', 'v1.26.15+rke2r1', 'v1.27.16+rke2r1')).toEqual(['kube-controller-manager --cloud-provider=aws @1', 'kubelet --cloud-provider=aws @1']);
    expect(what('gce', 'v1.28.15+rke2r1', 'v1.29.15+rke2r1')).toEqual(['kube-controller-manager --cloud-provider=gce @1', 'kubelet --cloud-provider=gce @1', 'kube-apiserver --cloud-provider=gce @1']);
    expect(what('rancher-vsphere', 'v1.28.15+rke2r1', 'v1.29.15+rke2r1')).toEqual([]);
    expect(what('harvester', 'v1.29.15+rke2r1', 'v1.30.14+rke2r2')).toEqual([]);
    // The kubelet reads no in-tree name from 1.34: only kube-controller-manager still refuses it.
    const warnings = (name: string, version: string) => auditConfig([file(name)], { k8sVersion: version }).run.warnings.filter((w) => /cloud-provider=/.test(w)).map((w) => w.replace(/^.*?: (\S+) --cloud-provider.*$/, '$1'));
    expect(warnings('azure', 'v1.35.1+rke2r1')).toEqual(['kube-controller-manager']);
    expect(warnings('aws', 'v1.28.15+rke2r1')).toEqual(['kube-controller-manager', 'kubelet']);
    expect(warnings('aws', 'v1.30.7+rke2r1')).toEqual([]);
    // The user's own argument replaces what RKE2 passes.
    const own = cfg('config.yaml', 'cloud-provider-name: azure\nkube-controller-manager-arg: [cloud-provider=external]\nkubelet-arg: [cloud-provider=external]\nkube-apiserver-arg: [cloud-provider=external]\n');
    expect(auditConfig([own], { k8sVersion: 'v1.30.14+rke2r2' }).run.warnings.filter((w) => /cloud-provider=/.test(w))).toEqual([]);
  });

  it('feature gates: one removed blocks the move that removes it; one set against the default it is locked to blocks the move that locks it', () => {
    const file = (version: string) => cfg('cluster.yml', `kubernetes_version: ${version}\nservices:\n  kubelet:\n    extra_args:\n      feature-gates: "RotateKubeletServerCertificate=true,TopologyManager=False,CronJobTimeZone=true"\n`);
    const what = (from: string, to: string) => upgradeCheck({ from, to, config: file(from) }).findings.filter((f) => /feature gate/.test(f.what)).map((f) => `${f.severity} ${f.what} @${f.where?.line}`);
    // TopologyManager went GA, locked on, in 1.27 and was removed in 1.29; CronJobTimeZone was removed in 1.29.
    expect(what('v1.26.15-rancher1-1', 'v1.27.16-rancher1-1')).toEqual(['blocking kubelet feature gate TopologyManager=False: TopologyManager is locked to true from Kubernetes 1.27: kubelet will not start @5']);
    expect(what('v1.27.16-rancher1-1', 'v1.28.15-rancher1-1')).toEqual([]);
    expect(what('v1.28.15-rancher1-1', 'v1.29.15-rancher1-1')).toEqual([
      'blocking kubelet feature gate TopologyManager was removed in Kubernetes 1.29: kubelet will not start ("unrecognized feature gate") @5',
      'blocking kubelet feature gate CronJobTimeZone was removed in Kubernetes 1.29: kubelet will not start ("unrecognized feature gate") @5',
    ]);
    // Across both: said once, as removed.
    expect(what('v1.26.15-rancher1-1', 'v1.29.15-rancher1-1').map((w) => w.split(':')[0])).toEqual(['blocking kubelet feature gate TopologyManager was removed in Kubernetes 1.29', 'blocking kubelet feature gate CronJobTimeZone was removed in Kubernetes 1.29']);
    // A locked gate set to its locked value is accepted; RKE2 arguments of other components are read too.
    const rke2 = cfg('config.yaml', 'kube-apiserver-arg: ["feature-gates=TopologyManager=true,APIListChunking=1"]\nkube-proxy-arg: ["feature-gates=MinimizeIPTablesRestore=0"]\n');
    expect(upgradeCheck({ from: 'v1.27.16+rke2r1', to: 'v1.28.15+rke2r1', config: rke2 }).findings.map((f) => f.what)).toEqual([expect.stringMatching(/^kube-proxy feature gate MinimizeIPTablesRestore=0: MinimizeIPTablesRestore is locked to true from Kubernetes 1\.28/)]);
    // audit config says it of a file at its own version.
    const snap = auditConfig([cfg('cluster.yml', 'kubernetes_version: v1.29.15-rancher1-1\nservices:\n  kube-api:\n    extra_args:\n      feature-gates: CronJobTimeZone=true\n')], {}).run;
    expect(snap.warnings).toContainEqual(expect.stringMatching(/:5:\d+: kube-apiserver feature gate CronJobTimeZone was removed in Kubernetes 1\.29/));
  });

  it('RKE1 addons in an apiVersion the target no longer serves block the move that removes it; served ones and PodSecurityPolicy (said apart) do not', () => {
    const addons = (version: string) => cfg('cluster.yml', `kubernetes_version: ${version}\naddons: |-\n` + [
      'apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: nightly',
      'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: served',
      'apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: hpa-a',
      'apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: hpa-b',
      'apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: restricted',
    ].join('\n---\n').replace(/^/gm, '  ') + '\n');
    const what = (from: string, to: string) => upgradeCheck({ from, to, config: addons(from) }).findings.filter((f) => /addons hold/.test(f.what)).map((f) => `${f.what.replace(/, which Kubernetes (1\.\d+) no longer serves.*/, ' $1')} @${f.where?.line}`);
    expect(what('v1.24.17-rancher1-1', 'v1.25.16-rancher1-1')).toEqual([
      // Where the object's document starts in cluster.yml.
      'addons hold CronJob nightly in batch/v1beta1 1.25 @3',
      // PodSecurityPolicy objects: their own finding, with the fix harden config makes.
      'addons hold PodSecurityPolicy restricted: the policy/v1beta1 API is gone in Kubernetes 1.25 and RKE\'s addon job fails on them @2',
    ]);
    const served = (from: string, to: string) => what(from, to).filter((w) => !/PodSecurityPolicy/.test(w));
    expect(served('v1.25.16-rancher1-1', 'v1.26.15-rancher1-1')).toEqual(['addons hold HorizontalPodAutoscaler hpa-a, hpa-b in autoscaling/v2beta2 1.26 @13']);
    expect(served('v1.26.15-rancher1-1', 'v1.27.16-rancher1-1')).toEqual([]);
    const snap = auditConfig([addons('v1.26.15-rancher1-1')], {}).run;
    expect(snap.warnings.filter((w) => /addons hold .* in \S+, which/.test(w)).map((w) => w.replace(/^.*addons hold (\S+) .*$/, '$1'))).toEqual(['CronJob', 'HorizontalPodAutoscaler']);
  });

  it('exemption renamed: cis-operator-system → compliance-operator-system', () => {
    const admission = tempTree({ 'a.yaml': 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n  - name: PodSecurity\n    configuration:\n      defaults: { enforce: restricted }\n      exemptions: { namespaces: [kube-system, cis-operator-system] }\n' });
    const file = cfg('config.yaml', `profile: cis\npod-security-admission-config-file: ${path.join(admission, 'a.yaml')}\n`);
    const r = upgradeCheck({ from: 'v1.33.5+rke2r1', to: 'v1.34.6+rke2r1', config: file });
    expect(r.findings).toEqual([expect.objectContaining({ severity: 'warning', fix: 'add compliance-operator-system to the exemptions' })]);
  });

  it('skipping a minor: blocking on RKE2 (its docs require one minor at a time), a warning on RKE1 (its docs say avoid)', async () => {
    const rke2 = upgradeCheck({ distro: 'rke2', from: 'v1.28.15+rke2r1', to: 'v1.31.4+rke2r1' });
    expect(rke2.blocking).toBe(true);
    expect(rke2.findings).toEqual([expect.objectContaining({ severity: 'blocking', what: expect.stringMatching(/^1\.28 → 1\.31 skips 1\.29, 1\.30/), fix: 'upgrade through the latest 1.29, then the latest 1.30 first, and run upgrade-check for each step' })]);
    expect(upgradeCheck({ distro: 'rke2', from: 'v1.28.15+rke2r1', to: 'v1.29.1+rke2r1' }).findings).toEqual([]);
    expect(upgradeCheck({ distro: 'rke2', from: 'v1.28.1+rke2r1', to: 'v1.28.15+rke2r1' }).findings).toEqual([]);
    const rke1 = upgradeCheck({ from: 'v1.28.15-rancher1-1', to: 'v1.30.6-rancher1-1', config: 'examples/rke1-hardened/cluster.yml' });
    expect(rke1.blocking).toBe(false);
    expect(rke1.findings.map((f) => `${f.severity} ${f.what}`)).toEqual([expect.stringMatching(/^warning 1\.28 → 1\.30 skips 1\.29/)]);
    const cli = await runCli(['upgrade-check', '--distro', 'rke2', '--from', 'v1.28.15+rke2r1', '--to', 'v1.30.2+rke2r1']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/^\[BLOCKING\] 1\.28 → 1\.30 skips 1\.29/m);
  });

  it('--from defaults to the version the configuration names; a different --from is refused', async () => {
    const r = upgradeCheck({ to: 'v1.32.5+rke2r1', config: 'examples/rancher-rke2/cluster.yaml' });
    expect(r.from).toBe('v1.31.4+rke2r1');
    expect(upgradeCheck({ to: 'v1.29.10-rancher1-1', config: 'examples/rke1-hardened/cluster.yml' }).from).toBe('v1.28.15-rancher1-1');
    const wrong = await runCli(['upgrade-check', 'examples/rke1-hardened/cluster.yml', '--from', 'v1.27.16-rancher1-1', '--to', 'v1.29.10-rancher1-1']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/cluster\.yml:7:\d+: kubernetes_version v1\.28\.15-rancher1-1 is what runs today, not --from v1\.27\.16-rancher1-1/);
    const none = await runCli(['upgrade-check', 'examples/rke2-server/config.yaml', '--to', 'v1.32.5+rke2r1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--from is required \(examples\/rke2-server\/config\.yaml names no version\)/);
    expect(() => upgradeCheck({ to: 'v1.27.1-rancher1-1', config: 'examples/rke1-hardened/cluster.yml' })).toThrow(/--to v1\.27\.1-rancher1-1 is older than the current v1\.28\.15-rancher1-1/);
  });

  it('RKE1 past 1.32, its last minor, is blocked: RKE1 is end of life', () => {
    const r = upgradeCheck({ from: 'v1.32.2-rancher1-1', to: 'v1.33.1', distro: 'rke1' });
    expect(r.blocking).toBe(true);
    expect(r.findings[0]!.what).toMatch(/its last minor is 1\.32/);
    expect(r.findings[0]!.fix).toMatch(/migrate to RKE2/);
    const example = fs.readFileSync('examples/rke1-hardened/cluster.yml', 'utf8').replace(/^kubernetes_version: .*$/m, 'kubernetes_version: v1.31.9-rancher1-1');
    const config = path.join(tempTree({ 'cluster.yml': example }), 'cluster.yml');
    const to132 = upgradeCheck({ to: 'v1.32.2-rancher1-1', config });
    expect(to132.findings.filter((f) => f.severity === 'blocking')).toEqual([]);
  });

  it('benchmark changes between versions: added, removed and renumbered controls from the catalog', async () => {
    const r = upgradeCheck({ distro: 'rke2', from: 'v1.26.15+rke2r1', to: 'v1.27.16+rke2r1' });
    expect([r.benchmarkBefore, r.benchmarkAfter]).toEqual(['rke2-cis-1.8-hardened', 'rke2-cis-1.9']);
    expect(r.controls).toContainEqual(expect.objectContaining({ kind: 'removed', from: '1.2.12', title: expect.stringMatching(/SecurityContextDeny/) }));
    expect(r.controls).toContainEqual(expect.objectContaining({ kind: 'added', checkId: 'kube-proxy-metrics-bind-address-localhost', to: '4.3.1' }));
    expect(r.controls).toContainEqual(expect.objectContaining({ kind: 'renumbered', checkId: 'apiserver-profiling-disabled', from: '1.2.16', to: '1.2.15' }));
    const cli = await runCli(['upgrade-check', '--distro', 'rke2', '--from', 'v1.26.15+rke2r1', '--to', 'v1.27.16+rke2r1']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/Result: nothing blocks this upgrade/);
  });

  it('a control kept with its number and title but tested by another check is one change, not an addition and a removal', async () => {
    const r = upgradeCheck({ distro: 'rke2', from: 'v1.31.14+rke2r1', to: 'v1.32.5+rke2r1' });
    const ciphers = r.controls.filter((c) => c.title === 'Ensure that the API Server only makes use of Strong Cryptographic Ciphers');
    expect(ciphers).toEqual([{ kind: 'changed', title: ciphers[0]!.title, from: '1.2.29', to: '1.2.29', checkId: 'apiserver-tls-cipher-suites-cis-1-12', fromCheckId: 'apiserver-tls-cipher-suites-strong' }]);
    // A control whose number now belongs to another title is still removed.
    expect(r.controls).toContainEqual(expect.objectContaining({ kind: 'removed', from: '5.2.9', title: 'Minimize the admission of containers with added capabilities' }));
    const cli = await runCli(['upgrade-check', '--distro', 'rke2', '--from', 'v1.31.14+rke2r1', '--to', 'v1.32.5+rke2r1']);
    expect(cli.stdout).toMatch(/^\* 1\.2\.29 Ensure that the API Server only makes use of Strong Cryptographic Ciphers \(check apiserver-tls-cipher-suites-strong → apiserver-tls-cipher-suites-cis-1-12: rke-harden explain apiserver-tls-cipher-suites-cis-1-12\)$/m);
    expect(cli.stdout).not.toMatch(/^[+-] 1\.2\.29 /m);
  });
});
