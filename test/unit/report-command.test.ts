import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';
import type { ScanRun } from '../../src/model/result.js';
import { reportSaved } from '../../src/cli/report-command.js';

let dir: string;
let scanFile: string;
let scan: ScanRun;

beforeAll(async () => {
  dir = tempTree({});
  scanFile = path.join(dir, 'scan.json');
  const r = await runCli(['audit', 'config', 'examples/', '--k8s-version', 'v1.31.4+rke2r1', '-o', 'json', '--output', scanFile]);
  expect(r.code).toBe(1);
  scan = JSON.parse(fs.readFileSync(scanFile, 'utf8')) as ScanRun;
});

function writeScan(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('report <scan.json>', () => {
  it('-o json gives back the saved scan unchanged', async () => {
    const r = await runCli(['report', scanFile, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fs.readFileSync(scanFile, 'utf8'));
  });

  it('re-renders in every format, with section titles from the catalog; exit 0 unless --fail-on is given', async () => {
    for (const format of ['text', 'junit', 'sarif', 'markdown', 'html']) {
      const r = await runCli(['report', scanFile, '-o', format]);
      expect(r.code, format).toBe(0);
      expect(r.stderr, format).toBe('');
      expect(r.stdout.length, format).toBeGreaterThan(1000);
    }
    expect((await runCli(['report', scanFile])).stdout).toMatch(/^-- 1\.2 API Server$/m);
    expect((await runCli(['report', scanFile, '-o', 'sarif'])).stdout).toContain('"ruleId": "controller-manager-bind-address-loopback"');
    expect((await runCli(['report', scanFile, '--fail-on', 'fail'])).code).toBe(1);
    expect((await runCli(['report', scanFile, '--fail-on', 'never'])).code).toBe(0);
  });

  it('--output writes the file atomically', async () => {
    const out = path.join(dir, 'report.html');
    const r = await runCli(['report', scanFile, '-o', 'html', '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--waivers applies to a saved scan', async () => {
    const w = writeScan('w.yaml', 'waivers:\n  - control: "1.3.7"\n    target: "examples/rke1-default/*"\n    reason: r\n    owner: team\n    expires: 2099-01-01\n');
    const r = await runCli(['report', scanFile, '-o', 'json', '--waivers', w]);
    const run = JSON.parse(r.stdout) as ScanRun;
    expect(run.results.find((x) => x.controlId === '1.3.7' && x.target === 'examples/rke1-default/cluster.yml')).toMatchObject({ status: 'waived', waiver: { owner: 'team' } });
    expect(run.summary.waived).toBe(1);
    expect(run.summary.fail).toBe(scan.summary.fail - 1);
  });

  it('a waiver that has expired since the scan was saved no longer counts: the result is what it was again', async () => {
    const manual = scan.results.find((x) => x.status === 'manual')!;
    const w = writeScan('live.yaml', `waivers:\n  - control: "1.3.7"\n    target: "examples/rke1-default/*"\n    reason: r\n    owner: team\n    expires: 2099-01-01\n  - control: "${manual.controlId}"\n    target: "${manual.target}"\n    reason: r\n    owner: ops\n    expires: 2099-01-01\n`);
    const saved = path.join(dir, 'waived.json');
    expect((await runCli(['report', scanFile, '-o', 'json', '--waivers', w, '--output', saved])).code).toBe(0);
    const waived = JSON.parse(fs.readFileSync(saved, 'utf8')) as ScanRun;
    expect(waived.summary.waived).toBeGreaterThanOrEqual(2);

    expect(reportSaved(saved, false, new Date('2099-01-01T23:00:00Z')).run.summary).toEqual(waived.summary); // its last day
    const later = reportSaved(saved, false, new Date('2099-01-02T00:00:00Z')).run;
    expect(later.summary).toEqual(scan.summary);
    expect(later.results).toEqual(scan.results);
    expect(later.warnings).toContainEqual(expect.stringMatching(/^a waiver \(owner team\) expired on 2099-01-01 after this scan: 1 result is no longer waived$/));
    expect(later.warnings.some((l) => l.includes('owner ops'))).toBe(true);

    // A scan saved before the waived status was recorded: counted as fail, and said so; exit 1 with --fail-on fail.
    const old = { ...waived, results: waived.results.map((x) => (x.waiver ? { ...x, waiver: { reason: x.waiver.reason, owner: x.waiver.owner, expires: '2020-01-01' } } : x)) };
    const r = await runCli(['report', writeScan('old.json', old), '-o', 'json', '--fail-on', 'fail']);
    expect(r.code).toBe(1);
    const reread = JSON.parse(r.stdout) as ScanRun;
    expect(reread.summary.waived).toBe(0);
    expect(reread.results.find((x) => x.controlId === manual.controlId && x.target === manual.target)?.status).toBe('fail');
    expect(reread.warnings.join('\n')).toMatch(/counted as fail: the scan does not record what it was/);
  });

  it('a saved scan\'s waivers as of now: expiry notices counted again; --waivers replaces them (no false "matched nothing")', async () => {
    const soon = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const w1 = writeScan('soon.yaml', `waivers:\n  - control: "1.3.7"\n    target: "examples/rke1-default/*"\n    reason: r\n    owner: team\n    expires: ${soon}\n`);
    const saved = path.join(dir, 'soon.json');
    await runCli(['report', scanFile, '-o', 'json', '--waivers', w1, '--output', saved]);
    expect((JSON.parse(fs.readFileSync(saved, 'utf8')) as ScanRun).warnings).toContainEqual(expect.stringMatching(/expires in [67] days/));
    // Read back three days later: the notice says what is left then, once.
    const later = reportSaved(saved, false, new Date(Date.now() + 3 * 86_400_000)).run;
    expect(later.warnings.filter((x) => / expires /.test(x))).toEqual([expect.stringMatching(/soon\.yaml:2:5: a waiver \(owner team\) expires in [34] days \(\d{4}-\d\d-\d\d\): 1 result it waives will count again/)]);
    // The same waiver, renewed: it replaces the saved one.
    const w2 = writeScan('renewed.yaml', 'waivers:\n  - control: "1.3.7"\n    target: "examples/rke1-default/*"\n    reason: renewed\n    owner: team\n    expires: 2099-01-01\n');
    const r = JSON.parse((await runCli(['report', saved, '-o', 'json', '--waivers', w2])).stdout) as ScanRun;
    expect(r.results.find((x) => x.controlId === '1.3.7' && x.target === 'examples/rke1-default/cluster.yml')?.waiver).toMatchObject({ reason: 'renewed', expires: '2099-01-01' });
    expect(r.warnings.filter((x) => /matched no failing|expires in/.test(x))).toEqual([]);
    expect(r.summary).toEqual((JSON.parse(fs.readFileSync(saved, 'utf8')) as ScanRun).summary);
  });

  it('- reads the scan from standard input (a pipe)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/rke-harden-cli.ts', 'report', '-', '-o', 'json'], { input: JSON.stringify(scan), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as ScanRun).summary).toEqual(scan.summary);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/rke-harden-cli.ts', 'report', '-'], { input: '{"x":', encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^rke-harden: -:1:6: not JSON/);
  });

  it('reads a scan saved with a UTF-8 byte order mark (as some Windows editors save it)', async () => {
    const bom = writeScan('bom.json', `\uFEFF${JSON.stringify(scan)}`);
    const r = await runCli(['report', bom, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as ScanRun).summary).toEqual(scan.summary);
  });

  it('recounts the summary of a saved scan: an edited one cannot hide a failure', async () => {
    const edited = writeScan('edited.json', { ...scan, summary: { ...scan.summary, fail: 0 } });
    const r = await runCli(['report', edited, '-o', 'json', '--fail-on', 'fail']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as ScanRun).summary).toEqual(scan.summary);
  });

  const bad: [string, () => string, RegExp][] = [
    ['a missing file', () => path.join(dir, 'nope.json'), /nope\.json: cannot read: ENOENT$/],
    ['a directory', () => dir, /: is a directory$/],
    ['not JSON', () => writeScan('bad.json', '{"schemaVersion": "1",'), /bad\.json:1:23: not JSON: Expected double-quoted property name$/],
    ['not JSON, with the line of the mistake', () => writeScan('line.json', '{\n  "schemaVersion": "1",\n  tool: {}\n}\n'), /line\.json:3:3: not JSON: Expected double-quoted property name$/],
    ['a YAML file', () => writeScan('bad.yaml', 'schemaVersion: 1\n'), /bad\.yaml: not JSON: /],
    ['another JSON document', () => writeScan('other.json', { hello: 'world' }), /other\.json: not an rke-harden scan report: \(root\): must have required property 'schemaVersion'$/],
    ['an unknown status', () => writeScan('status.json', { ...scan, results: [{ ...scan.results[0], status: 'skipped' }] }), /status\.json: not an rke-harden scan report: \/results\/0\/status: must be equal to one of the allowed values \(pass, fail, manual, notApplicable, error, waived\)$/],
    ['an unknown property', () => writeScan('extra.json', { ...scan, extra: 1 }), /extra\.json: not an rke-harden scan report: \(root\): unknown property extra$/],
    ['a newer schema version', () => writeScan('v2.json', { ...scan, schemaVersion: '2' }), /v2\.json: not an rke-harden scan report \(schemaVersion "2"; this rke-harden reads 1\): \/schemaVersion: must be equal to constant$/],
    ['a bad date', () => writeScan('date.json', { ...scan, startedAt: 'yesterday' }), /date\.json: not an rke-harden scan report: \/startedAt: must match format "date-time"$/],
  ];
  for (const [name, file, message] of bad) {
    it(`rejects ${name}: one line, exit 2, nothing written`, async () => {
      const out = path.join(dir, 'never.html');
      const r = await runCli(['report', file(), '-o', 'html', '--output', out]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    });
  }

  it('an unknown format is a usage error', async () => {
    const r = await runCli(['report', scanFile, '-o', 'pdf']);
    expect(r.code).toBe(2);
  });
});
