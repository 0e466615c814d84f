// A verdict on a flag that is not set says where it was looked for: peers print "not found" and FAIL,
// and the user cannot tell whether the tool read the wrong place (design.md §2.3, facts with provenance).
import { describe, expect, it } from 'vitest';
import { auditNode } from '../../src/cli/audit-node-command.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import type { ScanRun } from '../../src/model/result.js';
import { fixtureTrees } from '../support/node-audit.js';

const tree = fixtureTrees();
const evidenceOf = (run: ScanRun, fact: string) => run.results.flatMap((r) => r.evidence).find((e) => e.fact === fact);

describe('a fact that is not set names the sources that were read', () => {
  it('node: the command line of the process, and the kubelet config files it names', () => {
    const rke1 = auditNode({ hostRoot: tree('rke1-worker-hardened') });
    const pid = rke1.snapshot.facts['kubelet.args.tls-cipher-suites']!.layer!.replace('command line of pid ', '');
    // A default applied: the value the kubelet runs with, and which default it is.
    expect(evidenceOf(rke1.run, 'kubelet.args.pod-max-pids')).toMatchObject({ observed: '-1', source: 'default', layer: `kubelet built-in default (unlimited); not set in command line of pid ${pid}` });

    // RKE2 v1.32: kubelet reads its settings from drop-ins, etcd from its config file; each file read is named.
    const rke2 = auditNode({ hostRoot: tree('rke2-server-hardened') });
    expect(evidenceOf(rke2.run, 'kubelet.args.make-iptables-util-chains')?.layer).toMatch(
      /^kubelet built-in default; not set in command line of pid \d+, \/var\/lib\/rancher\/rke2\/agent\/etc\/kubelet\.conf\.d\/00-rke2-defaults\.conf, \/var\/lib\/rancher\/rke2\/agent\/etc\/kubelet\.conf\.d\/50-operator\.conf$/);
    expect(evidenceOf(rke2.run, 'etcd.args.auto-tls')?.layer).toMatch(/^etcd built-in default; not set in etcd config file \/var\/lib\/rancher\/rke2\/server\/db\/etcd\/config \(--config-file on the command line of pid \d+\)$/);
    // A fact that is set keeps the layer that set it.
    expect(evidenceOf(rke2.run, 'kube-apiserver.args.anonymous-auth')?.layer).toMatch(/^command line of pid \d+$/);
  });

  it('RKE2 config: the *-arg key in each file read, and the version\'s defaults', () => {
    const { run } = auditConfig(['examples/rke2-server'], { k8sVersion: 'v1.31.4+rke2r1' });
    expect(evidenceOf(run, 'kubelet.args.pod-max-pids')?.layer).toBe('kubelet built-in default (unlimited); not set in kubelet-arg in rke2-server/config.yaml, config.yaml.d/50-audit.yaml, RKE2 v1.31.4+rke2r1 defaults');
    // Nothing applies to a flag that must not be set: no source, only where it was looked for.
    const unset = evidenceOf(run, 'kube-apiserver.args.token-auth-file');
    expect(unset).toMatchObject({ observed: '(not set)', layer: expect.stringMatching(/^not set in kube-apiserver-arg in /) });
    expect(unset).not.toHaveProperty('source');
  });

  it('RKE1 cluster.yml: the service\'s extra_args, the KDM options of the version, RKE\'s plan defaults', () => {
    const { run } = auditConfig(['examples/rke1-default/cluster.yml'], {});
    expect(evidenceOf(run, 'kube-apiserver.args.encryption-provider-config')).toMatchObject({ observed: '(not set)', layer: 'not set in cluster.yml services.kube-api.extra_args, KDM service options v1.28, RKE plan defaults' });
    // Settings of cluster.yml that are not flags say where they are read too.
    expect(evidenceOf(run, 'rke1.etcd.uid')).toMatchObject({ observed: '(not set)', layer: 'not set in cluster.yml services.etcd.uid and .gid (RKE\'s default: etcd runs as root)' });
    expect(evidenceOf(run, 'encryption.providers')).toMatchObject({ observed: '(not set)', layer: expect.stringMatching(/^not set in cluster\.yml services\.kube-api\.secrets_encryption_config /) });
  });
});
