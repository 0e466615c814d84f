/**
 * The repair of a comma-list flag the user wrote that still fails a scored control once the hardening
 * is in place: `authorization-mode=AlwaysAllow,Node,RBAC`, a weak suite among `tls-cipher-suites`,
 * `enable-admission-plugins` without NodeRestriction. The check says what the list must be (`has X`,
 * `notHas X`, `validElements [...]`), so the repair edits the user's entries and keeps every other one:
 * a missing element is added, a forbidden one removed. Only when none of the user's entries is allowed
 * does the list become the value the check's remediation names.
 */
import { isScalar, type Document, type Scalar, type YAMLSeq } from 'yaml';
import { accumulates } from '../engine/effective/arg-map.js';
import { listOf } from '../engine/operators.js';
import type { Check, Leaf } from '../model/check.js';
import type { FactValue } from '../model/fact.js';
import { parseItem } from './arg-items.js';
import type { Rke2Placement } from './rke2-hardening.js';
import { dropExtraArgsArray } from './rke1-extra-args-array.js';
import { deleteAt, ensureSeq, setScalar, valueAt, type Path } from './yaml-edit.js';

/** What a failing check asks of one comma-list flag of a component. */
export interface ListRule {
  component: string;
  flag: string;
  op: 'has' | 'notHas' | 'validElements';
  values: string[];
}

/** The list rule a check states (a leaf on `<component>.args.<comma-list flag>`), or undefined. */
export function listRuleOf(check: Check): ListRule | undefined {
  const a = check.assert as Partial<Leaf> | undefined;
  const m = a?.fact ? /^([a-z-]+)\.args\.([a-z0-9-]+)$/.exec(a.fact) : null;
  if (!a || !m || !accumulates(m[1], m[2]!)) return undefined;
  if (a.op !== 'has' && a.op !== 'notHas' && a.op !== 'validElements') return undefined;
  return { component: m[1]!, flag: m[2]!, op: a.op, values: listOf(a.value ?? []) };
}

/** The items once every rule holds: forbidden elements removed, then missing ones added. */
export function applyListRules(rules: ListRule[], items: string[]): string[] {
  return withMissing(rules, withoutForbidden(rules, items));
}

function withoutForbidden(rules: ListRule[], items: string[]): string[] {
  return rules.reduce((kept, r) => (r.op === 'notHas' ? kept.filter((i) => !r.values.includes(i)) : r.op === 'validElements' ? kept.filter((i) => r.values.includes(i)) : kept), items);
}

function withMissing(rules: ListRule[], items: string[]): string[] {
  const missing = [...new Set(rules.flatMap((r) => (r.op === 'has' ? r.values : [])))].filter((v) => !items.includes(v));
  return [...items, ...missing];
}

/** A list for a note: each element once (RKE2 items accumulate, so one may repeat across items). */
function listText(items: string[], empty = '(not set)'): string {
  return [...new Set(items)].join(',') || empty;
}

/** `flag=a,b` (or `flag+=a`, `flag-=a`) → its flag, the text up to and including `=`, and the items. */
function parseArgItem(text: string): { flag: string; head: string; items: string[] } | undefined {
  const eq = text.indexOf('=');
  if (eq < 0) return undefined;
  const { flag, value } = parseItem(text);
  return { flag, head: text.slice(0, eq + 1), items: listOf(value) };
}

/**
 * The rules on one flag (all of one component's flag), applied together: the user's list with the
 * forbidden elements removed and the missing ones added, or `fallback` (the remediation's value) when
 * a validElements rule leaves nothing.
 */
export interface ListRepair {
  component: string;
  flag: string;
  rules: ListRule[];
  fallback?: string;
}

/**
 * RKE2: edit the items for the flag in every layer RKE2 reads for `<component>-arg` (their values
 * accumulate from 1.24): each keeps its place and comment and loses its forbidden elements, the last
 * one left gains the missing ones, and one left empty is removed. When none is left, the user's last
 * item carries the rules' result; with no item of the user's, a new one carries the effective value
 * (RKE2's own default included, which an item replaces) with the rules applied. Nothing left means no
 * item: RKE2's default applies. Returns `before → after`, or undefined when nothing changed.
 */
