import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { explain, wrap } from '../../src/cli/explain-command.js';

describe('explain', () => {
  it('a check id: rationale, how it is audited, RKE1 and RKE2 remediation with keys, profiles and control ids', async () => {
    const r = await runCli(['explain', 'kubelet-anonymous-auth-disabled']);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^kubelet-anonymous-auth-disabled: kubelet rejects anonymous requests\n {2}component kubelet · severity high\n\nWhy\n {2}The kubelet API on port 10250/);
    expect(out).toMatch(/^How it is audited\n {2}- configuration files before they are applied \(`rke-harden audit config`\)/m);
    expect(out).toMatch(/^ {2}- the node \(`rke-harden audit node`\)/m);
    expect(out).toMatch(/^ {2}Other audits \(audit cluster\) report it as manual/m);
    expect(out).toMatch(/^ {2}Reads: kubelet\.args\.anonymous-auth$/m);
    expect(out).toMatch(/^ {4}kubelet\.args\.anonymous-auth: false \(not set: true, kubelet command-line default/m);
    expect(out).toMatch(/^ {2}When the facts are missing: fail: anonymous-auth is not set/m);
    expect(out).toMatch(/^ {2}RKE1 \(cluster\.yml\)\n(?: {4}.*\n)+ {4}Keys:\n {6}services\.kubelet\.extra_args\.anonymous-auth: "false"$/m);
    expect(out).toMatch(/^ {2}RKE2 \(\/etc\/rancher\/rke2\/config\.yaml\)\n(?: {4}.*\n)+ {4}Keys:\n {6}kubelet-arg: add the item "anonymous-auth=false"$/m);
    expect(out).toMatch(/^In benchmarks \(control id, then profiles; CIS renumbers controls between versions\)$/m);
    expect(out).toMatch(/^ {2}4\.2\.1 Ensure that the --anonymous-auth argument is set to false$/m);
    expect(out).toMatch(/rke2-cis-1\.11/);
  });

  it('lists every profile that binds the check, under each control id it has there', () => {
    const catalog = loadCatalog();
    const out = explain('kubelet-anonymous-auth-disabled');
    for (const b of catalog.benchmarks.values()) {
      const c = b.controls.find((x) => x.check === 'kubelet-anonymous-auth-disabled');
      if (!c) continue;
      const block = out.slice(out.indexOf(`  ${c.id} `));
      expect(block.replace(/\s+/g, ' '), `${b.id} ${c.id}`).toContain(b.id);
    }
  });

  it('a check harden node fixes says so in its remediation; others do not', () => {
    const oneLine = (t: string) => t.replace(/\s+/g, ' ');
    for (const id of ['proxy-kubeconfig-mode-600', 'etcd-data-dir-owner-etcd', 'etcd-user-exists', 'host-sysctl-kernel-panic-10']) {
      expect(oneLine(explain(id)).match(/rke-harden harden node --apply makes this change/g), id).toHaveLength(2); // RKE1 and RKE2
    }
    expect(oneLine(explain('kubelet-anonymous-auth-disabled'))).not.toContain('harden node');
  });

  it('an empty default reads as empty, not as a blank', () => {
    const out = explain('apiserver-admission-pod-security-control-enabled');
    expect(out).not.toContain('(not set: ,');
    expect(out).toContain('(not set: empty, kube-apiserver default');
  });

  it('an "if the file exists" check says it is judged without its component', () => {
    expect(explain('proxy-kubeconfig-mode-600')).toMatch(/^ {2}Judged whenever the file exists, even on a node where kube-proxy does not run/m);
    expect(explain('kubelet-anonymous-auth-disabled')).not.toMatch(/Judged whenever the file exists/);
  });

  it('an evaluator check says it is decided from the API', () => {
    const out = explain('rbac-wildcards-minimized');
    expect(out).toMatch(/- the Kubernetes API \(`rke-harden audit cluster`\)/);
    expect(out).toMatch(/Evaluated by the `rbac-wildcards-minimized` evaluator/);
  });

  it('a control id bound to one check in every profile explains that check', () => {
    const out = explain('1.2.1');
    expect(out).toMatch(/^Control 1\.2\.1 is checked by apiserver-anonymous-auth-disabled in every profile that has it\.\n\napiserver-anonymous-auth-disabled: /);
  });

  it('a control id that CIS renumbered or rebound: each meaning with its profiles; --benchmark picks one', () => {
    const all = explain('1.1.1');
    expect(all).toMatch(/^Control 1\.1\.1 means different things in different profiles \(\d+ different bindings\); pass --benchmark to pick one\./);
    expect(all).toMatch(/^== Control 1\.1\.1 in .*rke-cis-1\.23-hardened/m);
    expect(all).toMatch(/The profile accepts it as not applicable: /);
    expect(all).not.toMatch(/not applicable:\s+not applicable/i); // the profile's own "Not applicable:" is said once
    const one = explain('1.1.1', { benchmark: 'rke2-cis-1.11' });
    expect(one).toMatch(/^Control 1\.1\.1 is checked by apiserver-manifest-mode-600 in rke2-cis-1\.11\./);
    expect(one).not.toMatch(/different bindings/);
  });

  it('--benchmark: the remediation of that profile\'s distro only, its control named first', () => {
    const rke2 = explain('1.1.1', { benchmark: 'rke2-cis-1.11' });
    expect(rke2).toMatch(/^ {2}RKE2 \(\/etc\/rancher\/rke2\/config\.yaml\)$/m);
    expect(rke2).not.toMatch(/^ {2}RKE1 \(cluster\.yml\)$/m);
    expect(rke2).toMatch(/^In rke2-cis-1\.11\n {2}1\.1\.1 Ensure that the API server pod specification file permissions are set to 600 or more restrictive\n {6}scored, automated\n\nIn benchmarks/m);
    const rke1 = explain('kubelet-anonymous-auth-disabled', { benchmark: 'rke-cis-1.8-hardened' });
    expect(rke1).toMatch(/^ {2}RKE1 \(cluster\.yml\)$/m);
    expect(rke1).not.toMatch(/^ {2}RKE2 /m);
    expect(rke1).toMatch(/^In rke-cis-1\.8-hardened\n {2}4\.2\.1 /m);
    // Without --benchmark: both distros, no profile singled out.
    const both = explain('kubelet-anonymous-auth-disabled');
    expect(both).toMatch(/^ {2}RKE1 \(cluster\.yml\)$/m);
    expect(both).toMatch(/^ {2}RKE2 /m);
    expect(both).not.toMatch(/^In rke/m);
  });

  it('unknown ids are usage errors with a hint', async () => {
    const r = await runCli(['explain', 'anonymous']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rke-harden: anonymous: no check or control with this id \(did you mean apiserver-anonymous-auth-disabled, kubelet-anonymous-auth-disabled\?\)\n$/);
    expect((await runCli(['explain', '9.9.9'])).stderr).toBe('rke-harden: no control 9.9.9 in any benchmark\n');
    expect((await runCli(['explain', '1.1.1', '--benchmark', 'nope'])).code).toBe(2);
    expect((await runCli(['explain', 'rke2-profile-cis', '--benchmark', 'rke-cis-1.8-hardened'])).stderr).toMatch(/is not in benchmark rke-cis-1\.8-hardened/);
  });

  it('every check of the catalog can be explained', () => {
    for (const id of loadCatalog().checks.keys()) expect(() => explain(id)).not.toThrow();
  });

  it('wraps prose at 100 columns', () => {
    const lines = wrap('word '.repeat(100), '  ');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(lines.every((l) => l.startsWith('  word'))).toBe(true);
  });
});
