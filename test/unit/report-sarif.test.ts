import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';
import { artifactUri, fingerprintOf, renderSarif } from '../../src/reporters/sarif.js';
import { EMPTY_CONTEXT } from '../../src/reporters/report-context.js';
import type { ScanRun } from '../../src/model/result.js';

const official = JSON.parse(fs.readFileSync('test/fixtures/sarif/sarif-schema-2.1.0.json', 'utf8')) as Record<string, unknown>;
// The official schema is draft-04 (`id`); ajv 8 speaks draft-07, where the same schema reads `$id`.
const { $schema: _draft, id, ...rest } = official;
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile({ $id: id as string, ...rest });

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation?: { artifactLocation: { uri: string }; region: { startLine: number; startColumn?: number } } }[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: string; status: string; justification: string }[];
  properties: { controlId: string };
}
interface SarifLog {
  version: string;
  runs: {
    tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } };
    results: SarifResult[];
    invocations: { executionSuccessful: boolean; toolExecutionNotifications?: { level: string; message: { text: string } }[] }[];
  }[];
}

/** A config.yaml in a repository checkout with one setting that fails on line 3, column 5. */
function repoWithFinding(): string {
  return tempTree({
    'clusters/prod/config.yaml': 'write-kubeconfig-mode: "0600"\nkube-apiserver-arg:\n  - "anonymous-auth=true"\n',
  });
}

async function sarifOf(dir: string, file: string, extra: string[] = []): Promise<SarifLog> {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const r = await runCli(['audit', 'config', file, '--k8s-version', 'v1.31.4+rke2r1', '-o', 'sarif', ...extra]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    return JSON.parse(r.stdout) as SarifLog;
  } finally {
    process.chdir(cwd);
  }
}

