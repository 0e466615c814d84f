// Differential run: each node fixture laid out at its real paths in a private namespace
// (test/support/namespace-layout.ts), audited there by kube-bench (its own rke/rke2 data) and by
// `rke-harden audit node --host-root /`, verdicts compared per control. docs/differential.md defines
// the status mapping; allow-list.ts explains every disagreement the test accepts.
import fs from 'node:fs';
import path from 'node:path';
import type { ScanRun } from '../../src/model/result.js';
import { REPO_ROOT } from '../../test/support/controlplane-bin.js';
import type { HostSpec } from '../../test/support/host-fixtures.js';
import type { KubeBenchInstall } from '../../test/support/kube-bench.js';
import { runInLayout, type LayoutCommand } from '../../test/support/namespace-layout.js';
import { HOST_FIXTURES, type HostFixtureName } from '../../test/fixtures/hosts/index.js';

/** kube-bench's own RKE1/RKE2 benchmarks (cfg/ of the pinned version). */
export const KUBE_BENCH_PROFILES = {
  rke1: ['rke-cis-1.23', 'rke-cis-1.24', 'rke-cis-1.7'],
  rke2: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7', 'rke2-cis-1.8'],
} as const;

/** kube-bench's node-level targets. `policies` (section 5) is a cluster audit: out of scope here. */
export const NODE_TARGETS = ['master', 'etcd', 'controlplane', 'node'] as const;
export type Target = (typeof NODE_TARGETS)[number];

/**
 * One vocabulary for both tools (docs/differential.md §2):
 * kube-bench PASS/FAIL/WARN/INFO as it reports them; "NOT RUN" for a check of a target kube-bench
 * does not run on this node's roles (its own role detection); rke-harden pass → PASS, fail scored →
 * FAIL, fail unscored or manual → WARN, notApplicable → INFO, error → ERROR, no such control → ABSENT.
 */
export type Verdict = 'PASS' | 'FAIL' | 'WARN' | 'INFO' | 'NOT RUN' | 'ERROR' | 'WAIVED' | 'ABSENT';

export function oursVerdict(r: { status: string; scored: boolean } | undefined): Verdict {
  if (!r) return 'ABSENT';
  switch (r.status) {
    case 'pass':
      return 'PASS';
    case 'fail':
      return r.scored ? 'FAIL' : 'WARN';
    case 'manual':
      return 'WARN';
    case 'notApplicable':
      return 'INFO';
    case 'waived':
      return 'WAIVED';
    default:
      return 'ERROR';
  }
}

/** A kube-bench check not run on this node (target not selected) agrees with notApplicable. */
export const agrees = (kubeBench: Verdict, ours: Verdict): boolean => kubeBench === ours || (kubeBench === 'NOT RUN' && ours === 'INFO');

export interface ControlComparison {
  id: string;
  target: Target;
  kubeBench: Verdict;
  ours: Verdict;
  agree: boolean;
  /** kube-bench's check type (manual, skip) and scored flag, for the record. */
  kubeBenchType: string;
  kubeBenchActual?: string;
  kubeBenchReason?: string;
  oursReason?: string;
  oursEvidence?: string;
}

export interface ProfileComparison {
  fixture: HostFixtureName;
  profile: string;
  /** The rke-harden benchmark the profile resolved to. */
  oursBenchmark: string;
  targets: Target[];
  controls: ControlComparison[];
  /** rke-harden controls of sections 1-4 with no kube-bench check of that id, and 0.x host requirements. */
  oursOnly: string[];
  kubeBenchMs: number[];
  oursMs: number[];
}

/** kube-bench's targets for a node, as its own role detection picks them (cmd/util.go). */
export function kubeBenchTargets(spec: HostSpec): Target[] {
  const running = new Set(spec.processes.map((p) => path.basename(p.argv[0] ?? '')));
  const targets: Target[] = [];
  if (['kube-apiserver', 'kube-scheduler', 'kube-controller-manager'].every((c) => running.has(c))) targets.push('master', 'controlplane');
  if (running.has('etcd')) targets.push('etcd');
  targets.push('node');
  return targets;
}

interface KbCheck {
  id: string;
  target: Target;
  type: string;
  scored: string;
}

