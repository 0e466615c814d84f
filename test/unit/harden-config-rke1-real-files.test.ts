// Shapes real RKE1 files have that a hand-written one rarely does: what `rke config` writes (empty
// version, null admission configuration), Rancher API spellings in a plain cluster.yml, a user's own
// admission configuration or Pod Security level.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hardenConfig, writeHardenedConfig } from '../../src/harden-config/harden-config.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';

const V = 'v1.28.15-rancher1-1';
type Api = Record<string, unknown> & { admission_configuration?: { plugins: { name: string; configuration?: { defaults: { enforce: string } } }[] } };

/** Harden, write, audit what was written: the hardened kube-api section and the status of each control. */
function hardenAndAudit(text: string, opts: { k8sVersion?: string; exemptNamespaces?: string[] } = {}) {
  const h = hardenConfig({ distro: 'rke1', from: path.join(tempTree({ 'cluster.yml': text }), 'cluster.yml'), ...opts });
  const out = tempTree({});
  writeHardenedConfig(h, out);
  const { run } = auditConfig([path.join(out, 'cluster.yml')], {});
  const status = (id: string) => run.results.find((r) => r.controlId === id)?.status;
  return { h, api: (parse(h.after) as { services: Record<string, Api> }).services['kube-api']!, status };
}

describe('harden config on RKE1 files as `rke config` and users write them', () => {
  it('`admission_configuration: null` is none: Pod Security goes in (it stayed privileged and --check said hardened)', () => {
    const { api, status } = hardenAndAudit(`kubernetes_version: ${V}\nnodes: []\nservices:\n  kube-api:\n    admission_configuration: null\n`);
    expect(api.admission_configuration!.plugins.map((p) => p.name)).toEqual(['PodSecurity']);
    expect(status('1.2.12')).not.toBe('fail');
  });

  it('a user\'s admission_configuration without PodSecurity gets it added, their plugins kept', () => {
    const own = `kubernetes_version: ${V}\nnodes: []\nservices:\n  kube-api:\n    admission_configuration:\n      apiVersion: apiserver.config.k8s.io/v1\n      kind: AdmissionConfiguration\n      plugins:\n        - name: EventRateLimit\n          path: /etc/kubernetes/event.yaml\n`;
    const { h, api, status } = hardenAndAudit(own);
    expect(api.admission_configuration!.plugins.map((p) => p.name)).toEqual(['EventRateLimit', 'PodSecurity']);
    expect(api.admission_configuration!.plugins[1]!.configuration!.defaults.enforce).toBe('restricted');
    expect(h.notes.join('\n')).toMatch(/admission_configuration is yours and had no PodSecurity plugin/);
    expect(status('1.2.12')).not.toBe('fail');
    // One with PodSecurity is theirs as it is.
    const withPsa = hardenConfig({ distro: 'rke1', from: path.join(tempTree({ 'cluster.yml': h.after }), 'cluster.yml') });
    expect(withPsa.after).toBe(h.after);
  });

  it('`pod_security_configuration: restricted` is kept (RKE\'s own restricted policy), unless exemptions are asked for', () => {
    const text = `kubernetes_version: ${V}\nnodes: []\nservices:\n  kube-api:\n    pod_security_configuration: restricted\n`;
    const kept = hardenAndAudit(text);
    expect(kept.api.pod_security_configuration).toBe('restricted');
    expect(kept.api.admission_configuration).toBeUndefined();
    expect(kept.h.notes.join('\n')).toMatch(/pod_security_configuration: restricted is kept/);
    const exempting = hardenAndAudit(text, { exemptNamespaces: ['team-ingress'] });
    expect(exempting.api.pod_security_configuration).toBeUndefined();
    expect(JSON.stringify(exempting.api.admission_configuration)).toContain('team-ingress');
  });

  it('`kubernetes_version: ""` names no version: --k8s-version is used (audit and harden agree), and harden writes it', async () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: ""\nnodes: []\nservices: {}\n' });
    const file = path.join(dir, 'cluster.yml');
    const audit = await runCli(['audit', 'config', file, '--k8s-version', V, '-o', 'json', '--fail-on', 'never']);
    expect(audit.code).toBe(0);
    expect((JSON.parse(audit.stdout) as { targets: { k8sVersion: string }[] }).targets[0]!.k8sVersion).toBe(V);
    const h = hardenConfig({ distro: 'rke1', k8sVersion: V, from: file });
    expect((parse(h.after) as { kubernetes_version: string }).kubernetes_version).toBe(V);
    const none = await runCli(['audit', 'config', file]);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toMatch(/cluster\.yml:1:21: kubernetes_version is not set: pass --k8s-version$/);
  });

  it('always_pull_images: true with the user\'s own enable-admission-plugins (which replaces RKE\'s list): AlwaysPullImages goes into that list too', () => {
    const { api, status } = hardenAndAudit(`kubernetes_version: ${V}\nnodes: []\nservices:\n  kube-api:\n    always_pull_images: true\n    extra_args:\n      enable-admission-plugins: NodeRestriction\n`);
    expect((api.extra_args as Record<string, string>)['enable-admission-plugins']).toBe('NodeRestriction,EventRateLimit,AlwaysPullImages');
    expect(status('1.2.11')).toBe('pass');
  });

  it('a plain cluster.yml with services.kube_api: the hardening goes to services.kube-api, which rke up reads, and a note says so', () => {
    const { h, status } = hardenAndAudit(`kubernetes_version: ${V}\nnodes: []\nservices:\n  kube_api:\n    extra_args: {profiling: "false"}\n`);
    const services = (parse(h.after) as { services: Record<string, unknown> }).services;
    expect(services['kube-api']).toMatchObject({ secrets_encryption_config: { enabled: true } });
    expect(services.kube_api).toEqual({ extra_args: { profiling: 'false' } });
    expect(h.notes.join('\n')).toMatch(/services\.kube_api is ignored by rke up, which reads services\.kube-api: the hardening of kube-apiserver went to services\.kube-api/);
    expect(status('1.2.28')).toBe('pass');
  });
});
