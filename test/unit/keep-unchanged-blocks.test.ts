import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { keepUnchangedBlocks } from '../../src/harden-config/keep-unchanged-blocks.js';
import { hardenConfig } from '../../src/harden-config/harden-config.js';
import { tempTree } from '../support/temp-files.js';

// A cluster.yml indented two ways (its node list by four, services by four, the rest by two), with
// comments inside entries and commented-out nodes: what a hand-kept file looks like.
const USER = `# my cluster
nodes:
    - address: 10.0.0.1   # first
      user: rke
      role: [controlplane, etcd, worker]
  # - address: 10.0.0.9
  #   role: [worker]
kubernetes_version: v1.28.15-rancher1-1

services:
    etcd:
      snapshot: true   # keep
    kube-api:   # the API server
      # audit for the SOC
      audit_log:
        enabled: false
      service_node_port_range: 30000-32767
# the ingress
ingress:
  provider: nginx
`;

describe('harden config keeps what it does not change as the user wrote it', () => {
  it('an untouched entry keeps its text, comments and indentation; a changed map is merged entry by entry at the user\'s indentation', () => {
    // What the yaml library renders once `enabled` is true: one indentation for the whole file, comments moved.
    const rendered = parse(USER) as Record<string, Record<string, Record<string, unknown>>>;
    rendered.services!['kube-api']!.audit_log = { enabled: true };
    const libraryText = `# my cluster\nnodes:\n  - address: 10.0.0.1 # first\n    user: rke\n    role: [ controlplane, etcd, worker ]\nkubernetes_version: v1.28.15-rancher1-1\n\nservices:\n  etcd:\n    snapshot: true # keep\n  kube-api: # the API server\n    # audit for the SOC\n    audit_log:\n      enabled: true\n    service_node_port_range: 30000-32767\n# the ingress\ningress:\n  provider: nginx\n`;
    expect(parse(libraryText)).toEqual(rendered);
    const kept = keepUnchangedBlocks(USER, libraryText);
    expect(kept).toBe(USER.replace('        enabled: false', '        enabled: true'));
  });

  it('values written another way are not the same data (0600 is octal to RKE): the rendered entry is used', () => {
    expect(keepUnchangedBlocks('mode: 0600\nx: 1\n', 'mode: 600\nx: 1\n')).toBe('mode: 600\nx: 1\n');
    expect(keepUnchangedBlocks('on: "yes"\n', 'on: yes\n')).toBe('on: yes\n');
  });

  it('anything it cannot place safely is left as rendered: the result always reads as the rendered text', () => {
    // An alias into another entry: the entry alone does not parse, so it is not "unchanged".
    const before = 'base: &b {a: 1}\nuse: *b\nz: 1\n';
    const after = 'base: &b\n  a: 1\nuse: *b\nz: 2\n';
    const out = keepUnchangedBlocks(before, after);
    expect(parse(out)).toEqual(parse(after));
    expect(keepUnchangedBlocks('', 'a: 1\n')).toBe('a: 1\n');
  });

  it('through harden config: the diff of a file indented its own way shows the hardening and nothing else', () => {
    const dir = tempTree({ 'cluster.yml': USER });
    const h = hardenConfig({ distro: 'rke1', from: path.join(dir, 'cluster.yml') });
    const removed = h.diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
    expect(removed).toEqual(['-        enabled: false']);
    expect(h.after).toContain('nodes:\n    - address: 10.0.0.1   # first\n      user: rke\n      role: [controlplane, etcd, worker]\n  # - address: 10.0.0.9\n  #   role: [worker]\n');
    // Keys it adds to a map the user indents by four are indented by four.
    expect(h.after).toMatch(/^services:\n {4}etcd:\n {6}snapshot: true {3}# keep\n {6}uid: 52034\n/m);
    expect(hardenConfig({ distro: 'rke1', from: path.join(dir, 'cluster.yml') }).after).toBe(h.after);
  });
});