export function repairRke2List(place: Rke2Placement, fix: ListRepair, effective: FactValue | undefined, accumulate: boolean): string | undefined {
  const key = `${fix.component}-arg`;
  let found: { where: string; seq: YAMLSeq; node: Scalar; head: string; items: string[] }[] = [];
  for (const t of place.layersOf(key)) {
    const seq = ensureSeq(t.doc, t.path);
    for (const node of seq.items.filter(isScalar) as Scalar[]) {
      const p = parseArgItem(String(node.value));
      if (p?.flag === fix.flag) found.push({ where: t.path.join('.'), seq, node, ...p });
    }
  }
  // Before RKE2 1.24 the items were a map: the last one for a flag is the only one read. The others
  // are left as they are, unless the flag is removed altogether (then one of them would take over).
  const unread = accumulate ? [] : found.slice(0, -1);
  if (!accumulate) found = found.slice(-1);
  const before = found.length ? found.flatMap((f) => f.items) : listOf(effective ?? []);
  const kept = found.map((f) => ({ ...f, kept: withoutForbidden(fix.rules, f.items) }));
  let survivors = kept.filter((f) => f.kept.length);
  let after: string[];
  if (survivors.length) {
    const union = survivors.flatMap((f) => f.kept);
    survivors.at(-1)!.kept.push(...withMissing(fix.rules, union).slice(union.length));
    after = survivors.flatMap((f) => f.kept);
  } else {
    after = applyListRules(fix.rules, before);
    if (!after.length && fix.fallback !== undefined && fix.rules.some((r) => r.op === 'validElements')) after = listOf(fix.fallback);
    const last = kept.at(-1);
    if (after.length && last) {
      // The user's last item carries the new list: it keeps its place and comment.
      last.head = `${fix.flag}=`;
      last.kept = after;
      survivors = [last];
    } else if (after.length) {
      const t = place.at(key);
      ensureSeq(t.doc, t.path).add(t.doc.createNode(`${fix.flag}=${after.join(',')}`));
    } else if (!found.length) {
      return undefined;
    }
  }
  // Where the edits are, for the note: the list keys (a Rancher Cluster's map paths) of the items changed.
  const edited = new Set(found.length ? [] : [place.at(key).path.join('.')]);
  for (const f of survivors) {
    const text = f.head + f.kept.join(',');
    if (String(f.node.value) === text) continue;
    f.node.value = text;
    edited.add(f.where);
  }
  // An item left with nothing is removed; with the flag gone altogether, before 1.24 the unread ones too.
  for (const f of [...kept.filter((x) => !survivors.includes(x)), ...(after.length ? [] : unread)]) {
    f.seq.items.splice(f.seq.items.indexOf(f.node), 1);
    edited.add(f.where);
  }
  if (!edited.size) return undefined;
  return `${[...edited].join(', ')} ${fix.flag}: ${listText(before)} → ${listText(after, "(removed: RKE2's default applies)")}`;
}

/**
 * RKE1: extra_args replace RKE's value of the flag, so the user's value is edited (or, when the user
 * set none, the effective one written with the rules applied). Items extra_args_array adds to it are
 * folded into that one value. A value left empty is removed and RKE's default applies again. Returns
 * `before → after`, or undefined.
 */
export function repairRke1List(doc: Document, service: Path, fix: ListRepair, effective: FactValue | undefined): string | undefined {
  const at = [...service, 'extra_args', fix.flag];
  const own = valueAt(doc, at);
  const added = valueAt(doc, [...service, 'extra_args_array', fix.flag]) !== undefined;
  const before = listOf(((added ? effective : own) ?? effective ?? []) as FactValue);
  let after = applyListRules(fix.rules, before);
  if (!after.length && fix.fallback !== undefined && fix.rules.some((r) => r.op === 'validElements')) after = listOf(fix.fallback);
  if (after.length) setScalar(doc, at, after.join(','));
  else if (own !== undefined) deleteAt(doc, at);
  else if (!added) return undefined;
  if (added) dropExtraArgsArray(doc, service, fix.flag);
  return `${at.join('.')}: ${listText(before)} → ${listText(after, "(removed: RKE's default applies)")}${added ? ' (its extra_args_array items folded in)' : ''}`;
}
