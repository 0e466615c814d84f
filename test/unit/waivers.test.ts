import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';
import { fixtureTrees } from '../support/node-audit.js';
import { globToRegExp, matchesGlob } from '../../src/waivers/glob.js';
import { parseWaivers, type Waiver } from '../../src/waivers/load-waivers.js';
import { applyWaivers } from '../../src/waivers/apply-waivers.js';
import { WaiverFileSchema, isCalendarDate } from '../../src/waivers/waiver-schema.js';
import { parseYamlText } from '../../src/config/read-yaml-file.js';
import { RkeHardenError } from '../../src/errors/rke-harden-error.js';
import { summarise } from '../../src/engine/scan-run.js';
import type { ControlResult, ScanRun } from '../../src/model/result.js';

const jsonSchema = JSON.parse(fs.readFileSync('schemas/waivers.schema.json', 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validateJson = ajv.compile(jsonSchema);

function errorOf(yaml: string, known = {}): string {
  try {
    parseWaivers(parseYamlText('waivers.yaml', yaml), known);
  } catch (e) {
    expect(e).toBeInstanceOf(RkeHardenError);
    expect((e as RkeHardenError).code).toBe('input');
    return (e as Error).message;
  }
  throw new Error('no error');
}

const ok = (extra = '') => `waivers:\n  - check: kubelet-anonymous-auth-disabled\n    target: "**"\n    reason: r\n    owner: o\n    expires: 2030-01-31\n${extra}`;

describe('target globs', () => {
  const table: [string, string, boolean][] = [
    ['**', 'anything/at all (prod)', true],
    ['*', 'a/b', false],
    ['*', 'node-1', true],
    ['clusters/*/config.yaml', 'clusters/prod/config.yaml', true],
    ['clusters/*/config.yaml', 'clusters/eu/prod/config.yaml', false],
    ['clusters/**/config.yaml', 'clusters/eu/prod/config.yaml', true],
    ['clusters/**/config.yaml', 'clusters/config.yaml', true],
    ['**/cluster.yaml*', 'examples/rancher-rke2/cluster.yaml (prod)', true],
    ['node-?', 'node-1', true],
    ['node-?', 'node-10', false],
    ['a.yaml', 'aXyaml', false],
    ['x (prod)', 'x (prod)', true],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
    ['c+d$^', 'c+d$^', true],
  ];
  for (const [glob, name, expected] of table) {
    it(`${glob} ${expected ? 'matches' : 'does not match'} ${name}`, () => expect(matchesGlob(glob, name)).toBe(expected));
  }
  it('compiles to an anchored expression', () => expect(globToRegExp('a*').source).toBe('^a[^/]*$'));
});

describe('waiver file', () => {
  it('a valid file parses, with where each entry was written', () => {
    const [w] = parseWaivers(parseYamlText('waivers.yaml', ok()));
    expect(w).toMatchObject({ check: 'kubelet-anonymous-auth-disabled', target: '**', expires: '2030-01-31', location: { file: 'waivers.yaml', line: 2, column: 5 } });
  });

  const bad: [string, string, RegExp][] = [
    ['unknown key', ok().replace('owner: o', 'owner: o\n    ownr: p'), /^waivers\.yaml:6:5: waivers\[0\]\.ownr: unknown key \(allowed: control, check, benchmark, target, reason, owner, expires\)$/m],
    ['missing reason', ok().replace('    reason: r\n', ''), /^waivers\.yaml:2:5: waivers\[0\]\.reason: reason is required$/m],
    ['empty owner', ok().replace('owner: o', 'owner: "  "'), /^waivers\.yaml:5:12: waivers\[0\]\.owner: owner must not be empty$/m],
    ['impossible date', ok().replace('2030-01-31', '2030-02-30'), /^waivers\.yaml:6:14: waivers\[0\]\.expires: expires must be a date YYYY-MM-DD that exists$/m],
    ['date with time', ok().replace('2030-01-31', '"2030-01-31T00:00:00Z"'), /waivers\.yaml:6:14: .*expires must be a date/],
    ['both control and check', ok().replace('target:', 'control: "1.2.3"\n    target:'), /^waivers\.yaml:2:5: waivers\[0\]: a waiver names exactly one of control or check$/m],
    ['neither', ok().replace('check: kubelet-anonymous-auth-disabled\n    ', ''), /^waivers\.yaml:2:5: waivers\[0\]: a waiver names exactly one of control or check$/m],
    ['unquoted control read as a number', ok().replace('check: kubelet-anonymous-auth-disabled', 'control: 1.2'), /^waivers\.yaml:2:14: waivers\[0\]\.control: control must be a string such as "1\.2\.9" \(quote it/m],
    ['not a list', 'waivers: {a: 1}\n', /^waivers\.yaml:1:10: waivers: waivers must be a list of waiver entries$/],
    ['a list at the top', '- a\n', /^waivers\.yaml:1:1: a waiver file is a map with one key, waivers/],
    ['unknown top-level key', 'waivers: []\nwaiver: []\n', /^waivers\.yaml:2:1: waiver: unknown key \(allowed: waivers\)$/],
    ['malformed YAML', 'waivers: [\n', /^waivers\.yaml:\d+:\d+: invalid YAML/],
  ];
  for (const [name, yaml, message] of bad) {
    it(`rejects: ${name}`, () => expect(errorOf(yaml)).toMatch(message));
  }

  it('reports every problem at once, in file order', () => {
    const lines = errorOf(ok('  - control: "1.2.3"\n    target: x\n    reason: ""\n    owner: o\n    expires: 2030-13-01\n').replace('owner: o', 'owner: o\n    extra: 1')).split('\n');
    expect(lines).toEqual([
      'waivers.yaml:6:5: waivers[0].extra: unknown key (allowed: control, check, benchmark, target, reason, owner, expires)',
      'waivers.yaml:10:13: waivers[1].reason: reason must not be empty',
      'waivers.yaml:12:14: waivers[1].expires: expires must be a date YYYY-MM-DD that exists',
    ]);
  });

  it('both control and check is said beside the entry\'s other errors', () => {
    const lines = errorOf(ok().replace('target:', 'control: "1.2.3"\n    target:').replace('    reason: r\n', '')).split('\n');
    expect(lines).toEqual([
      'waivers.yaml:2:5: waivers[0].reason: reason is required',
      'waivers.yaml:2:5: waivers[0]: a waiver names exactly one of control or check',
    ]);
  });

  it('rejects check and control ids no benchmark knows', () => {
    const known = { checks: new Set(['a-b']), controls: new Set(['1.1']) };
    const msg = errorOf(ok('  - control: "9.9"\n    target: x\n    reason: r\n    owner: o\n    expires: 2030-01-01\n'), known);
    expect(msg.split('\n')).toEqual([
      'waivers.yaml:2:12: waivers[0].check: no check named kubelet-anonymous-auth-disabled (see `rke-harden explain`)',
      'waivers.yaml:7:14: waivers[1].control: no benchmark has a control 9.9',
    ]);
  });

  it('an unknown id is reported with the other problems, not only once they are fixed', () => {
    const known = { checks: new Set(['a-b']), controls: new Set(['1.1']) };
    const msg = errorOf(ok('  - control: "9.9"\n    target: x\n    reason: r\n    owner: o\n    expires: 2030-13-01\n'), known);
    expect(msg.split('\n')).toEqual([
      'waivers.yaml:2:12: waivers[0].check: no check named kubelet-anonymous-auth-disabled (see `rke-harden explain`)',
      'waivers.yaml:7:14: waivers[1].control: no benchmark has a control 9.9',
      'waivers.yaml:11:14: waivers[1].expires: expires must be a date YYYY-MM-DD that exists',
    ]);
  });

  it('calendar dates', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2027-02-29')).toBe(false);
    expect(isCalendarDate('2027-2-1')).toBe(false);
  });

  it('the published JSON Schema agrees with the loader on every sample', () => {
    const samples = [ok(), ...bad.map(([, y]) => y).filter((y) => !y.startsWith('waivers: [\n'))];
    for (const y of samples) {
      const value = parse(y) as unknown;
      expect(validateJson(value), y).toBe(WaiverFileSchema.safeParse(value).success);
    }
    expect(validateJson(parse(ok()))).toBe(true);
  });
});

function runOf(results: Omit<ControlResult, 'section' | 'scored' | 'evidence' | 'title'>[]): ScanRun {
  const full = results.map((r): ControlResult => ({ title: `t ${r.controlId}`, section: '1', scored: true, evidence: [], ...r } as ControlResult));
  return {
    schemaVersion: '1', tool: { name: 'rke-harden', version: '0' },
    benchmark: { id: 'rke2-cis-1.11', distro: 'rke2', cisVersion: '1.11' },
    benchmarks: [{ id: 'rke2-cis-1.11', distro: 'rke2', cisVersion: '1.11' }, { id: 'rke-cis-1.8-hardened', distro: 'rke1', cisVersion: '1.8' }],
    targets: [{ kind: 'config', name: 'prod/config.yaml', benchmark: 'rke2-cis-1.11' }, { kind: 'config', name: 'dev/cluster.yml', benchmark: 'rke-cis-1.8-hardened' }],
    results: full, summary: summarise(full), warnings: [], startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z',
  };
}

const waiver = (w: Partial<Waiver>, line = 2): Waiver => ({ target: '**', reason: 'accepted', owner: 'ops', expires: '2026-06-30', location: { file: 'w.yaml', line, column: 5 }, ...w });

describe('applyWaivers', () => {
  const run = runOf([
    { controlId: '1.1', checkId: 'a', status: 'fail', target: 'prod/config.yaml' },
    { controlId: '1.1', checkId: 'a', status: 'fail', target: 'dev/cluster.yml', benchmark: 'rke-cis-1.8-hardened' },
    { controlId: '1.2', checkId: 'b', status: 'manual', target: 'prod/config.yaml', reason: 'by hand' },
    { controlId: '1.3', checkId: 'c', status: 'pass', target: 'prod/config.yaml' },
    { controlId: '1.4', checkId: 'd', status: 'error', target: 'prod/config.yaml', reason: 'denied' },
  ]);
  const now = new Date('2026-06-01T12:00:00Z'); // a month before the waivers' last day: no expiry notice

  it('a matching fail or manual result becomes waived with the waiver attached; the summary is recounted', () => {
    const out = applyWaivers(run, [waiver({ check: 'a', target: 'prod/*' }), waiver({ control: '1.2' }, 8)], now);
    expect(out.run.results.map((r) => r.status)).toEqual(['waived', 'fail', 'waived', 'pass', 'error']);
    expect(out.run.results[0]).toMatchObject({ waiver: { check: 'a', reason: 'accepted', owner: 'ops', expires: '2026-06-30' }, checkId: 'a' });
    expect(out.run.results[0]!.waiver).not.toHaveProperty('control');
    expect(out.run.results[2]!.waiver).toMatchObject({ control: '1.2' }); // which entry matched, as it names it
    expect(out.run.results[2]!.reason).toBe('by hand');
    expect(out.run.summary).toEqual({ pass: 1, fail: 1, manual: 0, notApplicable: 0, error: 1, waived: 2 });
    expect(out.run.warnings).toEqual([]);
    expect(out.applied.map((a) => a.waived)).toEqual([1, 1]);
    expect(run.results[0]!.status).toBe('fail'); // pure: the input is untouched
  });

  it('pass and error results are never waived; a waiver that only matches them is unused', () => {
    const out = applyWaivers(run, [waiver({ check: 'c' }), waiver({ check: 'd' }, 8)], now);
    expect(out.run.results.map((r) => r.status)).toEqual(['fail', 'fail', 'manual', 'pass', 'error']);
    expect(out.unused).toHaveLength(2);
    expect(out.run.warnings).toEqual([
      'w.yaml:2:5: waiver for check c on target ** (owner ops) matched no failing or manual result: remove it',
      'w.yaml:8:5: waiver for check d on target ** (owner ops) matched no failing or manual result: remove it',
    ]);
  });

  it('applies through the expiry day (UTC) and not after; an expired waiver is reported with what it no longer covers', () => {
    expect(applyWaivers(run, [waiver({ check: 'a' })], new Date('2026-06-30T23:59:59.999Z')).run.summary.waived).toBe(2);
    const out = applyWaivers(run, [waiver({ check: 'a' })], new Date('2026-07-01T00:00:00Z'));
    expect(out.run.summary.waived).toBe(0);
    expect(out.expired).toHaveLength(1);
    expect(out.unused).toHaveLength(0);
    expect(out.run.warnings).toEqual(['w.yaml:2:5: waiver for check a (owner ops) expired on 2026-06-30: 2 results are no longer waived']);
  });

  it('an applied waiver within 14 days of its last day is announced with its owner; an unused or distant one is not', () => {
    const at = (iso: string) => applyWaivers(run, [waiver({ check: 'a' }), waiver({ check: 'c', expires: '2026-06-20' }, 8)], new Date(iso));
    expect(at('2026-06-16T12:00:00Z').expiringSoon).toEqual([]); // 14 whole days left
    const soon = at('2026-06-17T00:00:00Z');
    expect(soon.expiringSoon.map((e) => [e.waiver.check, e.days])).toEqual([['a', 13]]);
    expect(soon.run.warnings).toContain('w.yaml:2:5: waiver for check a (owner ops) expires in 13 days (2026-06-30): 2 results it waives will count again after that unless it is renewed');
    expect(at('2026-06-29T08:00:00Z').run.warnings.at(-1)).toMatch(/expires in 1 day \(2026-06-30\): 2 results/);
    expect(at('2026-06-30T23:59:00Z').run.warnings.at(-1)).toMatch(/expires today \(2026-06-30\)/);
    expect(at('2026-06-30T23:59:00Z').run.summary.waived).toBe(2); // still applied on its last day
  });

  it('benchmark globs pin control ids to the profiles they mean', () => {
    const out = applyWaivers(run, [waiver({ control: '1.1', benchmark: 'rke-cis-*' })], now);
    expect(out.run.results.map((r) => r.status).slice(0, 2)).toEqual(['fail', 'waived']);
  });

  it('the first matching waiver in file order wins', () => {
    const out = applyWaivers(run, [waiver({ check: 'a', owner: 'first' }), waiver({ check: 'a', owner: 'second' }, 8)], now);
    expect(out.run.results[0]!.waiver!.owner).toBe('first');
    expect(out.unused.map((w) => w.owner)).toEqual(['second']);
  });
});

describe('--waivers', () => {
  it('audit config: waived results, exit 0 when every scored fail is waived, expired and unused waivers reported', async () => {
    const dir = tempTree({
      'cluster.yml': fs.readFileSync('examples/rke1-default/cluster.yml', 'utf8'),
      'waivers.yaml': [
        'waivers:',
        ...['0.7', '1.3.7', '1.4.2', '2.7', '1.2.12', '1.2.28', '1.2.29', '4.2.9'].flatMap((c) => [
          `  - control: "${c}"`, `    target: "**/cluster.yml"`, '    reason: tracked in JIRA-1', '    owner: platform-team', '    expires: 2099-12-31',
        ]),
        '  - check: kubelet-anonymous-auth-disabled', '    target: "**"', '    reason: old', '    owner: someone', '    expires: 2020-01-01',
        '  - check: apiserver-profiling-disabled', '    target: "other/*"', '    reason: unused', '    owner: x', '    expires: 2099-01-01',
        '',
      ].join('\n'),
    });
    const plain = await runCli(['audit', 'config', path.join(dir, 'cluster.yml'), '-o', 'json']);
    const scoredFails = (JSON.parse(plain.stdout) as ScanRun).results.filter((r) => r.status === 'fail' && r.scored).map((r) => r.controlId);
    const r = await runCli(['audit', 'config', path.join(dir, 'cluster.yml'), '-o', 'json', '--waivers', path.join(dir, 'waivers.yaml')]);
    const run = JSON.parse(r.stdout) as ScanRun;
    expect(run.results.filter((x) => x.status === 'fail' && x.scored)).toEqual([]);
    expect(r.code, `scored fails without a waiver: ${scoredFails.join(', ')}`).toBe(0);
    const w = run.results.find((x) => x.controlId === '1.3.7')!;
    expect(w).toMatchObject({ status: 'waived', waiver: { owner: 'platform-team', expires: '2099-12-31', reason: 'tracked in JIRA-1' } });
    expect(run.summary.waived).toBe(run.results.filter((x) => x.status === 'waived').length);
    expect(run.warnings.join('\n')).toMatch(/waivers\.yaml:42:5: waiver for check kubelet-anonymous-auth-disabled \(owner someone\) expired on 2020-01-01/);
    expect(run.warnings.join('\n')).toMatch(/waivers\.yaml:47:5: waiver for check apiserver-profiling-disabled on target other\/\* \(owner x\) matched no failing or manual result/);
  });

  it('a bad waiver file: exit 2, file:line:column on stderr, nothing written', async () => {
    const dir = tempTree({ 'w.yaml': ok().replace('2030-01-31', 'soon') });
    const out = path.join(dir, 'report.json');
    const r = await runCli(['audit', 'config', 'examples/rke1-default/cluster.yml', '--waivers', path.join(dir, 'w.yaml'), '--output', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`rke-harden: ${path.join(dir, 'w.yaml')}:6:14: waivers[0].expires: expires must be a date YYYY-MM-DD that exists\n`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('audit node: the node is named by its hostname, as the in-cluster agent names it, so one waivers file serves both', async () => {
    const root = fixtureTrees()('rke1-worker-hardened');
    const dir = tempTree({ 'w.yaml': 'waivers:\n  - control: "4.1.7"\n    target: rke1-worker-2\n    reason: kube-ca.pem is shared with etcd nodes\n    owner: platform\n    expires: 2099-12-31\n' });
    const r = await runCli(['audit', 'node', '--host-root', root, '-o', 'json', '--waivers', path.join(dir, 'w.yaml')]);
    const run = JSON.parse(r.stdout) as ScanRun;
    expect(run.targets).toMatchObject([{ kind: 'node', name: 'rke1-worker-2' }]);
    expect(run.results.find((x) => x.controlId === '4.1.7')).toMatchObject({ target: 'rke1-worker-2', status: 'waived', waiver: { owner: 'platform', status: 'fail', location: { file: path.join(dir, 'w.yaml'), line: 2, column: 5 } } });
    // The text report names the waiver's entry too.
    const text = await runCli(['audit', 'node', '--host-root', root, '--waivers', path.join(dir, 'w.yaml')]);
    expect(text.stdout).toContain(`waived until 2099-12-31 by platform: kube-ca.pem is shared with etcd nodes (${path.join(dir, 'w.yaml')}:2:5)`);
    expect(run.warnings.filter((w) => w.includes('matched no'))).toEqual([]);
  });

  it('a missing waiver file is an input error', async () => {
    const r = await runCli(['audit', 'config', 'examples/rke1-default/cluster.yml', '--waivers', '/nonexistent/w.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rke-harden: \/nonexistent\/w\.yaml: cannot read: ENOENT\n$/);
  });
});
