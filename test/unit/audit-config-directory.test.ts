import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';
import type { ScanRun } from '../../src/model/result.js';

const GOOD = 'kubernetes_version: v1.28.15-rancher1-1\nservices:\n  kube-api:\n    extra_args: {profiling: "false"}\n';
const MALFORMED = 'kubernetes_version: v1.28.15-rancher1-1\nservices: [\n  kube-api: {\n';
const REFUSED = 'kubernetes_version: v1.28.15-rancher1-1\nauthorization: rbac\n';
const HELM_TEMPLATE = 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata:\n  name: {{ .Values.name }}\nspec:\n  kubernetesVersion: {{ .Values.version }}\n';
const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n';
const K3S_CLUSTER = 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: {name: edge}\nspec:\n  kubernetesVersion: v1.27.8+k3s2\n  rkeConfig: {}\n';

async function auditDir(files: Record<string, string>, extra: string[] = []) {
  const dir = tempTree(files);
  const out = path.join(dir, 'report.json');
  const r = await runCli(['audit', 'config', dir, '-o', 'json', '--output', out, '--fail-on', 'never', ...extra]);
  return { ...r, dir, run: fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as ScanRun) : undefined };
}

describe('audit config DIR: a file it cannot read does not cost the others their audit', () => {
  it('an unreadable file is a target whose controls are errors (exit 3); templates and other YAML are skipped with a warning', async () => {
    const r = await auditDir({ 'a/cluster.yml': GOOD, 'b/cluster.yml': MALFORMED, 'c/cluster.yml': REFUSED, 'chart/templates/cluster.yaml': HELM_TEMPLATE, 'cm.yaml': CONFIG_MAP });
    expect(r.code, r.stderr).toBe(3);
    const run = r.run!;
    expect(run.targets.map((t) => path.relative(r.dir, t.name))).toEqual(['a/cluster.yml', 'b/cluster.yml', 'c/cluster.yml']);

    // The readable file is audited as it is alone.
    const alone = await auditDir({ 'cluster.yml': GOOD });
    const verdicts = (rs: ScanRun['results']) => rs.map((x) => `${x.controlId} ${x.status}`);
    const good = path.join(r.dir, 'a/cluster.yml');
    expect(verdicts(run.results.filter((x) => x.target === good))).toEqual(verdicts(alone.run!.results));

    for (const [file, message] of [['b/cluster.yml', /b\/cluster\.yml:4:1: invalid YAML/], ['c/cluster.yml', /c\/cluster\.yml:2:16: authorization: must be a map, got string/]] as const) {
      const results = run.results.filter((x) => x.target === path.join(r.dir, file));
      // Every control a configuration decides is an error naming why; none passes or fails.
      const decided = results.filter((x) => x.status !== 'manual' && x.status !== 'notApplicable');
      expect(decided.length).toBeGreaterThan(50);
      expect(new Set(decided.map((x) => x.status))).toEqual(new Set(['error']));
      for (const x of decided) expect(x.reason).toMatch(message);
      // What another command decides stays that command's (manual), as in the file that was read.
      const manualAlone = new Set(alone.run!.results.filter((x) => x.status === 'manual').map((x) => x.controlId));
      const manual = results.filter((x) => x.status === 'manual');
      expect(manual.length).toBeGreaterThan(0);
      expect(manual.filter((x) => !manualAlone.has(x.controlId))).toEqual([]);
      expect(run.warnings.some((w) => message.test(w) && w.endsWith('this file is not audited, its controls are errors (scan incomplete)'))).toBe(true);
    }
    expect(run.summary.error).toBeGreaterThan(100);
    expect(run.warnings).toContain(`${path.join(r.dir, 'cm.yaml')}: not a cluster configuration, skipped`);
    expect(run.warnings.find((w) => w.includes('chart/templates/cluster.yaml'))).toMatch(/cluster\.yaml:4:9: looks like a template \(\{\{ … placeholders\).*: skipped$/);
  });

  it('the text report says the cause of a target\'s errors once, then lists its controls', async () => {
    const dir = tempTree({ 'a/cluster.yml': GOOD, 'b/cluster.yml': MALFORMED });
    const r = await runCli(['audit', 'config', dir, '--fail-on', 'never']);
    expect(r.code).toBe(3);
    const cause = `${path.join(dir, 'b/cluster.yml')}:4:1: invalid YAML`;
    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith(`Target (config): ${path.join(dir, 'b/cluster.yml')}`));
    expect(lines[header + 1]).toMatch(new RegExp(`^\\[ERROR\\] +\\d+ controls could not be decided: ${cause.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    expect(lines.filter((l) => l.includes(cause))).toHaveLength(2); // that line and the warning
    expect(lines.filter((l) => /^\[ERROR\] +1\.2\.1 /.test(l))).toHaveLength(1); // each control still listed
  });

  it('an empty file found in a walk is no configuration (skipped); a Rancher Cluster without a version says which key', async () => {
    const r = await auditDir({ 'a/cluster.yml': GOOD, 'empty.yaml': '', 'noversion.yaml': 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  rkeConfig: {}\n' });
    expect(r.code, r.stderr).toBe(3);
    expect(r.run!.warnings).toContain(`${path.join(r.dir, 'empty.yaml')}: not a cluster configuration, skipped`);
    expect(r.run!.warnings).toContainEqual(`${path.join(r.dir, 'noversion.yaml')}:5:3: c: spec.kubernetesVersion is not set: pass --k8s-version (e.g. v1.31.4+rke2r1): this file is not audited, its controls are errors (scan incomplete)`);
  });

  it('a K3s cluster beside the RKE ones is skipped with a warning: not an incomplete scan', async () => {
    const r = await auditDir({ 'a/cluster.yml': GOOD, 'edge.yaml': K3S_CLUSTER });
    expect(r.code, r.stderr).toBe(0);
    expect(r.run!.targets.map((t) => path.relative(r.dir, t.name))).toEqual(['a/cluster.yml']);
    expect(r.run!.warnings).toContain(`${path.join(r.dir, 'edge.yaml')} (edge): version v1.27.8+k3s2 is a K3s release: rke-harden audits RKE1 and RKE2 clusters, not K3s: skipped`);
  });

  it('--distro says which configuration a file is; it does not make a Kubernetes object one (an audit policy beside config.yaml is skipped, named alone refused)', async () => {
    const policy = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n';
    const r = await auditDir({ 'config.yaml': 'profile: cis\n', 'audit-policy.yaml': policy, 'cm.yaml': CONFIG_MAP }, ['--distro', 'rke2', '--k8s-version', 'v1.31.4+rke2r1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.run!.targets.map((t) => path.relative(r.dir, t.name))).toEqual(['config.yaml']);
    expect(r.run!.warnings).toContain(`${path.join(r.dir, 'audit-policy.yaml')}: not a cluster configuration, skipped`);
    for (const distro of ['rke1', 'rke2']) {
      const alone = await runCli(['audit', 'config', path.join(r.dir, 'audit-policy.yaml'), '--distro', distro, '--k8s-version', distro === 'rke1' ? 'v1.28.15-rancher1-1' : 'v1.31.4+rke2r1']);
      expect(alone.code).toBe(2);
      expect(alone.stderr.trim()).toBe(`rke-harden: ${path.join(r.dir, 'audit-policy.yaml')}: a Policy (audit.k8s.io/v1) object, not an RKE1 cluster.yml, an RKE2 config.yaml or a Rancher provisioning Cluster`);
    }
    const harden = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', 'v1.31.4+rke2r1', '--from', path.join(r.dir, 'cm.yaml'), '--out', path.join(r.dir, 'out')]);
    expect(harden.code).toBe(2);
    expect(harden.stderr.trim()).toBe(`rke-harden: ${path.join(r.dir, 'cm.yaml')}: a ConfigMap (v1) object, not an RKE2 config.yaml or a Rancher provisioning Cluster: nothing to harden in it`);
    expect(fs.existsSync(path.join(r.dir, 'out'))).toBe(false);
  });

  it('--benchmark names the profile of a directory whose files are all unreadable: a report of errors, exit 3', async () => {
    const r = await auditDir({ 'b/cluster.yml': MALFORMED }, ['--benchmark', 'rke-cis-1.8']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.run!.benchmark.id).toMatch(/^rke-cis-1\.8/);
    expect(r.run!.summary.pass + r.run!.summary.fail).toBe(0);
    expect(r.run!.summary.error).toBeGreaterThan(50);
  });

  it('without a profile to report them against, unreadable files are an input error: one line, exit 2, nothing written', async () => {
    const r = await auditDir({ 'b/cluster.yml': MALFORMED, 'c/cluster.yml': REFUSED, 'cm.yaml': CONFIG_MAP });
    expect(r.code).toBe(2);
    expect(r.run).toBeUndefined();
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/b\/cluster\.yml:4:1: invalid YAML: [^\n]* \(and 1 more files could not be read\)\n$/);
  });

  it('a directory of templates only has no configuration to audit (exit 2); a template named alone is refused', async () => {
    const r = await auditDir({ 'templates/cluster.yaml': HELM_TEMPLATE });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/: no cluster configuration found$/m);
    const alone = await runCli(['audit', 'config', path.join(r.dir, 'templates/cluster.yaml')]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/looks like a template/);
  });

  it('a file named on the command line beside a directory is still the user\'s input: refused, exit 2', async () => {
    const dir = tempTree({ 'ok/cluster.yml': GOOD, 'bad.yml': MALFORMED });
    const r = await runCli(['audit', 'config', path.join(dir, 'ok'), path.join(dir, 'bad.yml'), '--fail-on', 'never']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yml:4:1: invalid YAML/);
  });
});