describe('SARIF', () => {
  it('validates against the official SARIF 2.1.0 schema (examples, all formats of location)', async () => {
    const r = await runCli(['audit', 'config', 'examples/', '--k8s-version', 'v1.31.4+rke2r1', '-o', 'sarif']);
    const log = JSON.parse(r.stdout);
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results.length).toBeGreaterThan(0);
  });

  it('the schema check can fail: a result without a message is rejected', () => {
    const log = { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'a' }] }] };
    expect(validate(log)).toBe(false);
  });

  it('an audit config finding points at the exact line and column of the setting (GitHub annotates it)', async () => {
    const dir = repoWithFinding();
    const log = await sarifOf(dir, 'clusters/prod/config.yaml');
    const anon = log.runs[0]!.results.find((x) => x.ruleId === 'apiserver-anonymous-auth-disabled')!;
    expect(anon.level).toBe('error');
    expect(anon.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'clusters/prod/config.yaml' },
      region: { startLine: 3, startColumn: 5 },
    });
    expect(anon.message.text).toMatch(/^1\.2\.1 .*anonymous-auth = true; expected false/);
    // A setting that is absent has no line: the alert goes on the file's first line (GitHub needs a startLine).
    const unset = log.runs[0]!.results.find((x) => x.ruleId === 'apiserver-audit-log-path-set')!;
    expect(unset.locations[0]!.physicalLocation!.region).toEqual({ startLine: 1 });
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it('ruleId is the check id, ruleIndex points at its rule, and rules carry GitHub security-severity', async () => {
    const log = await sarifOf(repoWithFinding(), 'clusters/prod/config.yaml');
    const run = log.runs[0]!;
    for (const res of run.results) expect(run.tool.driver.rules[res.ruleIndex]!.id).toBe(res.ruleId);
    const rule = run.tool.driver.rules.find((x) => x.id === 'apiserver-anonymous-auth-disabled')!;
    expect(rule.properties).toMatchObject({ 'security-severity': '7.5', tags: expect.arrayContaining(['security']) });
    expect(new Set(run.tool.driver.rules.map((x) => x.id)).size).toBe(run.tool.driver.rules.length);
  });

  it('a rule failing on RKE1 and RKE2 targets carries both distros\' fixes, labelled (not the first target\'s alone)', async () => {
    const dir = tempTree({
      'rke1/cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\nnodes: []\nservices:\n  kube-api:\n    extra_args:\n      anonymous-auth: "true"\n',
      'rke2/config.yaml': 'kube-apiserver-arg:\n  - anonymous-auth=true\n',
    });
    const r = await runCli(['audit', 'config', path.join(dir, 'rke1/cluster.yml'), path.join(dir, 'rke2/config.yaml'), '--k8s-version', 'v1.31.4+rke2r1', '-o', 'sarif']);
    const rule = (JSON.parse(r.stdout) as { runs: { tool: { driver: { rules: { id: string; help: { text: string } }[] } } }[] }).runs[0]!.tool.driver.rules.find((x) => x.id === 'apiserver-anonymous-auth-disabled')!;
    expect(rule.help.text).toMatch(/^RKE1: .*extra_args/m);
    expect(rule.help.text).toMatch(/^RKE2: .*kube-apiserver-arg/m);
  });

  it('fingerprints are stable: same finding moved to another line keeps its fingerprint; another target does not', async () => {
    const dir = repoWithFinding();
    const before = await sarifOf(dir, 'clusters/prod/config.yaml');
    fs.writeFileSync(path.join(dir, 'clusters/prod/config.yaml'), '# moved\n\nwrite-kubeconfig-mode: "0600"\nkube-apiserver-arg:\n  - "anonymous-auth=true"\n');
    const after = await sarifOf(dir, 'clusters/prod/config.yaml');
    const fp = (log: SarifLog) => log.runs[0]!.results.find((x) => x.ruleId === 'apiserver-anonymous-auth-disabled')!;
    expect(fp(after).locations[0]!.physicalLocation!.region.startLine).toBe(5);
    expect(fp(after).partialFingerprints).toEqual(fp(before).partialFingerprints);
    const base = { controlId: '1.2.1', checkId: 'c', title: 't', section: '1.2', scored: true, status: 'fail' as const, evidence: [] };
    expect(fingerprintOf({ ...base, target: 'a.yaml' })).not.toBe(fingerprintOf({ ...base, target: 'b.yaml' }));
    expect(fingerprintOf({ ...base, target: 'a.yaml' })).toBe(fingerprintOf({ ...base, controlId: '1.2.2', target: 'a.yaml' }));
  });

  it('waived results are suppressed (accepted, with owner and expiry); errors and warnings are notifications', () => {
    const run: ScanRun = {
      schemaVersion: '1',
      tool: { name: 'rke-harden', version: '0.0.0' },
      benchmark: { id: 'b', distro: 'rke2', cisVersion: '1' },
      benchmarks: [{ id: 'b', distro: 'rke2', cisVersion: '1' }],
      targets: [{ kind: 'node', name: 'node-1', benchmark: 'b' }],
      results: [
        { controlId: '1.1', checkId: 'x-y', title: 'X', section: '1', scored: true, status: 'waived', target: 'node-1', evidence: [], waiver: { reason: 'vendor appliance', owner: 'ops', expires: '2099-01-01' } },
        { controlId: '1.2', checkId: 'z', title: 'Z', section: '1', scored: true, status: 'error', target: 'node-1', evidence: [], reason: 'permission denied' },
        { controlId: '1.3', title: 'M', section: '1', scored: true, status: 'manual', target: 'node-1', evidence: [], reason: 'by hand' },
      ],
      summary: { pass: 0, fail: 0, manual: 1, notApplicable: 0, error: 1, waived: 1 },
      warnings: ['something odd'],
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
    };
    const log = JSON.parse(renderSarif(run, EMPTY_CONTEXT)) as SarifLog;
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const [waived, ...others] = log.runs[0]!.results;
    expect(others).toEqual([]);
    expect(waived!.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'vendor appliance (owner ops, expires 2099-01-01)' }]);
    // A waiver that records its entry names it.
    const located = { ...run, results: run.results.map((r) => (r.waiver ? { ...r, waiver: { ...r.waiver, location: { file: 'w.yaml', line: 4, column: 5 } } } : r)) };
    const again = JSON.parse(renderSarif(located, EMPTY_CONTEXT)) as SarifLog;
    expect(again.runs[0]!.results[0]!.suppressions![0]!.justification).toBe('vendor appliance (owner ops, expires 2099-01-01, w.yaml:4:5)');
    // A waived fail is a suppressed error; a waived manual result never failed: a note.
    expect(waived!.level).toBe('error');
    const manual = { ...run, results: run.results.map((r) => (r.waiver ? { ...r, waiver: { ...r.waiver, status: 'manual' as const } } : r)) };
    expect((JSON.parse(renderSarif(manual, EMPTY_CONTEXT)) as SarifLog).runs[0]!.results[0]!.level).toBe('note');
    // A node target without file evidence: a logical location names it.
    expect(waived!.locations[0]).toEqual({ logicalLocations: [{ name: 'node-1', kind: 'resource' }] });
    const inv = log.runs[0]!.invocations[0]!;
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications!.map((n) => n.level)).toEqual(['error', 'warning']);
    expect(inv.toolExecutionNotifications![0]!.message.text).toMatch(/permission denied/);
  });

  it('artifact URIs: relative paths stay relative, absolute ones are file URIs, odd characters are encoded', () => {
    expect(artifactUri('clusters/prod/config.yaml')).toBe('clusters/prod/config.yaml');
    expect(artifactUri('./a/b.yml')).toBe('a/b.yml');
    expect(artifactUri('/etc/rancher/rke2/config.yaml')).toBe('file:///etc/rancher/rke2/config.yaml');
    expect(artifactUri('dir with space/#1.yaml')).toBe('dir%20with%20space/%231.yaml');
    expect(artifactUri('C:\\clusters\\a.yaml')).toBe('file:///C:/clusters/a.yaml');
  });
});
