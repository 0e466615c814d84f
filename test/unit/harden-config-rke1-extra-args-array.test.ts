import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hardenConfig, writeHardenedConfig } from '../../src/harden-config/harden-config.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { tempTree } from '../support/temp-files.js';

const scoredFails = (file: string) => auditConfig([file], {}).run.results.filter((r) => r.status === 'fail' && r.scored && r.controlId !== '2.7').map((r) => r.controlId);

describe('harden config (RKE1): a flag extra_args_array repeats after extra_args is repaired where it wins', () => {
  const USER = `kubernetes_version: v1.28.15-rancher1-1
nodes: []
services:
  kube-api:
    extra_args_array:
      anonymous-auth: ["true"]
      authorization-mode:
        - AlwaysAllow # while testing
  kubelet:
    extra_args:
      max-pods: "150"
    extra_args_array:
      protect-kernel-defaults: ["false"]
      node-labels: [a=b, c=d]
`;

  it('the flags move to extra_args with a passing value (a list keeps its allowed items); the other items stay; the result passes', () => {
    const dir = tempTree({ 'cluster.yml': USER });
    const from = path.join(dir, 'cluster.yml');
    expect(scoredFails(from)).toEqual(expect.arrayContaining(['1.2.1', '1.2.6']));
    const h = hardenConfig({ distro: 'rke1', from });
    const s = (parse(h.after) as { services: Record<string, { extra_args?: Record<string, string>; extra_args_array?: Record<string, string[]> }> }).services;
    expect(s['kube-api']!.extra_args).toMatchObject({ 'anonymous-auth': 'false' });
    expect(s['kube-api']!.extra_args!['authorization-mode']).toBe('Node,RBAC'); // RKE's own value, without the item that was added to it
    expect(s['kube-api']).not.toHaveProperty('extra_args_array');
    expect(s.kubelet!.extra_args).toMatchObject({ 'max-pods': '150', 'protect-kernel-defaults': 'true' });
    expect(s.kubelet!.extra_args_array).toEqual({ 'node-labels': ['a=b', 'c=d'] });
    expect(h.notes).toContainEqual(expect.stringMatching(/^services\.kube-api\.extra_args\.authorization-mode: Node,RBAC,AlwaysAllow → Node,RBAC \(its extra_args_array items folded in\): the value set before failed CIS 1\.2\.\d+/));
    expect(h.stillFailing).toEqual([]);
    const out = tempTree({});
    writeHardenedConfig(h, out);
    expect(scoredFails(path.join(out, 'cluster.yml'))).toEqual([]);
  });
});
