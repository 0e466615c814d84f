import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../src/agent/collect.js';
import { A, nodeLabelValue, scanConfigMapName, scanIdFor, snapshotConfigMapName, SNAPSHOT_PREFIX } from '../../src/agent/labels.js';
import { configMapToEnvelope, envelopeToConfigMap, EnvelopeError, SNAPSHOT_KEY, type SnapshotEnvelope } from '../../src/agent/snapshot-envelope.js';
import { catalogSysctls } from '../../src/agent/sysctls.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { FactSnapshot } from '../../src/model/fact.js';
import { removeHostTree } from '../support/host-fixtures.js';
import { fixtureTree } from '../support/node-audit.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('agent object names', () => {
  it('snapshot ConfigMap names are valid, unique and at most 253 characters', () => {
    expect(snapshotConfigMapName('worker-1')).toBe('rke-harden-snapshot-worker-1');
    expect(snapshotConfigMapName('ip-10-0-0-1.eu-west-1.compute.internal')).toBe('rke-harden-snapshot-ip-10-0-0-1.eu-west-1.compute.internal');
    const long = `${'a'.repeat(120)}.${'b'.repeat(120)}`;
    const long2 = `${'a'.repeat(120)}.${'b'.repeat(119)}c`;
    for (const n of [long, long2, 'UPPER_case', '-x-']) {
      const name = snapshotConfigMapName(n);
      expect(name.length, name).toBeLessThanOrEqual(253);
      expect(name, name).toMatch(DNS_SUBDOMAIN);
      expect(name.startsWith(SNAPSHOT_PREFIX)).toBe(true);
    }
    expect(snapshotConfigMapName(long)).not.toBe(snapshotConfigMapName(long2));
    expect(snapshotConfigMapName('UPPER_case')).not.toBe(snapshotConfigMapName('upper-case'));
  });

  it('node label values fit 63 characters', () => {
    expect(nodeLabelValue('worker-1')).toBe('worker-1');
    const v = nodeLabelValue(`${'n'.repeat(100)}.example.com`);
    expect(v.length).toBeLessThanOrEqual(63);
    expect(v).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
  });

  it('scan ids sort as time does', () => {
    const a = scanIdFor(new Date('2026-11-27T09:05:03.999Z'));
    const b = scanIdFor(new Date('2026-11-27T10:00:00Z'));
    expect(a).toBe('20261127-090503z');
    expect([b, a].sort()).toEqual([a, b]);
    expect(scanConfigMapName(a)).toBe('rke-harden-scan-20261127-090503z');
    expect(scanConfigMapName(a, 2)).toBe('rke-harden-scan-20261127-090503z-part-2');
    expect(scanConfigMapName(a)).toMatch(DNS_SUBDOMAIN);
  });
});

