// harden config on a file of several YAML documents (a Fleet bundle): the Rancher Cluster's document is
// hardened, every other document and the text between them stay byte for byte.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { hardenConfig, writeHardenedConfig } from '../../src/harden-config/harden-config.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';

const SECRET = '# Fleet bundle for prod\napiVersion: v1\nkind: Secret\nmetadata: { name: creds, namespace: fleet-default }\nstringData: { token: abc }\n';
const template = (enforce: string) => `apiVersion: management.cattle.io/v3\nkind: PodSecurityAdmissionConfigurationTemplate\nmetadata: { name: strict }\nconfiguration:\n  defaults: { enforce: ${enforce}, audit: restricted, warn: restricted }\n  exemptions: { namespaces: [kube-system, cattle-system] }\n`;
const CLUSTER = '# the cluster\napiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: { name: prod, namespace: fleet-default }\nspec:\n  kubernetesVersion: v1.30.8+rke2r1\n  defaultPodSecurityAdmissionConfigurationTemplateName: strict\n  rkeConfig:\n    machineGlobalConfig:\n      kube-apiserver-arg: [profiling=true]   # ours\n';
const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: after, namespace: fleet-default }\ndata: { a: b }\n';

function harden(docs: string[]) {
  const text = docs.join('---\n');
  const file = path.join(tempTree({ 'fleet.yaml': text }), 'fleet.yaml');
  return { text, file, h: hardenConfig({ distro: 'rke2', from: file }) };
}

