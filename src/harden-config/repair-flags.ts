/**
 * The last pass of `harden config`: settings the user wrote that still fail a scored control once the
 * hardening is in place (`anonymous-auth=true` in kube-apiserver-arg, `read-only-port: "10255"` in the
 * kubelet's extra_args, a weak suite among tls-cipher-suites). The hardened result is audited as
 * `audit config` would audit it. A failing check whose remediation names a single flag value gets that
 * value, where the flag wins; a failing check on a comma-list flag gets the user's list with the
 * missing element added or the forbidden ones removed (repair-list-flags.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Document } from 'yaml';
import type { Catalog } from '../catalog/catalog.js';
import { loadConfigTargets, targetsOfCluster } from '../config/load-config-targets.js';
import { evaluateBenchmark } from '../engine/evaluate-benchmark.js';
import { accumulates } from '../engine/effective/arg-map.js';
import { RKE1_SERVICES } from '../config/rke1/cluster-yml-keys.js';
import type { Benchmark } from '../model/benchmark.js';
import type { Check, Leaf } from '../model/check.js';
import type { FactSnapshot, FactValue } from '../model/fact.js';
import type { ControlResult } from '../model/result.js';
import { upsertArgItem } from './arg-items.js';
import { listRuleOf, repairRke1List, repairRke2List, type ListRepair } from './repair-list-flags.js';
import type { Rke2Placement } from './rke2-hardening.js';
import { setScalar, valueAt, type Path } from './yaml-edit.js';
import { setExtraArg } from './rke1-extra-args-array.js';

/** Where a flag of a component is set: RKE2's `<component>-arg` list, or RKE1's service extra_args. */
export type FlagTarget =
  | { distro: 'rke2'; place: Rke2Placement; itemsAccumulate: boolean }
  | { distro: 'rke1'; doc: Document; servicePath: (service: string) => Path };

/** A scored fail, with the facts of the target it failed on (the effective values a repair starts from) and that target's place in `audit config`'s order. */
export interface ScoredFail {
  result: ControlResult;
  facts: FactSnapshot['facts'];
  target: number;
}

/**
 * The scored fails of a hardened configuration against the benchmark it was hardened for, as
 * `audit config` finds them: `write` puts the configuration (and its companion files under host/) in
 * a private temporary folder, which is audited and removed.
 */