/**
 * Check ids per target of a kube-bench benchmark, read from its cfg/. A line scanner, not a YAML
 * parser: some upstream files hold double-quoted scalars continued on a less indented line, which
 * Go's yaml.v2 accepts and the `yaml` package rejects. Items of a `checks:` list are checks, items of
 * `groups:` groups; `type:` and `scored:` are read at the item's own indentation.
 */
export function kubeBenchChecks(cfgDir: string, profile: string): KbCheck[] {
  const out: KbCheck[] = [];
  for (const target of NODE_TARGETS) {
    const file = path.join(cfgDir, profile, `${target}.yaml`);
    if (!fs.existsSync(file)) continue;
    const lists: { indent: number; key: string }[] = [];
    let item: { indent: number; kind: string; check?: KbCheck; groupType: string } | undefined;
    let groupType = '';
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*(#|$)/.test(line)) continue;
      const indent = line.length - line.trimStart().length;
      const list = /^(\s*)(groups|checks):\s*$/.exec(line);
      if (list) {
        while (lists.length && lists.at(-1)!.indent >= indent) lists.pop();
        lists.push({ indent, key: list[2]! });
        continue;
      }
      const id = /^(\s*)- id:\s*["']?([0-9.]+)["']?\s*$/.exec(line);
      if (id) {
        while (lists.length && lists.at(-1)!.indent >= indent) lists.pop();
        const kind = lists.at(-1)?.key ?? '';
        if (kind === 'groups') groupType = '';
        const check = kind === 'checks' ? { id: id[2]!, target, type: groupType, scored: '' } : undefined;
        if (check) out.push(check);
        item = { indent, kind, groupType, ...(check ? { check } : {}) };
        continue;
      }
      const field = /^(\s*)(type|scored):\s*["']?([a-z]+)["']?\s*$/.exec(line);
      if (item && field && indent === item.indent + 2) {
        if (item.kind === 'groups' && field[2] === 'type') groupType = field[3]!;
        if (item.check) item.check[field[2] as 'type' | 'scored'] = field[3]!;
      }
    }
  }
  return out;
}

interface KbResult {
  test_number: string;
  status: string;
  scored: boolean;
  type?: string;
  actual_value?: string;
  reason?: string;
}

export function parseKubeBenchJson(stdout: string): Map<string, KbResult> {
  const doc = JSON.parse(stdout) as { Controls?: { tests?: { results?: KbResult[] }[] }[] } | { tests?: { results?: KbResult[] }[] }[];
  const controls = Array.isArray(doc) ? doc : (doc.Controls ?? []);
  const byId = new Map<string, KbResult>();
  for (const c of controls) for (const g of c.tests ?? []) for (const r of g.results ?? []) byId.set(String(r.test_number), r);
  return byId;
}

const SECTION_OF = /^(\d+)\./;

export function compare(
  fixture: HostFixtureName,
  profile: string,
  targets: Target[],
  checks: KbCheck[],
  kb: Map<string, KbResult>,
  ours: ScanRun,
): Omit<ProfileComparison, 'kubeBenchMs' | 'oursMs'> {
  const oursById = new Map(ours.results.map((r) => [r.controlId, r]));
  const controls: ControlComparison[] = [];
  for (const c of checks) {
    const r = kb.get(c.id);
    const kubeBench: Verdict = targets.includes(c.target) ? ((r?.status as Verdict | undefined) ?? 'ABSENT') : 'NOT RUN';
    const o = oursById.get(c.id);
    const v = oursVerdict(o);
    const evidence = o?.evidence.map((e) => `${e.fact}=${e.observed ?? '∅'}${e.expected ? ` (expected ${e.expected})` : ''}`).join('; ');
    controls.push({
      id: c.id,
      target: c.target,
      kubeBench,
      ours: v,
      agree: agrees(kubeBench, v),
      kubeBenchType: [c.type || 'automated', c.scored === 'true' ? 'scored' : 'unscored'].join(', '),
      ...(r?.actual_value ? { kubeBenchActual: r.actual_value.trim().slice(0, 300) } : {}),
      ...(r?.reason ? { kubeBenchReason: r.reason.trim().slice(0, 300) } : {}),
      ...(o?.reason ? { oursReason: o.reason.slice(0, 300) } : {}),
      ...(evidence ? { oursEvidence: evidence.slice(0, 400) } : {}),
    });
  }
  const known = new Set(checks.map((c) => c.id));
  const oursOnly = ours.results
    .filter((r) => !known.has(r.controlId) && Number(SECTION_OF.exec(r.controlId)?.[1] ?? 0) <= 4)
    .map((r) => r.controlId);
  return { fixture, profile, oursBenchmark: ours.benchmark.id, targets, controls, oursOnly };
}

export interface DifferentialOptions {
  kubeBench: KubeBenchInstall;
  fixtures?: HostFixtureName[];
  /** Limit to these kube-bench benchmarks. */
  profiles?: string[];
  /** Runs of each tool per profile (timing); the verdicts are the last run's. */
  runs?: number;
  /**
   * Which variant of our profile the kube-bench benchmark is compared with: `hardened` (what a bare
   * id such as rke2-cis-1.8 means to rke-harden, default) or `permissive`.
   */
  variant?: 'hardened' | 'permissive';
  /** How rke-harden is started: from source (tsx, default) or the built dist/ (bin/rke-harden.js). */
  cli?: 'source' | 'dist';
  log?: (line: string) => void;
}

export function rkeHardenArgv(cli: 'source' | 'dist'): string[] {
  return cli === 'dist'
    ? [process.execPath, path.join(REPO_ROOT, 'bin/rke-harden.js')]
    : [process.execPath, '--import', 'tsx', path.join(REPO_ROOT, 'test/support/rke-harden-cli.ts')];
}

export function distroOf(spec: HostSpec): 'rke1' | 'rke2' {
  return Object.keys(spec.files).some((f) => f.startsWith('/var/lib/rancher/rke2')) ? 'rke2' : 'rke1';
}

/** Lay every fixture out once, run both tools for each profile of its distro, compare. */
export async function runDifferential(opts: DifferentialOptions): Promise<ProfileComparison[]> {
  const out: ProfileComparison[] = [];
  const fixtures = opts.fixtures ?? (Object.keys(HOST_FIXTURES) as HostFixtureName[]);
  for (const fixture of fixtures) {
    const spec = HOST_FIXTURES[fixture]();
    const profiles = KUBE_BENCH_PROFILES[distroOf(spec)].filter((p) => !opts.profiles || opts.profiles.includes(p));
    if (profiles.length === 0) continue;
    const targets = kubeBenchTargets(spec);
    const commands: LayoutCommand[] = profiles.flatMap((p) => [
      {
        name: `kube-bench_${p}`,
        argv: [opts.kubeBench.binary, 'run', '--targets', targets.join(','), '--benchmark', p, '--config-dir', opts.kubeBench.cfgDir, '--config', path.join(opts.kubeBench.cfgDir, 'config.yaml'), '--json'],
      },
      {
        name: `rke-harden_${p}`,
        argv: [...rkeHardenArgv(opts.cli ?? 'source'), 'audit', 'node', '--host-root', '/', '--benchmark', `${p}-${opts.variant ?? 'hardened'}`, '--format', 'json', '--fail-on', 'never'],
        env: { NO_COLOR: '1' },
      },
    ]);
    const t0 = Date.now();
    const helper = path.join(opts.kubeBench.helperDir, 'check_files_owner_in_dir.sh');
    const layout = await runInLayout(spec, commands, { idle: opts.kubeBench.idle, pathFiles: fs.existsSync(helper) ? [helper] : [], rounds: opts.runs ?? 1 });
    opts.log?.(`${fixture}: ${profiles.length} profile(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const p of profiles) {
      const kb = layout.commands[`kube-bench_${p}`]!;
      const ours = layout.commands[`rke-harden_${p}`]!;
      if (kb.code !== 0 || !kb.stdout.trim().startsWith('{')) throw new Error(`${fixture} ${p}: kube-bench exited ${kb.code}: ${kb.stderr.slice(-2000)}`);
      if (ours.code > 1 || !ours.stdout.trim().startsWith('{')) throw new Error(`${fixture} ${p}: rke-harden exited ${ours.code}: ${ours.stderr.slice(-2000)}`);
      const cmp = compare(fixture, p, targets, kubeBenchChecks(opts.kubeBench.cfgDir, p), parseKubeBenchJson(kb.stdout), JSON.parse(ours.stdout) as ScanRun);
      out.push({ ...cmp, kubeBenchMs: kb.ms, oursMs: ours.ms });
    }
  }
  return out;
}