describe('snapshot envelopes', () => {
  let root: string;
  let snapshot: FactSnapshot;
  beforeAll(() => {
    root = fixtureTree('rke2-server-hardened');
    snapshot = collectSnapshot({ hostRoot: root, procDir: `${root}/proc`, node: 'rke2-server-2', sysctls: catalogSysctls(loadCatalog()) });
  });
  afterAll(() => removeHostTree(root));

  const ok = (): SnapshotEnvelope => ({ node: 'rke2-server-2', collectedAt: '2026-11-27T12:00:00.000Z', status: 'ok', durationMs: 812, toolVersion: '0.1.0', snapshot });

  it('a real node snapshot round-trips through its ConfigMap, gzipped far below the object limit', () => {
    const cm = envelopeToConfigMap(ok(), 'rke-harden', { name: 'rke2-server-2', uid: 'u-1' });
    expect(cm.metadata.name).toBe('rke-harden-snapshot-rke2-server-2');
    expect(cm.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'rke2-server-2', uid: 'u-1' }]);
    expect(cm.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'node-snapshot', [A.node]: 'rke2-server-2' });
    const b64 = cm.binaryData![SNAPSHOT_KEY]!;
    expect(Buffer.from(b64, 'base64').length).toBeLessThan(JSON.stringify(snapshot).length / 4);
    const back = configMapToEnvelope(structuredClone(cm));
    expect(back).toEqual(ok());
    expect(back.snapshot!.target).toEqual({ kind: 'node', name: 'rke2-server-2' });
    expect(Object.keys(back.snapshot!.facts).length).toBeGreaterThan(100);
  });

  it('a failed collection travels without a snapshot, with its reason', () => {
    const env: SnapshotEnvelope = { node: 'w1', collectedAt: '2026-11-27T12:00:00.000Z', status: 'timeout', durationMs: 120_000, toolVersion: '0.1.0', error: 'collection did not finish within 120 s' };
    const cm = envelopeToConfigMap(env, 'ns');
    expect(cm.binaryData).toBeUndefined();
    expect(cm.metadata.ownerReferences).toBeUndefined();
    expect(configMapToEnvelope(cm)).toEqual(env);
  });

  it('rejects edited, corrupt or forged objects with the reason', () => {
    const cm = envelopeToConfigMap(ok(), 'ns');
    const tampered = structuredClone(cm);
    const changed = { ...snapshot, facts: {} };
    tampered.binaryData![SNAPSHOT_KEY] = gzipSync(JSON.stringify(changed)).toString('base64');
    expect(() => configMapToEnvelope(tampered)).toThrow(/does not match its rke-harden.io\/sha256/);

    const noSha = structuredClone(tampered);
    delete noSha.metadata.annotations![A.sha256];
    expect(configMapToEnvelope(noSha).snapshot!.facts).toEqual({});

    const garbage = structuredClone(cm);
    garbage.binaryData![SNAPSHOT_KEY] = Buffer.from('not gzip').toString('base64');
    expect(() => configMapToEnvelope(garbage)).toThrow(/does not gunzip/);

    const notSnapshot = structuredClone(noSha);
    notSnapshot.binaryData![SNAPSHOT_KEY] = gzipSync(JSON.stringify({ target: { kind: 'node', name: 'x' }, distro: 'k3s', facts: {}, errors: {}, absent: {}, warnings: [] })).toString('base64');
    expect(() => configMapToEnvelope(notSnapshot)).toThrow(/distro is "k3s"/);

    const badSearched = structuredClone(noSha);
    badSearched.binaryData![SNAPSHOT_KEY] = gzipSync(JSON.stringify({ ...snapshot, searched: { 'kubelet.args': 42 } })).toString('base64');
    expect(() => configMapToEnvelope(badSearched)).toThrow(/searched\.kubelet\.args is not a string/);

    const noNode = structuredClone(cm);
    delete noNode.metadata.annotations![A.node];
    expect(() => configMapToEnvelope(noNode)).toThrow(EnvelopeError);

    const badStatus = structuredClone(cm);
    badStatus.metadata.annotations![A.collectStatus] = 'maybe';
    expect(() => configMapToEnvelope(badStatus)).toThrow(/collect-status/);

    const badTime = structuredClone(cm);
    badTime.metadata.annotations![A.collectedAt] = 'yesterday';
    expect(() => configMapToEnvelope(badTime)).toThrow(/not a time/);

    const bomb = structuredClone(noSha);
    bomb.binaryData![SNAPSHOT_KEY] = gzipSync(Buffer.alloc(70 * 1024 * 1024, 32)).toString('base64');
    expect(() => configMapToEnvelope(bomb)).toThrow(/does not gunzip/);
  });

  it('refuses to publish a snapshot larger than a ConfigMap holds', () => {
    const huge = { ...snapshot, warnings: [randomBytes(1_200_000).toString('base64')] }; // incompressible
    expect(() => envelopeToConfigMap({ ...ok(), snapshot: huge }, 'ns')).toThrow(/more than a ConfigMap holds/);
  });
});
