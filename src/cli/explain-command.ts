import { loadCatalog, compareControlIds, type Catalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId } from '../catalog/select-benchmark.js';
import { usageError } from '../errors/rke-harden-error.js';
import type { Benchmark, Control } from '../model/benchmark.js';
import type { Assertion, Check } from '../model/check.js';
import { describeExpectation } from '../engine/operators.js';
import { factsOf } from '../engine/evaluate-check.js';
import { remediationText } from '../remediation/fixed-by-harden-node.js';

const WIDTH = 100;

/** Wrap prose at WIDTH columns with the given indent. */
export function wrap(prose: string, indent: string): string[] {
  const words = prose.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && indent.length + line.length + 1 + w.length > WIDTH) {
      lines.push(indent + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(indent + line);
  return lines;
}

const DECIDERS: Record<Check['decidedBy'][number], string> = {
  config: 'configuration files before they are applied (`rke-harden audit config`): cluster.yml, config.yaml (+ config.yaml.d), Rancher Cluster objects, over the distro defaults of the version',
  node: 'the node (`rke-harden audit node`): process command lines under /proc, files, their modes and owners',
  cluster: 'the Kubernetes API (`rke-harden audit cluster`): objects read with read-only RBAC',
};

function assertionLines(a: Assertion, indent: string): string[] {
  if ('all' in a) return [`${indent}all of:`, ...a.all.flatMap((x) => assertionLines(x, indent + '  '))];
  if ('any' in a) return [`${indent}any of:`, ...a.any.flatMap((x) => assertionLines(x, indent + '  '))];
  if ('not' in a) return [`${indent}not:`, ...assertionLines(a.not, indent + '  ')];
  const expectation = a.valueFact !== undefined ? `${describeExpectation(a.op, '').trim()} the value of ${a.valueFact}`.trim() : describeExpectation(a.op, a.value);
  // An empty default (a list flag not set) reads as "empty", not as a blank.
  const ifUnset = a.default !== undefined
    ? ` (not set: ${a.default === '' ? 'empty' : a.default}, ${a.defaultFrom ?? 'the component default'})`
    : a.op === 'notSet' ? '' : a.ifMissing ? ` (not set: ${a.ifMissing})` : '';
  return [`${indent}${a.fact}: ${expectation}${ifUnset}`];
}

function changeLine(c: NonNullable<Check['remediation']['rke1']['changes']>[number]): string {
  if (c.append !== undefined) return `${c.key}: add the item ${JSON.stringify(c.append)}`;
  if (c.value === undefined) return c.key;
  return `${c.key}: ${typeof c.value === 'object' ? JSON.stringify(c.value) : JSON.stringify(c.value)}`;
}

const scoring = (c: Control): string => `${c.scored ? 'scored' : 'not scored'}, ${c.automation}`;

interface Binding {
  benchmark: Benchmark;
  control: Control;
}

/** Bindings grouped by control id and scoring: "4.2.1 (scored): rke2-cis-1.7-hardened, rke2-cis-1.8-hardened". */
function bindingLines(bindings: Binding[]): string[] {
  const groups = new Map<string, { control: Control; profiles: string[] }>();
  for (const b of bindings) {
    const key = `${b.control.id}\u0000${b.control.scored}\u0000${b.control.automation}\u0000${b.control.title}`;
    const g = groups.get(key) ?? { control: b.control, profiles: [] };
    g.profiles.push(b.benchmark.id);
    groups.set(key, g);
  }
  const sorted = [...groups.values()].sort((x, y) => compareControlIds(x.control.id, y.control.id));
  return sorted.flatMap((g) => [
    `  ${g.control.id} ${g.control.title}`,
    ...wrap(`${scoring(g.control)}: ${g.profiles.join(', ')}`, '      '),
  ]);
}

/**
 * One check explained. With `chosen` (explain --benchmark), the remediation is that profile's distro
 * only and its control is named first; the other profiles stay listed so a renumbered control can be
 * found.
 */
function explainCheck(catalog: Catalog, check: Check, bindings: Binding[], chosen?: Benchmark): string {
  const out: string[] = [];
  out.push(`${check.id}: ${check.title}`, `  component ${check.component} · severity ${check.severity}`, '');
  out.push('Why', ...wrap(check.rationale, '  '), '');
  out.push('How it is audited');
  for (const d of check.decidedBy) out.push(...wrap(`- ${DECIDERS[d]}`, '  ').map((l, i) => (i === 0 ? l : `  ${l}`)));
  const others = (['config', 'node', 'cluster'] as const).filter((k) => !check.decidedBy.includes(k));
  if (others.length > 0) out.push(...wrap(`Other audits (${others.map((k) => `audit ${k}`).join(', ')}) report it as manual, naming the audit that decides it.`, '  '));
  if (check.assert) {
    out.push(`  Reads: ${[...new Set(factsOf(check))].join(', ')}`, '  Passes when:', ...assertionLines(check.assert, '    '));
  } else {
    out.push(...wrap(`Evaluated by the \`${check.evaluator}\` evaluator over the objects collected from the API (cluster facts).`, '  '));
  }
  if (check.whileFileExists) out.push(...wrap(`Judged whenever the file exists, even on a node where ${check.component} does not run (CIS: "if the file exists").`, '  '));
  out.push(...wrap(`When the facts are missing: ${check.onMissing.status}: ${check.onMissing.reason}`, '  '), '');
  out.push('Remediation');
  const where = { rke1: 'RKE1 (cluster.yml)', rke2: 'RKE2 (/etc/rancher/rke2/config.yaml)' } as const;
  for (const distro of chosen ? [chosen.distro] : (['rke1', 'rke2'] as const)) {
    const r = check.remediation[distro];
    out.push(`  ${where[distro]}`, ...wrap(remediationText(check, distro), '    '));
    if (r.changes?.length) out.push('    Keys:', ...r.changes.map((c) => `      ${changeLine(c)}`));
  }
  out.push('');
  const own = chosen && bindings.find((b) => b.benchmark.id === chosen.id);
  if (own) {
    out.push(`In ${chosen.id}`, `  ${own.control.id} ${own.control.title}`, `      ${scoring(own.control)}`, '');
  }
  if (bindings.length > 0) {
    out.push('In benchmarks (control id, then profiles; CIS renumbers controls between versions)', ...bindingLines(bindings));
  } else {
    out.push('In benchmarks: no profile binds this check.');
  }
  const unbound = [...catalog.benchmarks.values()].filter((b) => !bindings.some((x) => x.benchmark.id === b.id)).map((b) => b.id);
  if (bindings.length > 0 && unbound.length > 0) out.push(...wrap(`Not in: ${unbound.join(', ')}`, '  '));
  return out.join('\n') + '\n';
}

function explainUnboundControl(bindings: Binding[]): string {
  const c = bindings[0]!.control;
  const out = [`${c.id} ${c.title}`, ''];
  // Profiles often start their own text with "Not applicable:": said once.
  const reason = c.manual !== undefined ? `No check can decide it; reported manual: ${c.manual}` : `The profile accepts it as not applicable: ${(c.notApplicable ?? '').replace(/^not applicable:\s*/i, '')}`;
  out.push(...wrap(reason, '  '), '', 'In benchmarks', ...bindingLines(bindings));
  return out.join('\n') + '\n';
}

function bindingsOf(catalog: Catalog, checkId: string): Binding[] {
  return [...catalog.benchmarks.values()].flatMap((b) => b.controls.filter((c) => c.check === checkId).map((control) => ({ benchmark: b, control })));
}

function suggestions(catalog: Catalog, id: string): string {
  const words = id.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 2);
  const near = [...catalog.checks.keys()].filter((c) => words.some((w) => c.includes(w))).slice(0, 5);
  return near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : '';
}

