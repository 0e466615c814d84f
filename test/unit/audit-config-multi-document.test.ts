import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigTargets } from '../../src/config/load-config-targets.js';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';

// A GitOps file as Fleet applies it: the Rancher Clusters with the objects they use, `---` between them.
const FLEET_FILE = `apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: fleet-default }
stringData: { token: abc }
---
apiVersion: management.cattle.io/v3
kind: PodSecurityAdmissionConfigurationTemplate
metadata: { name: strict }
configuration:
  defaults: { enforce: restricted, audit: restricted, warn: restricted }
  exemptions: { namespaces: [kube-system, cattle-system] }
---
apiVersion: provisioning.cattle.io/v1
kind: Cluster
metadata: { name: prod, namespace: fleet-default }
spec:
  kubernetesVersion: v1.30.8+rke2r1
  defaultPodSecurityAdmissionConfigurationTemplateName: strict
  rkeConfig:
    machineGlobalConfig:
      profile: cis
      kube-apiserver-arg: [profiling=true]
---
apiVersion: provisioning.cattle.io/v1
kind: Cluster
metadata: { name: dev, namespace: fleet-default }
spec:
  kubernetesVersion: v1.31.4+rke2r1
  rkeConfig:
    machineGlobalConfig: {}
`;

describe('a file of several YAML documents: its Rancher Clusters are the targets, its other objects their sources', () => {
  it('each Cluster is audited, located in the whole file; a Pod Security template in the same file is read', () => {
    const dir = tempTree({ 'fleet.yaml': FLEET_FILE });
    const file = path.join(dir, 'fleet.yaml');
    const { snapshots } = loadConfigTargets([file], {});
    expect(snapshots.map((s) => [s.target.name, s.k8sVersion])).toEqual([[`${file} (prod)`, 'v1.30.8+rke2r1'], [`${file} (dev)`, 'v1.31.4+rke2r1']]);
    const [prod, dev] = snapshots;
    expect(prod!.facts['kube-apiserver.args.profiling']).toMatchObject({ value: 'true', location: { file, line: 22, column: 28 } });
    expect(prod!.facts['rke2.profile']?.location).toEqual({ file, line: 21, column: 16 });
    expect(prod!.facts['admission.PodSecurity.defaults.enforce']).toMatchObject({ value: 'restricted', layer: `Rancher PSA template strict (${file})`, location: { file, line: 18 } });
    expect(prod!.facts['admission.PodSecurity.exemptions.namespaces']?.value).toEqual(['kube-system', 'cattle-system']);
    expect(dev!.facts['kube-apiserver.args.profiling']).toMatchObject({ value: 'false', source: 'default' }); // not prod's
    expect(dev!.facts['rke2.profile']).toBeUndefined();
  });

  it('the CLI reports both Clusters in one run', async () => {
    const dir = tempTree({ 'fleet.yaml': FLEET_FILE });
    const r = await runCli(['audit', 'config', path.join(dir, 'fleet.yaml'), '-o', 'json', '--fail-on', 'never']);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as { targets: { name: string }[]; results: { target: string; controlId: string; status: string }[] };
    expect(run.targets.map((t) => path.basename(t.name))).toEqual(['fleet.yaml (prod)', 'fleet.yaml (dev)']);
    const status = (target: string, id: string) => run.results.find((x) => x.target.endsWith(target) && x.controlId === id)?.status;
    expect([status('(prod)', '1.2.18'), status('(dev)', '1.2.18')]).toEqual(['pass', 'fail']); // profile: cis sets the audit log flags
  });

  it('a cluster.yml or config.yaml among other documents is refused, naming the document (RKE and RKE2 read only the first)', async () => {
    const dir = tempTree({ 'cluster.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\nkubernetes_version: v1.28.15-rancher1-1\nnodes: []\n' });
    const r = await runCli(['audit', 'config', path.join(dir, 'cluster.yml')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`rke-harden: ${path.join(dir, 'cluster.yml')}:5: a cluster.yml among other YAML documents (---): one such configuration per file (RKE and RKE2 read only the first document of theirs)`);
  });

  it('a file of other objects only is not a configuration: skipped in a directory, refused named alone', async () => {
    const dir = tempTree({ 'objects.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n', 'rke/cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\n' });
    const { snapshots, skipped } = loadConfigTargets([dir], {});
    expect(snapshots.map((s) => path.relative(dir, s.target.name))).toEqual(['rke/cluster.yml']);
    expect(skipped.map((s) => s.warning)).toEqual([`${path.join(dir, 'objects.yaml')}: not a cluster configuration, skipped`]);
    const alone = await runCli(['audit', 'config', path.join(dir, 'objects.yaml')]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/objects\.yaml: not an RKE1 cluster\.yml, an RKE2 config\.yaml or a Rancher provisioning Cluster/);
  });
});

describe('a K3s Cluster among the Clusters of a file', () => {
  it('is skipped with a warning while the RKE2 ones are audited; alone in the file, the file is refused', async () => {
    const k3s = 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: edge }\nspec:\n  kubernetesVersion: v1.27.8+k3s2\n  rkeConfig: {}\n';
    const dir = tempTree({ 'fleet.yaml': `${FLEET_FILE}---\n${k3s}`, 'edge.yaml': `${k3s}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n` });
    const file = path.join(dir, 'fleet.yaml');
    const { snapshots } = loadConfigTargets([file], {});
    expect(snapshots.map((s) => path.basename(s.target.name))).toEqual(['fleet.yaml (prod)', 'fleet.yaml (dev)']);
    for (const s of snapshots) expect(s.warnings).toContain(`${file} (edge): version v1.27.8+k3s2 is a K3s release: rke-harden audits RKE1 and RKE2 clusters, not K3s: skipped`);
    // Two of them: each warning names its Cluster.
    const two = tempTree({ 'fleet.yaml': `${FLEET_FILE}---\n${k3s}---\n${k3s.replace('name: edge', 'name: shop')}` });
    const warnings = loadConfigTargets([path.join(two, 'fleet.yaml')], {}).snapshots[0]!.warnings.filter((w) => w.includes('K3s'));
    expect(warnings.map((w) => /\((\w+)\): version/.exec(w)?.[1])).toEqual(['edge', 'shop']);
    const alone = await runCli(['audit', 'config', path.join(dir, 'edge.yaml')]);
    expect([alone.code, alone.stderr.trim()]).toEqual([2, `rke-harden: ${path.join(dir, 'edge.yaml')} (edge): version v1.27.8+k3s2 is a K3s release: rke-harden audits RKE1 and RKE2 clusters, not K3s`]);
  });
});
