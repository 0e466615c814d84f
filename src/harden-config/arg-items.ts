import { isScalar, type Document, type Scalar } from 'yaml';
import { ensureSeq, type Path } from './yaml-edit.js';

/** A `*-arg` item (`--flag=value`, `flag+=value`, a bare `flag`) → its flag and value, as RKE2 reads it. */
export function parseItem(s: string): { flag: string; value: string } {
  const raw = s.replace(/^--/, '');
  const eq = raw.indexOf('=');
  return eq < 0 ? { flag: raw, value: 'true' } : { flag: raw.slice(0, eq).replace(/[+-]$/, ''), value: raw.slice(eq + 1) };
}

/** The value the last item for flag carries in a `*-arg` list (as RKE2 reads it: the last one wins), or undefined. */
export function lastArgValue(items: readonly unknown[], flag: string): string | undefined {
  return items.map((i) => parseItem(String(i))).filter((i) => i.flag === flag).at(-1)?.value;
}

/**
 * Make a `*-arg` list (RKE2) carry flag=value: replace the value of an existing item for the flag (keeping
 * its comment and position), or append. `merge` unions comma lists (admission plugins, feature gates).
 */
export function upsertArgItem(doc: Document, path: Path, flag: string, value: string, merge = false): boolean {
  const seq = ensureSeq(doc, path);
  const items = seq.items.filter(isScalar) as Scalar[];
  const found = items.filter((i) => parseItem(String(i.value)).flag === flag);
  if (found.length === 0) {
    seq.add(doc.createNode(`${flag}=${value}`));
    return true;
  }
  const last = found[found.length - 1]!;
  const current = parseItem(String(last.value)).value;
  const next = merge ? mergeList(current, value) : value;
  if (current === next && found.length === 1) return false;
  last.value = `${flag}=${next}`;
  // Earlier occurrences of a scalar flag lose to the last one anyway; drop them so the file says one thing.
  if (!merge) for (const f of found.slice(0, -1)) seq.items.splice(seq.items.indexOf(f), 1);
  return true;
}

/** Comma-list union keeping the existing order; `K=V` items (feature gates) replace the same key. */
export function mergeList(current: string, add: string): string {
  const items = current.split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of add.split(',').map((s) => s.trim()).filter(Boolean)) {
    const key = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    const i = items.findIndex((x) => (x.includes('=') ? x.slice(0, x.indexOf('=')) : x) === key);
    if (i < 0) items.push(a);
    else items[i] = a;
  }
  return items.join(',');
}
