// `audit node --snapshot-out` then `audit snapshot`: what a node showed, evaluated again offline (a bug
// report's attachment, or a node collected by one machine and judged by another).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScanRun } from '../../src/model/result.js';
import type { FactSnapshot } from '../../src/model/fact.js';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';
import { fixtureTrees } from '../support/node-audit.js';
import { SECRET_MARKER, TOKEN_MARKER } from '../fixtures/hosts/common.js';

const tree = fixtureTrees();

describe('audit snapshot: a saved node replays to the same report', () => {
  for (const fixture of ['rke2-server-hardened', 'rke1-etcd-controlplane-default'] as const) {
    it(fixture, async () => {
      const dir = tempTree({});
      const file = path.join(dir, 'node.snapshot.json');
      const live = await runCli(['audit', 'node', '--host-root', tree(fixture), '-o', 'json', '--snapshot-out', file]);
      const replay = await runCli(['audit', 'snapshot', file, '-o', 'json']);
      expect(replay.code).toBe(live.code);
      const a = JSON.parse(live.stdout) as ScanRun;
      const b = JSON.parse(replay.stdout) as ScanRun;
      expect(b.targets).toEqual(a.targets);
      expect(b.results).toEqual(a.results);
      expect(b.summary).toEqual(a.summary);
      // Nothing secret is saved: the fixture's token (rke2's argv, server/token) and keys stay on the node.
      const saved = fs.readFileSync(file, 'utf8');
      expect(saved).not.toContain(TOKEN_MARKER);
      expect(saved).not.toContain(SECRET_MARKER);
      expect((JSON.parse(saved) as FactSnapshot).target.name).toBe(a.targets[0]!.name);
      expect(fs.readdirSync(dir)).toEqual(['node.snapshot.json']);
    });
  }

  it('several snapshots, one report: each result names its target, and its benchmark where it differs', async () => {
    const dir = tempTree({});
    const save = async (fixture: 'rke2-agent' | 'rke1-worker-default') => {
      const file = path.join(dir, `${fixture}.json`);
      await runCli(['audit', 'node', '--host-root', tree(fixture), '-o', 'json', '--snapshot-out', file]);
      return file;
    };
    const files = [await save('rke2-agent'), await save('rke1-worker-default')];
    const run = JSON.parse((await runCli(['audit', 'snapshot', ...files, '-o', 'json'])).stdout) as ScanRun;
    expect(run.targets).toMatchObject([{ name: 'rke2-agent-1', benchmark: 'rke2-cis-1.12' }, { name: 'rke1-worker-1', benchmark: 'rke-cis-1.8-hardened' }]);
    expect(run.results.filter((r) => r.target === 'rke1-worker-1').every((r) => r.benchmark === 'rke-cis-1.8-hardened')).toBe(true);
    expect(run.results.filter((r) => r.target === 'rke2-agent-1').every((r) => r.benchmark === undefined)).toBe(true);
  });

  it('a snapshot names the rke-harden that saved it; a replay by another version says so in its warnings', async () => {
    const file = path.join(tempTree({}), 's.json');
    await runCli(['audit', 'node', '--host-root', tree('rke2-agent'), '-o', 'json', '--snapshot-out', file]);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as FactSnapshot;
    const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version;
    expect(saved.collectedBy).toBe(version);
    const same = JSON.parse((await runCli(['audit', 'snapshot', file, '-o', 'json'])).stdout) as ScanRun;
    expect(same.warnings.filter((w) => w.includes('collected by'))).toEqual([]);
    fs.writeFileSync(file, JSON.stringify({ ...saved, collectedBy: '0.0.1' }));
    const older = JSON.parse((await runCli(['audit', 'snapshot', file, '-o', 'json'])).stdout) as ScanRun;
    expect(older.warnings).toContainEqual(`${file}: collected by rke-harden 0.0.1, evaluated by ${version}`);
    expect(older.results).toEqual(same.results);
  });

  it('a node audited with --benchmark replays with that benchmark (the same report, the same waivers)', async () => {
    const file = path.join(tempTree({}), 's.json');
    const live = JSON.parse((await runCli(['audit', 'node', '--host-root', tree('rke2-server-hardened'), '--benchmark', 'rke2-cis-1.8', '-o', 'json', '--snapshot-out', file])).stdout) as ScanRun;
    const replay = JSON.parse((await runCli(['audit', 'snapshot', file, '-o', 'json'])).stdout) as ScanRun;
    expect(live.benchmark.id).toBe('rke2-cis-1.8-hardened');
    expect(replay.benchmark.id).toBe('rke2-cis-1.8-hardened');
    expect(replay.results).toEqual(live.results);
  });

  it('a bad waivers file or output path: exit 2, and no snapshot written either', async () => {
    const dir = tempTree({ 'w.yaml': 'waivers: [oops\n' });
    const root = tree('rke2-agent');
    for (const extra of [['--waivers', path.join(dir, 'w.yaml')], ['--output', path.join(dir, 'missing', 'r.txt')]]) {
      const r = await runCli(['audit', 'node', '--host-root', root, '--snapshot-out', path.join(dir, 's.json'), ...extra]);
      expect(r.code, r.stderr).toBe(2);
      expect(fs.existsSync(path.join(dir, 's.json'))).toBe(false);
    }
  });

  it('another benchmark of the same distro may be asked for; one of the other distro is refused', async () => {
    const file = path.join(tempTree({}), 's.json');
    await runCli(['audit', 'node', '--host-root', tree('rke2-agent'), '-o', 'json', '--snapshot-out', file]);
    const older = JSON.parse((await runCli(['audit', 'snapshot', file, '--benchmark', 'rke2-cis-1.7', '-o', 'json'])).stdout) as ScanRun;
    expect(older.benchmark.id).toBe('rke2-cis-1.7-hardened');
    const other = await runCli(['audit', 'snapshot', file, '--benchmark', 'rke-cis-1.8']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/s\.json: --benchmark rke-cis-1\.8-hardened is an RKE1 profile, but the snapshot is of an RKE2 target\n$/);
  });

  const bad: [string, (dir: string) => string[], RegExp][] = [
    ['a missing file', (d) => [path.join(d, 'nope.json')], /nope\.json: cannot read: ENOENT$/],
    ['not JSON', (d) => [write(d, 'a.json', '{')], /a\.json:1:2: not JSON: /],
    ['a scan report instead of a snapshot', (d) => [write(d, 'scan.json', JSON.stringify({ schemaVersion: '1', results: [] }))], /not a fact snapshot: .*scan\.json: the snapshot has no valid target$/],
    ['a hand-edited distro', (d) => [write(d, 'k3s.json', JSON.stringify({ target: { kind: 'node', name: 'n' }, distro: 'k3s', facts: {}, errors: {}, absent: {}, warnings: [] }))], /k3s\.json: the snapshot's distro is "k3s"/],
    ['a location that is not {file, line, column}', (d) => [write(d, 'loc.json', JSON.stringify({ target: { kind: 'node', name: 'n' }, distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', facts: { 'kubelet.args.anonymous-auth': { key: 'kubelet.args.anonymous-auth', value: 'true', source: 'process', location: { file: 5 } } }, errors: {}, absent: {}, warnings: [] }))], /loc\.json: fact kubelet\.args\.anonymous-auth: location is not \{file, line\?, column\?\}$/],
    ['an unknown source', (d) => [write(d, 'src.json', JSON.stringify({ target: { kind: 'node', name: 'n' }, distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', facts: { f: { key: 'f', value: 'x', source: 'martian' } }, errors: {}, absent: {}, warnings: [] }))], /src\.json: fact f is malformed$/],
    ['a layer that is not text', (d) => [write(d, 'layer.json', JSON.stringify({ target: { kind: 'node', name: 'n' }, distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', facts: { f: { key: 'f', value: 'x', source: 'file', layer: 5 } }, errors: {}, absent: {}, warnings: [] }))], /layer\.json: fact f: layer is not a string$/],
    ['no version and no --benchmark', (d) => [write(d, 'nov.json', JSON.stringify({ target: { kind: 'node', name: 'n' }, distro: 'rke2', facts: {}, errors: {}, absent: {}, warnings: [] }))], /nov\.json: the snapshot names no Kubernetes version: pass --benchmark$/],
    ['the same target twice', (d) => {
      const f = write(d, 'n.json', JSON.stringify({ target: { kind: 'node', name: 'n' }, distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', facts: {}, errors: {}, absent: {}, warnings: [] }));
      return [f, f];
    }, /n\.json: its target n is also .*n\.json's: one snapshot per target$/],
  ];
  for (const [name, files, message] of bad) {
    it(`refuses ${name}: one line, exit 2, nothing written`, async () => {
      const dir = tempTree({});
      const out = path.join(dir, 'report.json');
      const r = await runCli(['audit', 'snapshot', ...files(dir), '--output', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});

function write(dir: string, name: string, text: string): string {
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
}