export function scoredFailsOf(write: (dir: string) => void, fileName: string, opts: { distro: 'rke1' | 'rke2'; k8sVersion: string; role: 'server' | 'agent' }, benchmark: Benchmark, catalog: Catalog, cluster?: string): ScoredFail[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-verify-'));
  try {
    write(dir);
    const file = path.join(dir, fileName);
    const { snapshots } = loadConfigTargets([file], opts);
    // A file of several Rancher Clusters: the targets of the one hardened, numbered among themselves.
    const mine = cluster === undefined ? snapshots : targetsOfCluster(snapshots, file, cluster);
    return mine.flatMap((s, target) => evaluateBenchmark(benchmark, catalog.checks, s)
      .filter((r) => r.status === 'fail' && r.scored)
      .map((result) => ({ result, facts: s.facts, target })));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Give each failing check's flag the value it asks for; returns a note per change. */
export function repairFlags(fails: ScoredFail[], catalog: Catalog, target: FlagTarget): string[] {
  const notes: string[] = [];
  const done = new Set<string>();
  // Rules on one comma-list flag are applied together: one edit, one note naming every control.
  const lists = new Map<string, { fix: ListRepair; effective: FactValue | undefined; controls: string[] }>();
  for (const { result: r, facts } of fails) {
    const check = r.checkId ? catalog.checks.get(r.checkId) : undefined;
    if (!check) continue;
    const edits = (check.remediation[target.distro].changes ?? []).flatMap((c) => (target.distro === 'rke2' ? rke2Edit(c) : rke1Edit(c)) ?? []);
    const rule = listRuleOf(check);
    if (rule) {
      const key = `${rule.component}.args.${rule.flag}`;
      const entry = lists.get(key) ?? { fix: { component: rule.component, flag: rule.flag, rules: [] }, effective: facts[key]?.value, controls: [] };
      entry.fix.rules.push(rule);
      const fallback = edits.find((e) => e.flag === rule.flag)?.value;
      entry.fix.fallback ??= fallback === undefined ? undefined : String(fallback);
      entry.controls.push(`CIS ${r.controlId} (${r.title})`);
      lists.set(key, entry);
      continue;
    }
    for (const edit of target.distro === 'rke1' ? edits.map((e) => rke1WhereItWins(target, e, check)) : edits) {
      // A list the check does not state a rule for (feature-gates) is the hardening's: overwriting it would drop entries.
      if (accumulates(check.component, edit.flag) || done.has(`${edit.where}\0${edit.flag}`)) continue;
      done.add(`${edit.where}\0${edit.flag}`);
      if (target.distro === 'rke2') {
        const t = target.place.at(edit.where);
        if (!upsertArgItem(t.doc, t.path, edit.flag, String(edit.value))) continue;
      } else {
        const service = target.servicePath(edit.where);
        const changed = edit.section[0] === 'extra_args'
          ? setExtraArg(target.doc, service, edit.flag, edit.value)
          : setScalar(target.doc, [...service, ...edit.section, edit.flag], edit.value);
        if (!changed) continue;
      }
      const where = target.distro === 'rke2' ? target.place.at(edit.where).path.join('.') : [...target.servicePath(edit.where), ...edit.section].join('.');
      notes.push(`${where} ${edit.flag} → ${edit.value}: the value set before failed CIS ${r.controlId} (${r.title})`);
    }
  }
  for (const { fix, effective, controls } of lists.values()) {
    const change = target.distro === 'rke2'
      ? repairRke2List(target.place, fix, effective, target.itemsAccumulate)
      : repairRke1List(target.doc, target.servicePath(RKE1_SERVICES[fix.component]?.spellings[0] ?? fix.component), fix, effective);
    if (change) notes.push(`${change}: the value set before failed ${controls.join(', ')}`);
  }
  return notes;
}

/** `{ key: kube-apiserver-arg, append: "anonymous-auth=false" }` → the list key, flag and value. */
function rke2Edit(c: { key: string; append?: string }): { where: string; section: string[]; flag: string; value: string } | undefined {
  if (!c.key.endsWith('-arg') || !c.append?.includes('=')) return undefined;
  const i = c.append.indexOf('=');
  return { where: c.key, section: [], flag: c.append.slice(0, i), value: c.append.slice(i + 1) };
}

type Rke1Edit = NonNullable<ReturnType<typeof rke1Edit>>;

/**
 * RKE1: a flag in extra_args (or extra_args_array) overrides RKE's own setting for it
 * (audit_log.configuration.max_age is passed as --audit-log-maxage unless extra_args sets
 * audit-log-maxage): the repair goes to extra_args, where it wins once extra_args_array no longer
 * repeats the flag after it.
 */
function rke1WhereItWins(target: Extract<FlagTarget, { distro: 'rke1' }>, edit: Rke1Edit, check: Check): Rke1Edit {
  const flag = /^[a-z-]+\.args\.([a-z0-9-]+)$/.exec((check.assert as Partial<Leaf> | undefined)?.fact ?? '')?.[1];
  if (!flag || edit.section[0] === 'extra_args') return edit;
  const service = target.servicePath(edit.where);
  const asFlag = ['extra_args', 'extra_args_array'].some((section) => valueAt(target.doc, [...service, section, flag]) !== undefined);
  return asFlag ? { ...edit, section: ['extra_args'], flag, value: String(edit.value) } : edit;
}

/**
 * `{ key: services.kube-api.extra_args.anonymous-auth, value: "false" }` → the service, the section
 * under it, the key and value. Flags (extra_args, text in RKE's types) and the audit log's numbers
 * (audit_log.configuration, integers there) are repaired; RKE1's other settings are the hardening's.
 */
function rke1Edit(c: { key: string; value?: unknown }): { where: string; section: string[]; flag: string; value: string | number | boolean } | undefined {
  const m = /^services\.([^.]+)\.(extra_args|audit_log\.configuration)\.([^.]+)$/.exec(c.key);
  if (!m || c.value === undefined || c.value === null || typeof c.value === 'object') return undefined;
  const value = c.value as string | number | boolean;
  return { where: m[1]!, section: m[2]!.split('.'), flag: m[3]!, value: m[2] === 'extra_args' ? String(value) : value };
}