describe('harden config: a Rancher Cluster among other YAML documents', () => {
  it('hardens the Cluster in place; the other documents are kept as written; the result audits clean and hardens to itself', () => {
    const { text, h } = harden([SECRET, template('restricted'), CLUSTER, CONFIG_MAP]);
    const [start, end] = [text.indexOf('# the cluster'), text.indexOf('apiVersion: v1\nkind: ConfigMap')];
    expect(h.after.slice(0, start)).toBe(text.slice(0, start));
    expect(h.after.endsWith(`---\n${CONFIG_MAP}`)).toBe(true);
    expect(h.after.slice(start, h.after.length - CONFIG_MAP.length)).not.toBe(text.slice(start, end));
    const docs = parseAllDocuments(h.after);
    expect(Array.isArray(docs) && docs.map((d) => (d.toJS() as { kind: string }).kind)).toEqual(['Secret', 'PodSecurityAdmissionConfigurationTemplate', 'Cluster', 'ConfigMap']);
    expect(h.after).toContain('# the cluster\n');
    expect(h.after).toMatch(/kube-apiserver-arg: \[.*profiling=false.*\] +# ours\n/);
    // Its template is in the file and enforces restricted: said so, not "make sure".
    expect(h.notes.find((n) => n.startsWith('defaultPodSecurityAdmissionConfigurationTemplateName: strict'))).toMatch(/^defaultPodSecurityAdmissionConfigurationTemplateName: strict \(\S*fleet\.yaml\) enforces restricted and exempts kube-system, cattle-system: keep the exemptions/);
    expect(h.stillFailing).toEqual([]);

    const out = tempTree({});
    writeHardenedConfig(h, out);
    const { run } = auditConfig([path.join(out, 'fleet.yaml')], {});
    expect(run.results.filter((r) => r.status === 'fail' && r.scored).map((r) => `${r.controlId} ${r.checkId}`)).toEqual([]);
    const again = hardenConfig({ distro: 'rke2', from: path.join(out, 'fleet.yaml') });
    expect(again.after).toBe(h.after);
  });

  it('a template of the file that does not enforce restricted is named with the fix, not edited', () => {
    const { h } = harden([template('baseline'), CLUSTER]);
    expect(h.notes).toContainEqual(expect.stringMatching(/^defaultPodSecurityAdmissionConfigurationTemplateName: strict \(\S*fleet\.yaml\) enforces baseline: set configuration\.defaults\.enforce: restricted in it$/));
    expect(h.after.startsWith(template('baseline'))).toBe(true);
  });

  it('a key given twice in another document (a chart rendered two objects into one) does not stop it; in the Cluster it does', () => {
    const twice = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n';
    const { text, h } = harden([twice, CLUSTER]);
    expect(h.after.startsWith(twice)).toBe(true);
    expect(h.after).not.toBe(text);
    expect(() => harden([SECRET, CLUSTER.replace('metadata: {', 'kind: Cluster\nmetadata: {')])).toThrow(/fleet\.yaml:\d+:1: kind is given again at \S*fleet\.yaml:\d+:1: harden config edits this document: keep one of them$/);
  });

  it('several Clusters in one file: --cluster NAME hardens that one, the others stay as written; one after the other, all are hardened', async () => {
    const dev = CLUSTER.replace('# the cluster', '# the dev cluster').replace('name: prod', 'name: dev');
    const text = [SECRET, CLUSTER, dev].join('---\n');
    const dir = tempTree({ 'fleet.yaml': text });
    const prod = hardenConfig({ distro: 'rke2', from: path.join(dir, 'fleet.yaml'), cluster: 'prod' });
    expect(prod.after.endsWith(`---\n${dev}`)).toBe(true);
    expect(prod.after).toMatch(/# the cluster\n[^]*profiling=false[^]*---\n# the dev cluster/);
    expect(prod.stillFailing).toEqual([]);
    expect(prod.manifests.map((m) => m.fileName)).toEqual([expect.stringMatching(/^prod-/)]);
    const out1 = path.join(dir, 'out1');
    writeHardenedConfig(prod, out1);
    const both = hardenConfig({ distro: 'rke2', from: path.join(out1, 'fleet.yaml'), cluster: 'dev' });
    expect(both.after.slice(0, both.after.indexOf('# the dev cluster'))).toBe(prod.after.slice(0, prod.after.indexOf('# the dev cluster')));
    const out2 = path.join(dir, 'out2');
    writeHardenedConfig(both, out2);
    for (const m of prod.manifests) fs.writeFileSync(path.join(out2, m.fileName), m.text); // the prod ConfigMap kept beside it too
    const { run } = auditConfig([path.join(out2, 'fleet.yaml')], {});
    expect(run.targets.map((t) => t.name.replace(/.*fleet\.yaml /, ''))).toEqual(['(prod)', '(dev)']);
    expect(run.results.filter((r) => r.status === 'fail' && r.scored).map((r) => `${r.target} ${r.controlId}`)).toEqual([]);
    // Hardened, each hardens to itself.
    for (const cluster of ['prod', 'dev']) expect(hardenConfig({ distro: 'rke2', from: path.join(out2, 'fleet.yaml'), cluster }).after).toBe(both.after);
    // A name not in the file: one line naming those that are.
    expect(() => hardenConfig({ distro: 'rke2', from: path.join(dir, 'fleet.yaml'), cluster: 'stage' })).toThrow(/fleet\.yaml: no Rancher Cluster named stage among its YAML documents \(\S*fleet\.yaml:\d+:1 \(prod\), \S*fleet\.yaml:\d+:1 \(dev\)\)$/);
  });

  it('several Clusters without --cluster, or none, in one file: one line naming them, exit 2, nothing written', async () => {
    const two = harden.bind(null, [CLUSTER, CLUSTER.replace('name: prod', 'name: dev')]);
    expect(two).toThrow(/fleet\.yaml: 2 Rancher Clusters \(\S*fleet\.yaml:2:1 \(prod\), \S*fleet\.yaml:\d+:1 \(dev\)\) among its YAML documents: harden config edits one Cluster per file \(pass --cluster NAME to harden one of them\)$/);
    const dir = tempTree({ 'objects.yaml': `${SECRET}---\n${CONFIG_MAP}` });
    const r = await runCli(['harden', 'config', '--distro', 'rke2', '--from', path.join(dir, 'objects.yaml'), '--out', path.join(dir, 'out')]);
    expect([r.code, r.stderr.trim()]).toEqual([2, `rke-harden: ${path.join(dir, 'objects.yaml')}: no Rancher provisioning Cluster among its YAML documents: harden config edits one Cluster per file (keep each in its own file, with its objects)`]);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });
});
