import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { runCli } from '../support/run-cli.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { tempTree } from '../support/temp-files.js';

const schema = JSON.parse(fs.readFileSync('schemas/scan-run.schema.json', 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

describe('reports', () => {
  it('JSON of the bundled examples validates against the published schema', async () => {
    const r = await runCli(['audit', 'config', 'examples/', '--k8s-version', 'v1.31.4+rke2r1', '-o', 'json']);
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout);
    expect(validate(run), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(run.targets.map((t: { benchmark: string }) => t.benchmark)).toEqual(
      expect.arrayContaining(['rke-cis-1.8-hardened', 'rke2-cis-1.11']),
    );
    const total = Object.values(run.summary as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(total).toBe(run.results.length);
    // Each result of a check carries the check's severity; a control without a check has none.
    const { checks } = loadCatalog();
    const results = run.results as { checkId?: string; severity?: string }[];
    expect(results.filter((x) => x.checkId).every((x) => x.severity === checks.get(x.checkId!)!.severity)).toBe(true);
    expect(new Set(results.map((x) => x.severity))).toEqual(new Set(['high', 'medium', 'low', ...(results.some((x) => !x.checkId) ? [undefined] : [])]));
  });

  it('a schema violation is caught (the test can fail)', () => {
    expect(validate({ schemaVersion: '1' })).toBe(false);
  });

  it('text: grouped by section, one line per control, remediation naming the key, summary', async () => {
    const r = await runCli(['audit', 'config', 'examples/rke1-default/cluster.yml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^-- 1\.3 Controller Manager$/m);
    expect(r.stdout).toMatch(/^\[FAIL\]\s+1\.3\.7 Ensure that the --bind-address argument is set to 127\.0\.0\.1$/m);
    expect(r.stdout).toMatch(/^1\.3\.7: .*services\.kube-controller\.extra_args\.bind-address/m);
    expect(r.stdout).toMatch(/^== Summary: \d+ pass, \d+ fail \(4 scored\)/m);
    expect(r.stdout.includes('\u001b[')).toBe(false); // no colour when not a TTY
  });

  it('--output writes atomically and prints nothing; --fail-on never exits 0', async () => {
    const dir = tempTree({});
    const out = path.join(dir, 'scan.json');
    const r = await runCli(['audit', 'config', 'examples/rke1-default/cluster.yml', '-o', 'json', '--output', out, '--fail-on', 'never']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).schemaVersion).toBe('1');
    expect(fs.readdirSync(dir)).toEqual(['scan.json']);
  });

  it('exit 0 when no scored control fails', async () => {
    const dir = tempTree({ 'config.yaml': 'profile: cis\n' });
    const r = await runCli(['audit', 'config', path.join(dir, 'config.yaml'), '--k8s-version', 'v1.33.6+rke2r1']);
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
  });

  it('benchmarks lists every profile with its selection', async () => {
    const r = await runCli(['benchmarks']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(21);
    expect(r.stdout).toMatch(/^rke2-cis-1\.12\s+RKE2\s+CIS 1\.12\s+default\s+\d+\s+Kubernetes 1\.32\+$/m);
  });

  it('a bare rke2-cis-1.8 means -hardened', async () => {
    const dir = tempTree({ 'config.yaml': 'profile: cis\n' });
    const r = await runCli(['audit', 'config', path.join(dir, 'config.yaml'), '--k8s-version', 'v1.26.15+rke2r1', '--benchmark', 'rke2-cis-1.8', '-o', 'json']);
    expect(JSON.parse(r.stdout).benchmark.id).toBe('rke2-cis-1.8-hardened');
  });
});

describe('evidence lines', () => {
  it('a fact not read says so and an unstated expectation is left out (no "?" placeholders)', async () => {
    const { evidenceValue } = await import('../../src/reporters/report-context.js');
    expect(evidenceValue({ fact: 'sysctl.vm.overcommit_memory', source: 'process' })).toBe('sysctl.vm.overcommit_memory (not read)');
    expect(evidenceValue({ fact: 'cluster.roles', observed: 'forbidden', source: 'api' })).toBe('cluster.roles = forbidden');
    expect(evidenceValue({ fact: 'a', observed: '1', expected: '2', source: 'config' })).toBe('a = 1; expected 2');
  });
});
