/**
 * The last pass of `harden config`: settings the user wrote that still fail a scored control once the
 * hardening is in place (`anonymous-auth=true` in kube-apiserver-arg, `read-only-port: "10255"` in the
 * kubelet's extra_args). The hardened result is audited as `audit config` would audit it, and each
 * failing check whose remediation names a single flag value gets that value, where the flag wins.
 * Comma-list flags (admission plugins, authorization modes, cipher suites, feature gates) are left to
 * the hardening itself and to the user: overwriting a list would drop entries the user chose.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Document } from 'yaml';
import type { Catalog } from '../catalog/catalog.js';
import { loadConfigTargets } from '../config/load-config-targets.js';
import { evaluateBenchmark } from '../engine/evaluate-benchmark.js';
import { ACCUMULATING_FLAGS } from '../engine/effective/arg-map.js';
import type { Benchmark } from '../model/benchmark.js';
import type { ControlResult } from '../model/result.js';
import { upsertArgItem } from './arg-items.js';
import type { Rke2Placement } from './rke2-hardening.js';
import { setScalar, type Path } from './yaml-edit.js';

/** Where a flag of a component is set: RKE2's `<component>-arg` list, or RKE1's service extra_args. */
export type FlagTarget =
  | { distro: 'rke2'; place: Rke2Placement }
  | { distro: 'rke1'; doc: Document; servicePath: (service: string) => Path };

/**
 * The scored fails of a hardened configuration against the benchmark it was hardened for, as
 * `audit config` finds them: `write` puts the configuration (and its companion files under host/) in
 * a private temporary folder, which is audited and removed.
 */
export function scoredFailsOf(write: (dir: string) => void, fileName: string, opts: { distro: 'rke1' | 'rke2'; k8sVersion: string }, benchmark: Benchmark, catalog: Catalog): ControlResult[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-verify-'));
  try {
    write(dir);
    const { snapshots } = loadConfigTargets([path.join(dir, fileName)], { distro: opts.distro, k8sVersion: opts.k8sVersion });
    return snapshots.flatMap((s) => evaluateBenchmark(benchmark, catalog.checks, s)).filter((r) => r.status === 'fail' && r.scored);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Give each failing check's flag the value its remediation names; returns a note per change. */
export function repairFlags(fails: ControlResult[], catalog: Catalog, target: FlagTarget): string[] {
  const notes: string[] = [];
  const done = new Set<string>();
  for (const r of fails) {
    const check = r.checkId ? catalog.checks.get(r.checkId) : undefined;
    for (const c of check?.remediation[target.distro].changes ?? []) {
      const edit = target.distro === 'rke2' ? rke2Edit(c) : rke1Edit(c);
      if (!edit || ACCUMULATING_FLAGS.has(edit.flag) || done.has(`${edit.where}\0${edit.flag}`)) continue;
      done.add(`${edit.where}\0${edit.flag}`);
      if (target.distro === 'rke2') {
        const t = target.place.at(edit.where);
        if (!upsertArgItem(t.doc, t.path, edit.flag, edit.value)) continue;
      } else if (!setScalar(target.doc, [...target.servicePath(edit.where), 'extra_args', edit.flag], edit.value)) {
        continue;
      }
      const where = target.distro === 'rke2' ? edit.where : [...target.servicePath(edit.where), 'extra_args'].join('.');
      notes.push(`${where} ${edit.flag} → ${edit.value}: the value set before failed CIS ${r.controlId} (${r.title})`);
    }
  }
  return notes;
}

/** `{ key: kube-apiserver-arg, append: "anonymous-auth=false" }` → the list key, flag and value. */
function rke2Edit(c: { key: string; append?: string }): { where: string; flag: string; value: string } | undefined {
  if (!c.key.endsWith('-arg') || !c.append?.includes('=')) return undefined;
  const i = c.append.indexOf('=');
  return { where: c.key, flag: c.append.slice(0, i), value: c.append.slice(i + 1) };
}

/** `{ key: services.kube-api.extra_args.anonymous-auth, value: "false" }` → the service, flag and value. */
function rke1Edit(c: { key: string; value?: unknown }): { where: string; flag: string; value: string } | undefined {
  const m = /^services\.([^.]+)\.extra_args\.([^.]+)$/.exec(c.key);
  if (!m || c.value === undefined || typeof c.value === 'object') return undefined;
  return { where: m[1]!, flag: m[2]!, value: String(c.value) };
}