/**
 * `explain <control-id|check-id> [--benchmark ID]`: why the control matters, how it is audited, the
 * remediation for RKE1 and RKE2 with the exact keys, and the profiles (and control ids) it is in.
 * A control id names different checks in different profiles; each is explained with where it applies.
 */
export function explain(id: string, opts: { benchmark?: string } = {}): string {
  const catalog = loadCatalog();
  const benchmarks = opts.benchmark ? [resolveBenchmarkId(catalog, opts.benchmark)] : [...catalog.benchmarks.values()];
  const check = catalog.checks.get(id);
  if (check) {
    if (opts.benchmark && !benchmarks[0]!.controls.some((c) => c.check === check.id)) {
      throw usageError(`check ${id} is not in benchmark ${benchmarks[0]!.id}`);
    }
    return explainCheck(catalog, check, bindingsOf(catalog, check.id), opts.benchmark ? benchmarks[0] : undefined);
  }
  if (!/^\d+(\.\d+)*$/.test(id)) throw usageError(`${id}: no check or control with this id${suggestions(catalog, id)}`);
  const bindings = benchmarks.flatMap((b) => b.controls.filter((c) => c.id === id).map((control) => ({ benchmark: b, control })));
  if (bindings.length === 0) {
    throw usageError(`no control ${id} in ${opts.benchmark ? `benchmark ${benchmarks[0]!.id}` : 'any benchmark'}`);
  }
  // The same number can mean different recommendations in different CIS versions: explain each binding.
  const byCheck = new Map<string, Binding[]>();
  for (const b of bindings) {
    const key = b.control.check ?? `unbound\u0000${b.control.title}\u0000${b.control.manual ?? ''}\u0000${b.control.notApplicable ?? ''}`;
    byCheck.set(key, [...(byCheck.get(key) ?? []), b]);
  }
  const parts = [...byCheck.entries()].map(([key, bs]) => {
    const c = bs[0]!.control.check ? catalog.checks.get(key)! : undefined;
    const header = byCheck.size > 1 ? `${wrap(`== Control ${id} in ${bs.map((b) => b.benchmark.id).join(', ')}`, '').join('\n')}\n\n` : '';
    if (!c) return header + explainUnboundControl(bs);
    const scope = opts.benchmark ? `in ${benchmarks[0]!.id}` : 'in every profile that has it';
    const lead = byCheck.size > 1 ? '' : `Control ${id} is checked by ${c.id} ${scope}.\n\n`;
    // Every place the check is bound, in all profiles, so a renumbered control can be found.
    return header + lead + explainCheck(catalog, c, bindingsOf(catalog, c.id), opts.benchmark ? benchmarks[0] : undefined);
  });
  const note = byCheck.size > 1 ? `Control ${id} means different things in different profiles (${byCheck.size} different bindings); pass --benchmark to pick one.\n\n` : '';
  return note + parts.join('\n');
}
